import { z } from 'zod';

import { FEED_CATEGORIES } from '@corebank/domain-merchant';
import { enrichedMerchantSchema } from '@corebank/domain-transaction-events';
import type { JsonValue } from '@corebank/platform-storage';

import type { FeedItem } from '../domain/feed-item';

const integerText = z
  .string()
  .regex(/^(0|-?[1-9][0-9]{0,18})$/)
  .transform((value) => BigInt(value));

const transactionDocumentSchema = z.object({
  kind: z.literal('transaction'),
  itemId: integerText,
  accountId: z.string(),
  naturalKey: z.string(),
  sourceOrder: integerText,
  revision: integerText,
  updatedAt: z.string(),
  transaction: z.object({
    status: z.enum(['authorized', 'declined', 'reversed', 'expired', 'settled']),
    amountMinor: integerText,
    currency: z.string(),
    localAmountMinor: integerText,
    localCurrency: z.string(),
    description: z.string(),
    merchant: enrichedMerchantSchema.nullable(),
    category: z.enum(FEED_CATEGORIES),
    declineReason: z
      .enum(['INSUFFICIENT_FUNDS', 'CARD_INACTIVE', 'CARD_BLOCKED', 'INVALID_CVC', 'OTHER'])
      .nullable(),
    settledAt: z.string().nullable(),
    // Absent in documents written before the field existed.
    accountBalanceMinor: integerText.nullable().default(null),
    createdAt: z.string(),
  }),
  annotations: z.object({ metadata: z.record(z.string()) }),
});

const basicDocumentSchema = z.object({
  kind: z.literal('basic'),
  itemId: integerText,
  accountId: z.string(),
  revision: integerText,
  title: z.string(),
  imageUrl: z.string(),
  body: z.string().nullable(),
  backgroundColour: z.string().nullable(),
  titleColour: z.string().nullable(),
  bodyColour: z.string().nullable(),
  url: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const documentSchema = z.discriminatedUnion('kind', [
  transactionDocumentSchema,
  basicDocumentSchema,
]);

/** The stored JSON of an item: bigints as decimal strings (JSON numbers lose precision). */
export function feedItemToDocument(item: FeedItem): JsonValue {
  return JSON.parse(
    JSON.stringify(item, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    ),
  ) as JsonValue;
}

/**
 * Reads a stored document back. A document that does not parse is a broken invariant (only this
 * adapter writes them), so it throws.
 */
export function feedItemFromDocument(document: unknown): FeedItem {
  return documentSchema.parse(document);
}
