import { isInMccGroup, parseMcc } from '@corebank/domain-merchant';

import { type Card, isCardExpired } from './card';
import {
  type CardMessage,
  debitAmountMinor,
  isCardNotPresent,
  isCashWithdrawal,
  processingCategoryOf,
  skipsAmountRules,
} from './card-message';

/** Why a decide message was declined, with the response code of CARD-PROCESSOR.md §4.1. */
export type DeclineReason =
  | { readonly reason: 'format_error'; readonly responseCode: '30' }
  | { readonly reason: 'invalid_card'; readonly responseCode: '14' }
  | { readonly reason: 'card_closed'; readonly responseCode: '46' }
  | { readonly reason: 'card_lost'; readonly responseCode: '41' }
  | { readonly reason: 'card_stolen'; readonly responseCode: '43' }
  | { readonly reason: 'card_not_activated'; readonly responseCode: '78' }
  | { readonly reason: 'card_expired'; readonly responseCode: '54' }
  | { readonly reason: 'card_frozen'; readonly responseCode: '62' }
  | { readonly reason: 'not_permitted'; readonly responseCode: '57'; readonly detail: string }
  | { readonly reason: 'amount_limit'; readonly responseCode: '61'; readonly detail: string }
  | { readonly reason: 'insufficient_funds'; readonly responseCode: '51' }
  | { readonly reason: 'issuer_unavailable'; readonly responseCode: '91' }
  | { readonly reason: 'system_malfunction'; readonly responseCode: '96' };

/**
 * The outcome of rules 1–11 for a decide message. Rule 12 (available balance) is decided by the
 * ledger atomically when the hold is placed, so `approve` here means "place the hold and see".
 */
export type RuleOutcome =
  | {
      readonly kind: 'approve';
      /** What to hold (0n: nothing, e.g. refunds, enquiries, verifications). */
      readonly holdAmountMinor: bigint;
    }
  | { readonly kind: 'decline'; readonly decline: DeclineReason };

export interface DecisionInput {
  readonly message: CardMessage;
  /** undefined = the token is unknown to us. */
  readonly card: Card | undefined;
  /** Approved debits of this card today (UTC), before this message. */
  readonly spentTodayMinor: bigint;
  readonly nowMs: number;
}

/**
 * Applies CARD-PROCESSOR.md §4.1 rules 1–11 in order; the first rule that matches wins.
 * Not implemented on purpose: rule 8 (no fraud rules configured yet), rule 11 (no velocity
 * limits configured) and rule 13 (partial approval, phase 2).
 */
export function decideByRules(input: DecisionInput): RuleOutcome {
  const { message, card } = input;
  if (message.malformedReason !== '' || message.txnId === '' || message.token === '') {
    return decline({ reason: 'format_error', responseCode: '30' });
  }
  if (card === undefined) {
    return decline({ reason: 'invalid_card', responseCode: '14' });
  }
  if (
    message.billAmount.currencyCode !== '' &&
    message.billAmount.currencyCode !== card.currencyCode
  ) {
    return decline({ reason: 'format_error', responseCode: '30' });
  }
  switch (card.status) {
    case 'closed':
      return decline({ reason: 'card_closed', responseCode: '46' });
    case 'lost':
      return decline({ reason: 'card_lost', responseCode: '41' });
    case 'stolen':
      return decline({ reason: 'card_stolen', responseCode: '43' });
    case 'not_activated':
      return decline({ reason: 'card_not_activated', responseCode: '78' });
    case 'active':
    case 'frozen':
      break;
  }
  if (isCardExpired(card.expiryMonth, input.nowMs)) {
    return decline({ reason: 'card_expired', responseCode: '54' });
  }
  if (card.status === 'frozen') {
    return decline({ reason: 'card_frozen', responseCode: '62' });
  }
  const notPermitted = notPermittedDetail(message, card);
  if (notPermitted !== undefined) {
    return decline({ reason: 'not_permitted', responseCode: '57', detail: notPermitted });
  }
  const category = processingCategoryOf(message.procCode);
  if (skipsAmountRules(category)) {
    return { kind: 'approve', holdAmountMinor: 0n };
  }
  const debitMinor = debitAmountMinor(message);
  const { perTransactionLimitMinor, dailyLimitMinor } = card.controls;
  if (perTransactionLimitMinor > 0n && debitMinor > perTransactionLimitMinor) {
    return decline({ reason: 'amount_limit', responseCode: '61', detail: 'per_transaction' });
  }
  if (dailyLimitMinor > 0n && input.spentTodayMinor + debitMinor > dailyLimitMinor) {
    return decline({ reason: 'amount_limit', responseCode: '61', detail: 'daily' });
  }
  const feesMinor = card.product.holdIncludesFees ? message.feesMinor : 0n;
  return { kind: 'approve', holdAmountMinor: debitMinor === 0n ? 0n : debitMinor + feesMinor };
}

function decline(reason: DeclineReason): RuleOutcome {
  return { kind: 'decline', decline: reason };
}

/** Rule 9: MCC group, cash, card-not-present or country blocked by product or customer. */
function notPermittedDetail(message: CardMessage, card: Card): string | undefined {
  const parsed = parseMcc(message.mcc);
  if (parsed.kind === 'mcc') {
    const blockedGroup = card.controls.blockedMccGroups.find((group) =>
      isInMccGroup(parsed.mcc, group),
    );
    if (blockedGroup !== undefined) {
      return `mcc_group_${blockedGroup}`;
    }
  }
  if (isCashWithdrawal(message) && !card.product.cashWithdrawalAllowed) {
    return 'cash_withdrawal';
  }
  if (isCardNotPresent(message.posEntryMode)) {
    if (!card.product.cardNotPresentAllowed || card.controls.cardNotPresentBlocked) {
      return 'card_not_present';
    }
  }
  const country = (message.txnCountry || message.merchant.country).toUpperCase();
  if (country !== '' && card.controls.blockedCountries.includes(country)) {
    return 'country';
  }
  return undefined;
}
