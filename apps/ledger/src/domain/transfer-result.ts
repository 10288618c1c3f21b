/**
 * Every outcome of one transfer in a batch, as TigerBeetle's CreateTransferResult. Listed in the
 * order the checks run: the first failing check names the result.
 */
export const CREATE_TRANSFER_RESULTS = [
  'ok',
  'linked_event_failed',
  'linked_event_chain_open',
  'id_invalid',
  'exists',
  'exists_with_different_fields',
  'flags_are_mutually_exclusive',
  'debit_account_id_invalid',
  'credit_account_id_invalid',
  'accounts_must_be_different',
  'pending_id_must_be_empty',
  'pending_id_must_not_be_empty',
  'pending_id_invalid',
  'pending_id_must_be_different',
  'timeout_reserved_for_pending_transfer',
  'timeout_invalid',
  'user_data_too_long',
  'amount_malformed',
  'amount_exceeds_uint64',
  'amount_must_not_be_zero',
  'debit_account_not_found',
  'credit_account_not_found',
  'accounts_must_have_the_same_currency',
  'transfer_must_have_the_same_currency_as_accounts',
  'pending_transfer_not_found',
  'pending_transfer_not_pending',
  'pending_transfer_has_different_debit_account_id',
  'pending_transfer_has_different_credit_account_id',
  'pending_transfer_has_different_currency',
  'pending_transfer_has_different_amount',
  'exceeds_pending_transfer_amount',
  'pending_transfer_already_posted',
  'pending_transfer_already_voided',
  'pending_transfer_expired',
  'overflows_debits_pending',
  'overflows_credits_pending',
  'overflows_debits_posted',
  'overflows_credits_posted',
  'exceeds_credits',
  'exceeds_debits',
] as const;

export type CreateTransferResult = (typeof CREATE_TRANSFER_RESULTS)[number];

/** Outcome of the sweeper's request to expire one pending transfer. */
export type ExpirePendingResult = 'ok' | 'not_found' | 'not_due' | 'already_resolved';
