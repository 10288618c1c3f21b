import { PlatformError } from '@corebank/platform-errors';
import type { Migration, Store, TableDefinition } from '@corebank/platform-storage';

/** One row per fenced resource: the value and the highest fencing token that ever wrote it. */
export const FENCED_RESOURCES_TABLE: TableDefinition = {
  name: 'locks_contract_fenced_resources',
  columns: { resource_id: 'text', value: 'text', fencing_token: 'bigint' },
  partitionKey: ['resource_id'],
};

export const FENCED_RESOURCES_MIGRATION: Migration = {
  id: 'locks-contract-0001-fenced-resources',
  description: 'rows written only under a lock, guarded by the lock fencing token',
  createTables: [FENCED_RESOURCES_TABLE],
};

export type FencedWriteOutcome =
  | { readonly kind: 'written' }
  | { readonly kind: 'refused_stale_token'; readonly storedFencingToken: bigint };

/** Each lost compare-and-set means another writer got in between; a few rounds settle it. */
const FENCED_WRITE_ATTEMPTS_MAX = 5;

/**
 * Writes `value` only if no write with a higher fencing token has landed: read the stored token,
 * refuse when it is higher than ours, otherwise compare-and-set on exactly the token we read. A
 * writer that slipped in between makes the CAS fail and we read again. An equal token is the same
 * holder writing again and is allowed.
 */
export async function writeFenced(
  store: Store,
  resourceId: string,
  value: string,
  fencingToken: bigint,
): Promise<FencedWriteOutcome> {
  const table = FENCED_RESOURCES_TABLE.name;
  const key = { resource_id: resourceId };
  for (let attempt = 1; attempt <= FENCED_WRITE_ATTEMPTS_MAX; attempt += 1) {
    const current = await store.get(table, key);
    if (current === undefined) {
      const inserted = await store.insertIfNotExists(table, {
        ...key,
        value,
        fencing_token: fencingToken,
      });
      if (inserted.applied) {
        return { kind: 'written' };
      }
      continue;
    }
    const storedFencingToken = current.fencing_token;
    if (typeof storedFencingToken !== 'bigint') {
      throw new PlatformError('invalid.store_row', 'fencing_token is not a bigint', {
        retryable: false,
        params: { table, resourceId },
      });
    }
    if (storedFencingToken > fencingToken) {
      return { kind: 'refused_stale_token', storedFencingToken };
    }
    const updated = await store.updateIf(
      table,
      key,
      { value, fencing_token: fencingToken },
      { fencing_token: storedFencingToken },
    );
    if (updated.applied) {
      return { kind: 'written' };
    }
  }
  throw new PlatformError('conflict.fenced_write_contended', 'fenced write kept losing its CAS', {
    retryable: true,
    params: { resourceId, attemptsMax: FENCED_WRITE_ATTEMPTS_MAX },
  });
}
