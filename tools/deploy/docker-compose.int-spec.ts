import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IConfigMap } from 'kubernetes-models/v1';

import { loadAuthorizationConfig } from '../../apps/authorization/src/config';
import { loadCardGatewayConfig } from '../../apps/card-gateway/src/config';
import { loadLedgerConfig } from '../../apps/ledger/src/config';
import { loadMerchantEnrichmentConfig } from '../../apps/merchant-enrichment/src/config';

import {
  findGeneratedConfigMap,
  parseYamlDocument,
  renderKustomization,
  REPOSITORY_ROOT,
} from './manifests';

/**
 * docker-compose.yml cannot run here (no Docker engine), so its structure is checked: the keys
 * Compose knows, the engines (Kafka in KRaft mode, Cassandra, etcd) with health checks, every app
 * built from the one Dockerfile with the same environment names as k8s/, and environments that
 * load through the apps' own config schemas.
 */

type Environment = Record<string, string | number>;
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  environment?: Environment;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  command?: string[] | string;
  [key: string]: unknown;
}
interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
  [key: string]: unknown;
}

/** Top-level and service keys of the Compose specification that this file may use. */
const TOP_LEVEL_KEYS = new Set(['name', 'services', 'volumes', 'secrets', 'networks', 'configs']);
const SERVICE_KEYS = new Set([
  'image',
  'build',
  'environment',
  'depends_on',
  'healthcheck',
  'profiles',
  'user',
  'read_only',
  'tmpfs',
  'cap_drop',
  'security_opt',
  'restart',
  'ports',
  'volumes',
  'secrets',
  'command',
  'entrypoint',
]);
const DEPENDENCY_CONDITIONS = new Set([
  'service_started',
  'service_healthy',
  'service_completed_successfully',
]);
const APPS = [
  'card-gateway',
  'authorization',
  'ledger',
  'merchant-enrichment',
  'feed',
  'notifications',
  'prober',
];
const ENGINES = ['kafka', 'cassandra', 'etcd'];

/** Compose's `${NAME:?message}` and `${NAME:-default}` interpolation, with stand-in values. */
function interpolated(environment: Environment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value).replace(
        /\$\{([A-Z0-9_]+)(?::[?-]([^}]*))?\}/g,
        (_whole, variable: string) => `stand-in-${variable.toLowerCase()}-value`,
      ),
    ]),
  );
}

describe('docker-compose.yml', () => {
  const compose = parseYamlDocument(
    readFileSync(join(REPOSITORY_ROOT, 'docker-compose.yml'), 'utf8'),
  ) as ComposeFile;

  it('uses only Compose keys, and every dependency names a service and a known condition', () => {
    for (const key of Object.keys(compose)) {
      expect([key, TOP_LEVEL_KEYS.has(key) || key.startsWith('x-')]).toEqual([key, true]);
    }
    for (const [name, service] of Object.entries(compose.services)) {
      for (const key of Object.keys(service)) {
        expect([name, key, SERVICE_KEYS.has(key)]).toEqual([name, key, true]);
      }
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect([name, dependency, dependency in compose.services]).toEqual([
          name,
          dependency,
          true,
        ]);
        expect(DEPENDENCY_CONDITIONS.has(condition)).toBe(true);
      }
      for (const secret of (service.secrets as string[] | undefined) ?? []) {
        expect(compose.secrets[secret]).toBeDefined();
      }
    }
    expect(Object.keys(compose.services).sort()).toEqual(
      [...ENGINES, 'kafka-topics', ...APPS].sort(),
    );
  });

  it('runs Kafka in KRaft mode, and health-checks Kafka, Cassandra and etcd', () => {
    const kafka = compose.services.kafka.environment ?? {};
    expect(String(kafka.KAFKA_PROCESS_ROLES).split(',').sort()).toEqual(['broker', 'controller']);
    expect(kafka.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka:9093');
    expect(Object.keys(kafka).filter((name) => name.includes('ZOOKEEPER'))).toEqual([]);
    for (const engine of ENGINES) {
      expect([engine, compose.services[engine].healthcheck?.test.length ?? 0]).not.toEqual([
        engine,
        0,
      ]);
    }
    const topicScript = String(compose.services['kafka-topics'].command);
    for (const topic of [
      'authorization.transactions.v1',
      'enrichment.transactions.v1',
      'feed.items.v1',
    ]) {
      expect(topicScript).toContain(topic);
    }
    expect(topicScript).toContain('"$$topic.dead-letter"');
  });

  it.each(APPS)('builds %s from the one Dockerfile and runs it hardened', (app) => {
    const service = compose.services[app];
    expect(service.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
    expect(service.build?.args.APP).toBe(app);
    expect(service.image).toBe(`corebank/${app}:local`);
    expect(service).toMatchObject({
      user: '10001:10001',
      read_only: true,
      cap_drop: ['ALL'],
    });
    if (app === 'prober') {
      expect(service.profiles).toEqual(['prober']);
      expect(service.build?.args.APP_ENTRY).toBe('acceptance/prober/main.ts');
    }
  });

  it('uses the environment names of k8s/ for the engines and for each app', () => {
    const objects = renderKustomization('k8s/overlays/production');
    const platform = findGeneratedConfigMap<IConfigMap>(objects, 'corebank-platform');
    // No trace collector in Compose: traces stay in the in-process recorder.
    const platformNames = Object.keys(platform.data ?? {}).filter(
      (name) => name !== 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    );
    const consumer = compose.services['merchant-enrichment'].environment ?? {};
    expect(platformNames.filter((name) => !(name in consumer))).toEqual([]);
    for (const app of APPS) {
      const appConfig = findGeneratedConfigMap<IConfigMap>(objects, `${app}-config`);
      const environment = compose.services[app].environment ?? {};
      const missing = Object.keys(appConfig.data ?? {}).filter((name) => !(name in environment));
      expect([app, missing]).toEqual([app, []]);
    }
  });

  it('gives the apps environments their own config schemas accept', () => {
    const ledger = loadLedgerConfig(interpolated(compose.services.ledger.environment ?? {}));
    expect(ledger.store.engine).toBe('cassandra');
    const authorization = loadAuthorizationConfig(
      interpolated(compose.services.authorization.environment ?? {}),
    );
    expect([authorization.bus.engine, authorization.locks.engine]).toEqual(['kafka', 'etcd']);
    expect(authorization.authorization.LEDGER_GRPC_ADDRESS).toBe(
      `ledger:${ledger.ledger.LEDGER_GRPC_PORT}`,
    );
    const enrichment = loadMerchantEnrichmentConfig(
      interpolated(compose.services['merchant-enrichment'].environment ?? {}),
    );
    expect([enrichment.store.engine, enrichment.bus.engine, enrichment.ids.workerSource]).toEqual([
      'cassandra',
      'kafka',
      'etcd',
    ]);

    const gateway = loadCardGatewayConfig(
      interpolated(compose.services['card-gateway'].environment ?? {}),
    );
    expect(gateway.CARD_GATEWAY_AUTH_MODE).toBe('ws_security');
    expect(gateway.CARD_GATEWAY_AUTHORIZATION_ADDRESS).toBe(
      `authorization:${authorization.authorization.AUTHORIZATION_GRPC_PORT}`,
    );
  });

  it('commits no secret value: credentials come from .env or files outside the repository', () => {
    const secretNames = Object.values(compose.services).flatMap((service) =>
      Object.entries(service.environment ?? {}).filter(([name]) =>
        /PASSWORD|SECRET|TOKEN|USERNAME|_KEY$/.test(name),
      ),
    );
    expect(secretNames.length).toBeGreaterThan(0);
    for (const [name, value] of secretNames) {
      expect([name, String(value)]).toEqual([
        name,
        expect.stringMatching(/^\$\{[A-Z0-9_]+:\?.+\}$/),
      ]);
    }
    for (const { file } of Object.values(compose.secrets)) {
      expect(file.startsWith('./.secrets/')).toBe(true);
    }
  });
});
