/**
 * Topic names of the card-transaction pipeline (ARCHITECTURE §2). Every topic is keyed by the
 * account id, so one account's events stay in order end to end.
 */
export const TRANSACTION_TOPICS = {
  /** Published by authorization (outbox relay): one event per card-message outcome. */
  authorization: 'authorization.transactions.v1',
  /** Published by merchant-enrichment: the authorization event plus its merchant. */
  enrichment: 'enrichment.transactions.v1',
  /** Published by feed: feed items as created and changed. */
  feedItems: 'feed.items.v1',
} as const;

export type TransactionTopic = (typeof TRANSACTION_TOPICS)[keyof typeof TRANSACTION_TOPICS];

/** Events of an unknown card still need a partition key; they share this one. */
export const UNKNOWN_ACCOUNT_KEY = 'unknown-account';
