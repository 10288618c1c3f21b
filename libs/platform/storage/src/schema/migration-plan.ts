import { invalidRequest, STORE_ERROR_CODES } from '../store-errors';
import type { Migration, TableDefinition } from '../store.port';
import { TableSchema } from './table-schema';

/** The migration log table both adapters keep next to the application's tables. */
export const MIGRATIONS_TABLE = 'schema_migrations';
const MIGRATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** A migration as recorded in the log; `definition` is what lets a store rebuild its catalog. */
export interface AppliedMigration {
  readonly id: string;
  readonly definition: string;
}

/**
 * The tables of a migration as canonical JSON (column names sorted), so that a recorded
 * migration can be compared with the one the code carries now, whatever the key order.
 */
export function canonicalDefinition(migration: Migration): string {
  return JSON.stringify(
    migration.createTables.map((table) => ({
      name: table.name,
      columns: Object.fromEntries(
        Object.entries(table.columns).sort(([left], [right]) => left.localeCompare(right)),
      ),
      partitionKey: table.partitionKey,
      clusteringKey: table.clusteringKey ?? [],
    })),
  );
}

export function tablesOfDefinition(definition: string, migrationId: string): TableDefinition[] {
  try {
    return JSON.parse(definition) as TableDefinition[];
  } catch (error) {
    throw invalidRequest(
      STORE_ERROR_CODES.schema,
      `recorded migration ${migrationId} has an unreadable definition`,
      { migrationId },
      error,
    );
  }
}

/** Every table the applied migrations created, validated. */
export function catalogOf(applied: readonly AppliedMigration[]): Map<string, TableSchema> {
  const catalog = new Map<string, TableSchema>();
  for (const migration of applied) {
    for (const table of tablesOfDefinition(migration.definition, migration.id)) {
      catalog.set(table.name, new TableSchema(table));
    }
  }
  return catalog;
}

/**
 * Decides which of `migrations` still have to be applied, given the log. Throws
 * `invalid.store_migration_changed` when a recorded migration now carries different tables
 * (schema drift: editing an applied migration instead of adding a new one), and
 * `invalid.store_schema` for malformed migrations or a table created twice.
 */
export function pendingMigrations(
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const recorded = new Map(applied.map((migration) => [migration.id, migration.definition]));
  const existingTables = new Set(catalogOf(applied).keys());
  const seenIds = new Set<string>();
  const pending: Migration[] = [];
  for (const migration of migrations) {
    if (!MIGRATION_ID_PATTERN.test(migration.id)) {
      throw invalidRequest(STORE_ERROR_CODES.schema, `migration id ${migration.id} is malformed`, {
        migrationId: migration.id,
      });
    }
    if (seenIds.has(migration.id)) {
      throw invalidRequest(STORE_ERROR_CODES.schema, `migration ${migration.id} is listed twice`, {
        migrationId: migration.id,
      });
    }
    seenIds.add(migration.id);
    const definition = canonicalDefinition(migration);
    const recordedDefinition = recorded.get(migration.id);
    if (recordedDefinition !== undefined) {
      if (recordedDefinition !== definition) {
        throw invalidRequest(
          STORE_ERROR_CODES.migrationChanged,
          `migration ${migration.id} was applied with different tables; add a new migration instead`,
          { migrationId: migration.id },
        );
      }
      continue;
    }
    for (const table of migration.createTables) {
      new TableSchema(table);
      if (existingTables.has(table.name)) {
        throw invalidRequest(
          STORE_ERROR_CODES.schema,
          `migration ${migration.id} creates table ${table.name}, which already exists`,
          { migrationId: migration.id, table: table.name },
        );
      }
      existingTables.add(table.name);
    }
    pending.push(migration);
  }
  return pending;
}
