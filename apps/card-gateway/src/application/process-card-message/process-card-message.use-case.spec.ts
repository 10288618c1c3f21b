import { currencyCode } from '@corebank/domain-money';
import { PlatformError } from '@corebank/platform-errors';

import { mapCardMessage } from '../../transport/soap/mapping/card-message.mapping';
import type { Authorization, CardMessageDecision } from '../../ports/authorization.port';
import { AUTH_REQUEST_FIELDS } from '../../testing/get-transaction-envelope';
import { RecordingGatewayLog } from '../../testing/recording-gateway-log';
import type { CardMessage } from './card-message.command';
import { ProcessCardMessageUseCase } from './process-card-message.use-case';

const GBP = currencyCode('GBP');

function message(overrides: Readonly<Record<string, string>> = {}): CardMessage {
  const fields = new Map(
    Object.entries({ ...AUTH_REQUEST_FIELDS, ...overrides }).filter(([, value]) => value !== ''),
  );
  return mapCardMessage({ fields, ambiguousFields: new Set(), receivedAt: new Date(0) });
}

/** An in-memory Authorization whose answer each test scripts. */
class ScriptedAuthorization implements Authorization {
  readonly processed: CardMessage[] = [];
  readonly voided: { txnId: string; answeredResponseCode: string }[] = [];

  constructor(
    private readonly answer: (message: CardMessage) => Promise<CardMessageDecision>,
    private readonly voidOutcome: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async processCardMessage(cardMessage: CardMessage): Promise<CardMessageDecision> {
    this.processed.push(cardMessage);
    return this.answer(cardMessage);
  }

  async voidUnconfirmedDecision(txnId: string, answeredResponseCode: string): Promise<void> {
    this.voided.push({ txnId, answeredResponseCode });
    return this.voidOutcome();
  }
}

const APPROVED: CardMessageDecision = {
  responseCode: '00',
  acknowledged: true,
  ledgerBalance: { amountMinor: 10000n, currency: GBP },
  availableBalance: { amountMinor: 8750n, currency: GBP },
  billAmountApproved: undefined,
  decisionId: 'decision-1',
};

const never = (): Promise<never> => new Promise<never>(() => undefined);
const unavailable = (): Promise<never> =>
  Promise.reject(
    new PlatformError('unavailable.rpc_unreachable', 'unreachable', { retryable: true }),
  );

describe('ProcessCardMessageUseCase', () => {
  it("passes authorization's decision through", async () => {
    const authorization = new ScriptedAuthorization(() => Promise.resolve(APPROVED));
    const sut = new ProcessCardMessageUseCase(authorization, new RecordingGatewayLog());
    await expect(sut.execute(message(), 50)).resolves.toMatchObject({
      responseCode: '00',
      acknowledged: true,
      outcome: 'decided',
    });
    expect(authorization.voided).toEqual([]);
  });

  it('answers 30 for a malformed decide message and still forwards it to be recorded', async () => {
    const authorization = new ScriptedAuthorization(() =>
      Promise.resolve({ ...APPROVED, responseCode: '14' }),
    );
    const sut = new ProcessCardMessageUseCase(authorization, new RecordingGatewayLog());
    const reply = await sut.execute(message({ Bill_Ccy: '999' }), 50);
    expect(reply).toMatchObject({ responseCode: '30', acknowledged: true });
    expect(authorization.processed[0]?.malformed?.reason).toBe('invalid_bill_ccy');
  });

  it('answers 30 for a malformed decide message even when authorization is down, and voids nothing', async () => {
    const authorization = new ScriptedAuthorization(unavailable);
    const sut = new ProcessCardMessageUseCase(authorization, new RecordingGatewayLog());
    await expect(sut.execute(message({ TXn_ID: '' }), 50)).resolves.toMatchObject({
      responseCode: '30',
      acknowledged: true,
    });
    expect(authorization.voided).toEqual([]);
  });

  it('answers 91 within the budget when authorization hangs on a decide message, then voids', async () => {
    const authorization = new ScriptedAuthorization(never);
    const sut = new ProcessCardMessageUseCase(authorization, new RecordingGatewayLog());
    const reply = await sut.execute(message(), 20);
    expect(reply).toMatchObject({ responseCode: '91', acknowledged: true, outcome: 'unconfirmed' });
    await sut.drainPendingVoids();
    expect(authorization.voided).toEqual([{ txnId: '4816503021', answeredResponseCode: '91' }]);
  });

  it('answers 96 with Acknowledgement 0 for a notification when authorization fails, and voids nothing so the re-send can post it', async () => {
    const authorization = new ScriptedAuthorization(unavailable);
    const sut = new ProcessCardMessageUseCase(authorization, new RecordingGatewayLog());
    const reply = await sut.execute(message({ MTID: '1240', Txn_Type: 'P', Proc_Code: '' }), 20);
    expect(reply).toMatchObject({ responseCode: '96', acknowledged: false });
    await sut.drainPendingVoids();
    expect(authorization.voided).toEqual([]);
  });

  it('logs an error, without card data, when the void fails after its retries', async () => {
    const log = new RecordingGatewayLog();
    const authorization = new ScriptedAuthorization(never, unavailable);
    const sut = new ProcessCardMessageUseCase(authorization, log);
    await sut.execute(message(), 5);
    await sut.drainPendingVoids();
    const failure = log.lines.find((line) => line.level === 'error');
    expect(failure).toEqual({
      level: 'error',
      message: 'void of unconfirmed decision failed',
      fields: { txnId: '4816503021', responseCode: '91', errorCode: 'unavailable.rpc_unreachable' },
    });
  });
});
