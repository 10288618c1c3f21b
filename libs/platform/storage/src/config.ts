import {
  envEnum,
  envInteger,
  envList,
  envMilliseconds,
  envString,
} from '@corebank/platform-config';
import { z } from 'zod';
import type { CassandraReplication } from './cassandra/render-cql';
import type { StoreConfig } from './create-store';

export interface StoreConfigDefaults {
  /** Where the embedded database lives when STORE_SQLITE_PATH is unset, e.g. `data/ledger.db`. */
  readonly sqlitePath: string;
}

const REPLICATION_PATTERN =
  /^(SimpleStrategy:\d+|NetworkTopologyStrategy:[A-Za-z0-9_.-]+=\d+(,[A-Za-z0-9_.-]+=\d+)*)$/;

/** `SimpleStrategy:3` or `NetworkTopologyStrategy:dc1=3,dc2=3`. */
export function parseReplication(text: string): CassandraReplication | undefined {
  if (!REPLICATION_PATTERN.test(text)) {
    return undefined;
  }
  const [strategy, settings] = text.split(':');
  if (strategy === 'SimpleStrategy') {
    return { class: 'SimpleStrategy', replicationFactor: Number(settings) };
  }
  return {
    class: 'NetworkTopologyStrategy',
    dataCenters: Object.fromEntries(
      settings.split(',').map((entry) => {
        const [dataCenter, factor] = entry.split('=');
        return [dataCenter, Number(factor)];
      }),
    ),
  };
}

const CONSISTENCY_NAMES = {
  ONE: 'one',
  TWO: 'two',
  THREE: 'three',
  QUORUM: 'quorum',
  ALL: 'all',
  LOCAL_QUORUM: 'localQuorum',
  EACH_QUORUM: 'eachQuorum',
  LOCAL_ONE: 'localOne',
} as const;
const SERIAL_CONSISTENCY_NAMES = { SERIAL: 'serial', LOCAL_SERIAL: 'localSerial' } as const;

/**
 * The store's environment variables, for `loadConfig`/`loadConfigSections` in an app's config.ts.
 * The engine follows ARCHITECTURE §12: Cassandra when CASSANDRA_CONTACT_POINTS is set, otherwise
 * the embedded SQLite file.
 *
 * SQLite: STORE_SQLITE_PATH, STORE_SQLITE_SYNCHRONOUS (full|normal, default full),
 * STORE_SQLITE_BUSY_TIMEOUT_MS (default 5000).
 * Cassandra: CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DATA_CENTER, CASSANDRA_KEYSPACE,
 * CASSANDRA_REPLICATION (required), CASSANDRA_PORT, CASSANDRA_USERNAME + CASSANDRA_PASSWORD,
 * CASSANDRA_CONSISTENCY (default LOCAL_QUORUM), CASSANDRA_SERIAL_CONSISTENCY (default
 * LOCAL_SERIAL), CASSANDRA_REQUEST_TIMEOUT_MS (default 12000).
 */
export function storeConfigSchema(defaults: StoreConfigDefaults) {
  return z
    .object({
      STORE_SQLITE_PATH: envString({ default: defaults.sqlitePath }),
      STORE_SQLITE_SYNCHRONOUS: envEnum(['full', 'normal'], { default: 'full' }),
      STORE_SQLITE_BUSY_TIMEOUT_MS: envMilliseconds({ default: 5000, min: 1, max: 600_000 }),
      CASSANDRA_CONTACT_POINTS: envList(undefined, { maxItems: 64 }).optional(),
      CASSANDRA_LOCAL_DATA_CENTER: envString().optional(),
      CASSANDRA_KEYSPACE: envString().optional(),
      CASSANDRA_REPLICATION: envString().optional(),
      CASSANDRA_PORT: envInteger({ min: 1, max: 65_535 }).optional(),
      CASSANDRA_USERNAME: envString().optional(),
      CASSANDRA_PASSWORD: envString().optional(),
      CASSANDRA_CONSISTENCY: envEnum(
        ['ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'],
        { default: 'LOCAL_QUORUM' },
      ),
      CASSANDRA_SERIAL_CONSISTENCY: envEnum(['SERIAL', 'LOCAL_SERIAL'], {
        default: 'LOCAL_SERIAL',
      }),
      CASSANDRA_REQUEST_TIMEOUT_MS: envMilliseconds({ default: 12_000, min: 1, max: 600_000 }),
    })
    .transform((env, context): StoreConfig => {
      if (env.CASSANDRA_CONTACT_POINTS === undefined) {
        return {
          engine: 'sqlite',
          path: env.STORE_SQLITE_PATH,
          synchronous: env.STORE_SQLITE_SYNCHRONOUS,
          busyTimeoutMs: env.STORE_SQLITE_BUSY_TIMEOUT_MS,
        };
      }
      const {
        CASSANDRA_LOCAL_DATA_CENTER: localDataCenter,
        CASSANDRA_KEYSPACE: keyspace,
        CASSANDRA_REPLICATION: replicationText,
      } = env;
      if (
        localDataCenter === undefined ||
        keyspace === undefined ||
        replicationText === undefined
      ) {
        for (const [variable, value] of Object.entries({
          CASSANDRA_LOCAL_DATA_CENTER: localDataCenter,
          CASSANDRA_KEYSPACE: keyspace,
          CASSANDRA_REPLICATION: replicationText,
        })) {
          if (value === undefined) {
            context.addIssue({
              code: z.ZodIssueCode.custom,
              path: [variable],
              message: 'required',
            });
          }
        }
        return z.NEVER;
      }
      const replication = parseReplication(replicationText);
      if (replication === undefined) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['CASSANDRA_REPLICATION'],
          message: 'expected SimpleStrategy:N or NetworkTopologyStrategy:dc=N[,dc=N]',
        });
        return z.NEVER;
      }
      if ((env.CASSANDRA_USERNAME === undefined) !== (env.CASSANDRA_PASSWORD === undefined)) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['CASSANDRA_PASSWORD'],
          message: 'CASSANDRA_USERNAME and CASSANDRA_PASSWORD go together',
        });
        return z.NEVER;
      }
      if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['CASSANDRA_KEYSPACE'],
          message: 'expected [a-z][a-z0-9_]{0,47}',
        });
        return z.NEVER;
      }
      return {
        engine: 'cassandra',
        contactPoints: env.CASSANDRA_CONTACT_POINTS,
        localDataCenter,
        keyspace,
        replication,
        port: env.CASSANDRA_PORT,
        credentials:
          env.CASSANDRA_USERNAME === undefined || env.CASSANDRA_PASSWORD === undefined
            ? undefined
            : { username: env.CASSANDRA_USERNAME, password: env.CASSANDRA_PASSWORD },
        consistency: CONSISTENCY_NAMES[env.CASSANDRA_CONSISTENCY],
        serialConsistency: SERIAL_CONSISTENCY_NAMES[env.CASSANDRA_SERIAL_CONSISTENCY],
        requestTimeoutMs: env.CASSANDRA_REQUEST_TIMEOUT_MS,
      };
    });
}
