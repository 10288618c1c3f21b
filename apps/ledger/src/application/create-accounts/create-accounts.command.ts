import type { AccountInput } from '../../domain/account';

export interface CreateAccountsCommand {
  /** Each account's id is its own idempotency key. */
  readonly accounts: readonly AccountInput[];
}
