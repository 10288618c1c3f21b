import { type EnrichedMerchant, enrichedMerchantSchema } from '@corebank/domain-transaction-events';
import { PlatformError } from '@corebank/platform-errors';
import type { Row, Store } from '@corebank/platform-storage';

import type { MerchantStore, StoredMerchant } from '../ports/merchant-store.port';
import { MERCHANTS_TABLE } from './merchant-tables';

/** MerchantStore on the Store port: one row per key, created by insertIfNotExists. */
export class StoreMerchantStore implements MerchantStore {
  constructor(private readonly store: Store) {}

  async find(merchantKey: string): Promise<EnrichedMerchant | undefined> {
    const row = await this.store.get(MERCHANTS_TABLE, { merchant_key: merchantKey });
    return row === undefined ? undefined : merchantOfRow(row);
  }

  async createOnce(merchantKey: string, candidate: EnrichedMerchant): Promise<StoredMerchant> {
    const result = await this.store.insertIfNotExists(
      MERCHANTS_TABLE,
      rowOfMerchant(merchantKey, candidate),
    );
    if (result.applied) {
      return { merchant: candidate, created: true };
    }
    // Cassandra returns the winning row with a failed LWT; read it when an engine does not.
    const winner =
      result.current ?? (await this.store.get(MERCHANTS_TABLE, { merchant_key: merchantKey }));
    if (winner === undefined) {
      throw new PlatformError(
        'unavailable.merchant_store',
        'conditional insert lost but the winning merchant row is not readable yet',
        { retryable: true },
      );
    }
    return { merchant: merchantOfRow(winner), created: false };
  }
}

function rowOfMerchant(merchantKey: string, merchant: EnrichedMerchant): Row {
  return {
    merchant_key: merchantKey,
    merchant_id: merchant.id,
    group_id: merchant.groupId,
    name: merchant.name,
    category: merchant.category,
    emoji: merchant.emoji,
    logo_url: merchant.logoUrl,
    address: merchant.address,
    created_at: new Date(merchant.createdAt),
  };
}

/** Rows are only ever written by rowOfMerchant; one that does not parse is a corrupted store. */
function merchantOfRow(row: Row): EnrichedMerchant {
  const merchantKey = row['merchant_key'];
  const createdAt = row['created_at'];
  const parsed = enrichedMerchantSchema.safeParse({
    id: row['merchant_id'],
    groupId: row['group_id'],
    name: row['name'],
    category: row['category'],
    emoji: row['emoji'],
    logoUrl: row['logo_url'],
    createdAt: createdAt instanceof Date ? createdAt.toISOString() : createdAt,
    address: row['address'],
  });
  if (!parsed.success) {
    throw new PlatformError('internal.merchant_row', 'stored merchant row does not parse', {
      retryable: false,
      params: { merchantKey: typeof merchantKey === 'string' ? merchantKey : '' },
    });
  }
  return parsed.data;
}
