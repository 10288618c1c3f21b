import type { CardMessage } from '../domain/card-message';

/** A decide-ready 0100/A purchase of 12.50 GBP on token T1; override what a scenario needs. */
export function cardMessage(overrides: Partial<CardMessage> = {}): CardMessage {
  return {
    kind: 'auth_requested',
    mtid: '0100',
    txnType: 'A',
    txnId: '1000000001',
    token: '123456789',
    traceidLifecycle: 'VIS1-20261122-000000000001',
    transLink: '',
    authCode: '',
    retrievalReferenceNumber: '',
    matchingTxnId: '',
    acquirerReferenceNumber: '',
    sendingAttemptCount: 0,
    authorisedByProcessor: false,
    txnStatCode: 'A',
    respCodeDe39: '',
    procCode: '000000',
    billAmount: { amountMinor: -1250n, currencyCode: 'GBP' },
    txnAmount: { amountMinor: 1250n, currencyCode: 'GBP' },
    feesMinor: 0n,
    mcc: '5999',
    merchant: {
      name: 'CORNER SHOP',
      city: 'LONDON',
      region: 'GB',
      country: 'GBR',
      merchantId: 'M1',
      terminalId: 'T1',
      nameLocationRaw: 'CORNER SHOP              LONDON       GB',
    },
    txnCountry: 'GBR',
    posEntryMode: '05',
    processorTimestamp: '2026-11-22 10:00:00.000',
    transmissionTimeDe07: '1122100000',
    receivedAtMs: Date.UTC(2026, 10, 22, 10),
    payloadHash: 'hash-1',
    malformedReason: '',
    ...overrides,
  };
}
