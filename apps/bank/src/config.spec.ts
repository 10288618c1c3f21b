import { ConfigValidationError } from '@corebank/platform-config';

import { corebankCliConfigSchema, loadCorebankCliConfig } from './cli/config';
import { loadBankConfig } from './config';

describe('bank config', () => {
  it('defaults to the well-known local ports the CLI also defaults to', () => {
    const bank = loadBankConfig({});
    const cli = loadCorebankCliConfig({});
    expect(bank).toMatchObject({
      BANK_HOST: '127.0.0.1',
      BANK_DATA_DIR: 'data',
      BANK_AUTHORIZATION_GRPC_PORT: 50_052,
      BANK_SOAP_PORT: 8080,
      BANK_SOAP_PATH: '/ehi',
    });
    expect(cli.COREBANK_CARDS_ADDRESS).toBe(
      `${bank.BANK_HOST}:${bank.BANK_AUTHORIZATION_GRPC_PORT}`,
    );
    expect(cli.COREBANK_SOAP_URL).toBe(
      `http://${bank.BANK_HOST}:${bank.BANK_SOAP_PORT}${bank.BANK_SOAP_PATH}`,
    );
    expect(cli.COREBANK_DEMO_CARD_TOKEN).toBe(bank.BANK_DEMO_CARD_TOKEN);
    expect(Object.keys(corebankCliConfigSchema.shape)).toContain('COREBANK_CALL_TIMEOUT_MS');
  });

  it('takes ports from the environment, 0 meaning any free port', () => {
    expect(loadBankConfig({ BANK_SOAP_PORT: '0', BANK_LEDGER_GRPC_PORT: '7000' })).toMatchObject({
      BANK_SOAP_PORT: 0,
      BANK_LEDGER_GRPC_PORT: 7000,
    });
  });

  it('refuses a demo card token that is not processor digits, naming the variable', () => {
    expect(() => loadBankConfig({ BANK_DEMO_CARD_TOKEN: '4111-1111' })).toThrow(
      ConfigValidationError,
    );
    expect(() => loadBankConfig({ BANK_DEMO_CARD_TOKEN: '4111-1111' })).toThrow(
      /BANK_DEMO_CARD_TOKEN/,
    );
  });
});
