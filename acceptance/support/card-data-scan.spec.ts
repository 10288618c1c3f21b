import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import {
  countSqliteRows,
  findCardData,
  scanSqliteFiles,
  type SentCardData,
} from './card-data-scan';

// The card-data scan must be able to fail: planted values are found, chance digits are not.
const SENT: SentCardData = {
  pans: ['4929123456781234'],
  cvvs: ['846'],
  pins: ['C7A9F1E2B3D40516'],
  expiryDates: ['0931'],
};

describe('findCardData', () => {
  it('finds a PAN anywhere, even inside other text', () => {
    expect(findCardData('{"note":"x4929123456781234y"}', SENT, 'log')).toMatchObject([
      { kind: 'pan', where: 'log' },
    ]);
  });

  it('finds a CVV, PIN block or expiry written as a value of its own', () => {
    const kinds = findCardData('{"cvv2":"846","pin":"C7A9F1E2B3D40516","exp":"0931"}', SENT, 'log')
      .map((finding) => finding.kind)
      .sort();
    expect(kinds).toEqual(['cvv', 'expiry_date', 'pin']);
  });

  it('ignores the same digits inside ids, decimals and times', () => {
    const text = '{"id":"18466120","amount":"12.846","at":"2026-11-22T02:09:31.846Z","n":108463}';
    expect(findCardData(text, SENT, 'log')).toEqual([]);
  });
});

describe('scanSqliteFiles', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'card-data-scan-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads text and blob columns of every table of every .db file', () => {
    const database = new Database(join(directory, 'store.db'));
    database.exec('CREATE TABLE clean (id INTEGER, body TEXT)');
    database.exec('CREATE TABLE "odd ""name""" (payload BLOB)');
    database.prepare('INSERT INTO clean VALUES (1, ?)').run('nothing here');
    database
      .prepare('INSERT INTO "odd ""name""" VALUES (?)')
      .run(Buffer.from('pan=4929123456781234;cvv=846'));
    database.close();
    expect(countSqliteRows(directory)).toBe(2);
    expect(
      scanSqliteFiles(directory, SENT).map((finding) => [finding.where, finding.kind]),
    ).toEqual([
      ['store.db/odd "name".payload', 'pan'],
      ['store.db/odd "name".payload', 'cvv'],
    ]);
  });

  it('refuses to pass a directory with no store in it', () => {
    expect(() => scanSqliteFiles(directory, SENT)).toThrow('no SQLite files');
  });
});
