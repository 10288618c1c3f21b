import type { Migration } from '../store.port';
import { canonicalDefinition, catalogOf, pendingMigrations } from './migration-plan';

const ACCOUNTS: Migration = {
  id: '0001-accounts',
  description: 'accounts',
  createTables: [
    {
      name: 'accounts',
      columns: { account_id: 'text', balance_minor: 'bigint' },
      partitionKey: ['account_id'],
    },
  ],
};
const CARDS: Migration = {
  id: '0002-cards',
  description: 'cards',
  createTables: [
    { name: 'cards', columns: { card_id: 'text', status: 'text' }, partitionKey: ['card_id'] },
  ],
};

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('pendingMigrations', () => {
  const applied = [{ id: ACCOUNTS.id, definition: canonicalDefinition(ACCOUNTS) }];

  it('lists the migrations not yet recorded, in the given order', () => {
    expect(pendingMigrations([ACCOUNTS, CARDS], [])).toEqual([ACCOUNTS, CARDS]);
    expect(pendingMigrations([ACCOUNTS, CARDS], applied)).toEqual([CARDS]);
  });

  it('compares definitions whatever the order of their columns', () => {
    const reordered: Migration = {
      ...ACCOUNTS,
      description: 'reworded',
      createTables: [
        {
          ...ACCOUNTS.createTables[0],
          columns: { balance_minor: 'bigint', account_id: 'text' },
        },
      ],
    };
    expect(pendingMigrations([reordered], applied)).toEqual([]);
  });

  it('refuses an applied migration whose tables changed', () => {
    const edited: Migration = {
      ...ACCOUNTS,
      createTables: [{ ...ACCOUNTS.createTables[0], partitionKey: ['balance_minor'] }],
    };
    expect(codeOf(() => pendingMigrations([edited], applied))).toBe(
      'invalid.store_migration_changed',
    );
  });

  it('refuses duplicate ids, malformed ids and a table created twice', () => {
    expect(codeOf(() => pendingMigrations([CARDS, CARDS], []))).toBe('invalid.store_schema');
    expect(codeOf(() => pendingMigrations([{ ...CARDS, id: '../x' }], []))).toBe(
      'invalid.store_schema',
    );
    expect(codeOf(() => pendingMigrations([{ ...ACCOUNTS, id: '0003-again' }], applied))).toBe(
      'invalid.store_schema',
    );
  });

  it('rebuilds the catalog of tables from the recorded definitions', () => {
    const catalog = catalogOf([
      ...applied,
      { id: CARDS.id, definition: canonicalDefinition(CARDS) },
    ]);
    expect([...catalog.keys()]).toEqual(['accounts', 'cards']);
    expect(catalog.get('accounts')?.typeOf('balance_minor')).toBe('bigint');
  });
});
