/**
 * One processor message as the authorization service sees it (CARD-PROCESSOR.md §2), already
 * typed by the card-gateway. Amounts are signed minor units: negative = debit, positive = credit.
 */
export type CardMessageKind =
  | 'auth_requested'
  | 'auth_repeated'
  | 'financial_requested'
  | 'auth_advised'
  | 'auth_reversed'
  | 'financial_advised'
  | 'financial_reversed'
  | 'auth_expired'
  | 'presented'
  | 're_presented'
  | 'presentment_reversed'
  | 'advice_notification_ignored'
  | 'chargeback'
  | 'chargeback_reversed'
  | 'account_adjusted'
  | 'unknown';

export interface MessageAmount {
  readonly amountMinor: bigint;
  /** ISO 4217 alphabetic; empty when the field was absent. */
  readonly currencyCode: string;
}

export interface MerchantFields {
  readonly name: string;
  readonly city: string;
  readonly region: string;
  readonly country: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly nameLocationRaw: string;
}

export interface CardMessage {
  readonly kind: CardMessageKind;
  readonly mtid: string;
  readonly txnType: string;
  readonly txnId: string;
  readonly token: string;
  readonly traceidLifecycle: string;
  readonly transLink: string;
  readonly authCode: string;
  readonly retrievalReferenceNumber: string;
  readonly matchingTxnId: string;
  readonly acquirerReferenceNumber: string;
  readonly sendingAttemptCount: number;
  /** Authorised_by_GPS = Y: the processor, not us, made or stood in for the decision. */
  readonly authorisedByProcessor: boolean;
  readonly txnStatCode: string;
  readonly respCodeDe39: string;
  readonly procCode: string;
  readonly billAmount: MessageAmount;
  readonly txnAmount: MessageAmount;
  /** Fee_Fixed + FX_Pad + MCC_Pad in the billing currency (minor units, unsigned). */
  readonly feesMinor: bigint;
  readonly mcc: string;
  readonly merchant: MerchantFields;
  readonly txnCountry: string;
  readonly posEntryMode: string;
  readonly processorTimestamp: string;
  readonly transmissionTimeDe07: string;
  readonly receivedAtMs: number;
  readonly payloadHash: string;
  /** Set when the gateway could not type the business data (CARD-PROCESSOR.md §8 class 2). */
  readonly malformedReason: string;
}

/** Kinds that need an approve/decline answer (§2.1). */
export function isDecideKind(kind: CardMessageKind): boolean {
  return kind === 'auth_requested' || kind === 'auth_repeated' || kind === 'financial_requested';
}

/** The first two digits of Proc_Code (§2.2): 00 purchase, 01 cash, 20 refund, 30, 39. */
export type ProcessingCategory =
  'purchase' | 'cash' | 'cashback' | 'refund' | 'balance_enquiry' | 'verification' | 'other';

export function processingCategoryOf(procCode: string): ProcessingCategory {
  switch (procCode.slice(0, 2)) {
    case '00':
      return 'purchase';
    case '01':
      return 'cash';
    case '09':
      return 'cashback';
    case '20':
      return 'refund';
    case '30':
      return 'balance_enquiry';
    case '39':
      return 'verification';
    default:
      return procCode === '' ? 'purchase' : 'other';
  }
}

/** Refunds, balance enquiries and verifications never hold money and skip rules 10–13 (§4.1). */
export function skipsAmountRules(category: ProcessingCategory): boolean {
  return category === 'refund' || category === 'balance_enquiry' || category === 'verification';
}

/** `00/08/10/85/87` approve (§4.3); anything else on an advice is a stand-in decline. */
export function isApprovalResponseCode(code: string): boolean {
  return ['00', '08', '10', '85', '87'].includes(code);
}

/** Entry modes that mean the card was not present (e-commerce, mail/telephone order). */
export function isCardNotPresent(posEntryMode: string): boolean {
  const mode = posEntryMode.slice(0, 2);
  return mode === '01' || mode === '10' || mode === '81';
}

/** Cash, by processing code or by the cash-withdrawal MCCs. */
export function isCashWithdrawal(message: Pick<CardMessage, 'procCode' | 'mcc'>): boolean {
  return (
    processingCategoryOf(message.procCode) === 'cash' ||
    message.mcc === '6010' ||
    message.mcc === '6011'
  );
}

/** Debit amount of a message (0 for credits), unsigned. */
export function debitAmountMinor(message: Pick<CardMessage, 'billAmount'>): bigint {
  return message.billAmount.amountMinor < 0n ? -message.billAmount.amountMinor : 0n;
}

export function absoluteAmountMinor(amount: MessageAmount): bigint {
  return amount.amountMinor < 0n ? -amount.amountMinor : amount.amountMinor;
}
