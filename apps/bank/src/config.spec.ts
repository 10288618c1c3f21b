import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigValidationError } from '@corebank/platform-config';

import { serviceEventBus } from './bank-services';

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

  it('runs on the embedded bus unless BANK_BUS_ENGINE=kafka, which requires KAFKA_BROKERS', () => {
    const embedded = loadBankConfig({ BANK_DATA_DIR: '/var/bank' });
    expect(serviceEventBus(embedded, 'feed')).toEqual({
      engine: 'embedded',
      path: join('/var/bank', 'event-bus', 'bus.db'),
    });
    expect(() => loadBankConfig({ BANK_BUS_ENGINE: 'kafka' })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadBankConfig({ BANK_BUS_ENGINE: 'rabbit' })).toThrow(/BANK_BUS_ENGINE/);
  });

  it('gives each service its own Kafka clientId on the configured brokers and timeouts', () => {
    const config = loadBankConfig({
      BANK_BUS_ENGINE: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
    });
    expect(serviceEventBus(config, 'feed')).toMatchObject({
      engine: 'kafka',
      brokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
      clientId: 'corebank-feed',
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    });
    expect(serviceEventBus(config, 'notifications')).toMatchObject({
      clientId: 'corebank-notifications',
    });
  });

  it('passes APNs settings through to notifications only when APNS_ORIGIN is set', () => {
    expect(loadBankConfig({})).toMatchObject({ apns: undefined, fcm: undefined });
    const directory = mkdtempSync(join(tmpdir(), 'bank-config-'));
    try {
      const keyPath = join(directory, 'key.p8');
      const caPath = join(directory, 'ca.pem');
      writeFileSync(keyPath, 'KEY PEM');
      writeFileSync(caPath, 'CA PEM');
      const config = loadBankConfig({
        APNS_ORIGIN: 'https://127.0.0.1:4443',
        APNS_KEY_PATH: keyPath,
        APNS_KEY_ID: 'KEYID',
        APNS_TEAM_ID: 'TEAMID',
        APNS_TOPIC: 'com.corebank.app',
        APNS_CA_PATH: caPath,
      });
      expect(config.apns).toMatchObject({
        origin: 'https://127.0.0.1:4443',
        signingKeyPem: 'KEY PEM',
        caPem: 'CA PEM',
        keyId: 'KEYID',
        teamId: 'TEAMID',
        topic: 'com.corebank.app',
      });
      expect(() => loadBankConfig({ APNS_ORIGIN: 'https://127.0.0.1:4443' })).toThrow(
        /APNS_KEY_PATH/,
      );
      expect(() =>
        loadBankConfig({ FCM_SERVICE_ACCOUNT_PATH: join(directory, 'missing.json') }),
      ).toThrow(/FCM_SERVICE_ACCOUNT_PATH/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
