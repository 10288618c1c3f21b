import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

/** Card data the suite sent in envelopes and must never find at rest. */
export interface SentCardData {
  readonly pans: readonly string[];
  readonly cvvs: readonly string[];
  readonly pins: readonly string[];
  readonly expiryDates: readonly string[];
}

export interface CardDataFinding {
  readonly where: string;
  readonly kind: 'pan' | 'cvv' | 'pin' | 'expiry_date';
  readonly excerpt: string;
}

/** Rows read per table are bounded so a runaway table fails the scan instead of hanging it. */
const ROWS_PER_TABLE_MAX = 500_000;

/**
 * A short value (CVV, PIN, expiry) counts as found only as a standalone token: not inside a
 * longer run of digits, a decimal, a time or an id, where any 3–4 digits occur by chance.
 */
function standalone(value: string): RegExp {
  return new RegExp(`(?<![0-9A-Za-z.:_-])${value}(?![0-9A-Za-z.:_-])`);
}

export function findCardData(text: string, sent: SentCardData, where: string): CardDataFinding[] {
  const findings: CardDataFinding[] = [];
  const check = (kind: CardDataFinding['kind'], values: readonly string[], exact: boolean) => {
    for (const value of values) {
      const index = exact ? text.indexOf(value) : text.search(standalone(value));
      if (index >= 0) {
        findings.push({ where, kind, excerpt: text.slice(Math.max(0, index - 60), index + 60) });
      }
    }
  };
  check('pan', sent.pans, true);
  check('pin', sent.pins, true);
  check('cvv', sent.cvvs, false);
  check('expiry_date', sent.expiryDates, false);
  return findings;
}

/** Every text and blob value of every table of every SQLite file in `directory`, read-only. */
export function scanSqliteFiles(directory: string, sent: SentCardData): CardDataFinding[] {
  const findings: CardDataFinding[] = [];
  const files = readdirSync(directory).filter((name) => name.endsWith('.db'));
  if (files.length === 0) {
    throw new Error(`no SQLite files in ${directory}`);
  }
  for (const file of files) {
    const database = new Database(join(directory, file), { readonly: true, fileMustExist: true });
    try {
      const tables = database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all() as { name: string }[];
      for (const { name: table } of tables) {
        const quoted = `"${table.replace(/"/g, '""')}"`;
        const rows = database
          .prepare(`SELECT * FROM ${quoted} LIMIT ${ROWS_PER_TABLE_MAX + 1}`)
          .all() as Record<string, unknown>[];
        if (rows.length > ROWS_PER_TABLE_MAX) {
          throw new Error(`${file}/${table} has more rows than the scan reads`);
        }
        for (const row of rows) {
          for (const [column, value] of Object.entries(row)) {
            const text =
              typeof value === 'string'
                ? value
                : Buffer.isBuffer(value)
                  ? value.toString('latin1')
                  : undefined;
            if (text !== undefined) {
              findings.push(...findCardData(text, sent, `${file}/${table}.${column}`));
            }
          }
        }
      }
    } finally {
      database.close();
    }
  }
  return findings;
}

/** Tables and their row counts, so a scan that read nothing cannot pass unnoticed. */
export function countSqliteRows(directory: string): number {
  let total = 0;
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.db'))) {
    const database = new Database(join(directory, file), { readonly: true, fileMustExist: true });
    try {
      const tables = database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all() as { name: string }[];
      for (const { name } of tables) {
        const row = database
          .prepare(`SELECT count(*) AS rowCount FROM "${name.replace(/"/g, '""')}"`)
          .get() as { rowCount: number };
        total += row.rowCount;
      }
    } finally {
      database.close();
    }
  }
  return total;
}
