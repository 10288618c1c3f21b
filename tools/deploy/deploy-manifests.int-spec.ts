import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IService } from 'kubernetes-models/v1';

import { loadAuthorizationConfig } from '../../apps/authorization/src/config';
import { loadCardGatewayConfig } from '../../apps/card-gateway/src/config';
import { loadLedgerConfig } from '../../apps/ledger/src/config';
import { loadMerchantEnrichmentConfig } from '../../apps/merchant-enrichment/src/config';

import {
  findObject,
  kindKey,
  objectsOfKind,
  renderKustomization,
  schemaProblem,
  type ManifestObject,
} from './manifests';
import { isAllowed, type Endpoint } from './network-policy-evaluator';

/**
 * Renders each overlay with `kubectl kustomize`, validates every object against the Kubernetes
 * schemas (kubernetes-models) and checks the intent: probes, limits, non-root, one Service, PDB
 * and HPA per app, the flows of ARCHITECTURE §2 through the NetworkPolicies, the Ingress routes of
 * FEED-API.md, the Kafka topics, and that the rendered environment loads through the apps' own
 * config schemas.
 */

const APPS = [
  'card-gateway',
  'authorization',
  'ledger',
  'merchant-enrichment',
  'feed',
  'notifications',
  'prober',
] as const;
type AppName = (typeof APPS)[number];
const AUTOSCALED_APPS = APPS.filter((app) => app !== 'prober');

interface Overlay {
  directory: string;
  namespace: string;
  processorCidr: string;
  processorAddress: string;
  apiHost: string;
  ehiHost: string;
  imageTag: string;
  logLevel: string;
}

const OVERLAYS: readonly Overlay[] = [
  {
    directory: 'k8s/overlays/staging',
    namespace: 'corebank-staging',
    processorCidr: '198.51.100.0/28',
    processorAddress: '198.51.100.7',
    apiHost: 'api.staging.corebank.example',
    ehiHost: 'ehi.staging.corebank.example',
    imageTag: '0.1.0-rc.1',
    logLevel: 'debug',
  },
  {
    directory: 'k8s/overlays/production',
    namespace: 'corebank',
    processorCidr: '203.0.113.0/28',
    processorAddress: '203.0.113.9',
    apiHost: 'api.corebank.example',
    ehiHost: 'ehi.corebank.example',
    imageTag: '0.1.0',
    logLevel: 'info',
  },
];

type Workload = IDeployment | IStatefulSet;

function workloads(objects: readonly ManifestObject[]): Workload[] {
  return [
    ...objectsOfKind<IDeployment>(objects, 'Deployment'),
    ...objectsOfKind<IStatefulSet>(objects, 'StatefulSet'),
  ];
}

function workloadOf(objects: readonly ManifestObject[], app: AppName): Workload {
  const found = workloads(objects).filter((workload) => workload.metadata?.name === app);
  expect(found).toHaveLength(1);
  return found[0];
}

function containerOf(workload: Workload) {
  const containers = workload.spec?.template.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return containers[0];
}

function podLabels(workload: Workload): Record<string, string> {
  return workload.spec?.template.metadata?.labels ?? {};
}

function namedPorts(workload: Workload): Record<string, number> {
  return Object.fromEntries(
    (containerOf(workload).ports ?? []).map((port) => [port.name ?? '', port.containerPort]),
  );
}

/**
 * The environment a pod of `app` starts with: its ConfigMaps, explicit env (the pod-index label as
 * ordinal 0), and a stand-in value for each key of a referenced Secret (values are never committed).
 */
function renderedEnvironment(
  objects: readonly ManifestObject[],
  app: AppName,
  secretKeys: Readonly<Record<string, readonly string[]>>,
): Record<string, string> {
  const container = containerOf(workloadOf(objects, app));
  const environment: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef !== undefined) {
      const configMap = findObject<IConfigMap>(
        objects,
        'ConfigMap',
        source.configMapRef.name ?? '',
      );
      Object.assign(environment, configMap.data);
    }
    if (source.secretRef !== undefined) {
      const keys = secretKeys[source.secretRef.name ?? ''];
      if (keys === undefined) {
        throw new Error(`${app} references Secret ${source.secretRef.name} not listed in the test`);
      }
      for (const key of keys) {
        environment[key] = `stand-in-${key.toLowerCase()}-value`;
      }
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      environment[variable.name] = variable.value;
    } else if (
      variable.valueFrom?.fieldRef?.fieldPath === "metadata.labels['apps.kubernetes.io/pod-index']"
    ) {
      environment[variable.name] = '0';
    } else {
      throw new Error(`${app}: env ${variable.name} has a source this test does not model`);
    }
  }
  return environment;
}

/** Keys each referenced Secret must hold (documented in k8s/README.md). */
const SECRET_KEYS: Readonly<Record<string, readonly string[]>> = {
  'corebank-cassandra-credentials': ['CASSANDRA_USERNAME', 'CASSANDRA_PASSWORD'],
  'corebank-api-auth': ['AUTH_JWT_HS256_SECRET'],
  'notifications-push-credentials': [
    'APNS_KEY',
    'FCM_SERVICE_ACCOUNT',
    'WEB_PUSH_VAPID_PRIVATE_KEY',
  ],
  'prober-credentials': ['PROBER_CUSTOMER_TOKEN_SECRET'],
};

describe.each(OVERLAYS)('overlay $directory', (overlay) => {
  let objects: ManifestObject[];

  beforeAll(() => {
    objects = renderKustomization(overlay.directory);
  });

  function pod(app: AppName): Endpoint {
    const workload = workloadOf(objects, app);
    return {
      kind: 'pod',
      namespace: overlay.namespace,
      namespaceLabels: { 'kubernetes.io/metadata.name': overlay.namespace },
      labels: podLabels(workload),
      namedPorts: namedPorts(workload),
    };
  }

  function enginePod(namespace: string, labels: Record<string, string> = {}): Endpoint {
    return {
      kind: 'pod',
      namespace,
      namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
      labels,
    };
  }

  function allowed(from: Endpoint, to: Endpoint, port: number): boolean {
    return isAllowed(objects, overlay.namespace, { from, to, port });
  }

  it('every rendered object passes its Kubernetes schema and sits in the overlay namespace', () => {
    expect(objects.length).toBeGreaterThan(50);
    expect(objects.map(schemaProblem).filter((problem) => problem !== undefined)).toEqual([]);
    for (const object of objects) {
      expect([object.metadata.name, object.metadata.namespace]).toEqual([
        object.metadata.name,
        overlay.namespace,
      ]);
    }
    expect(new Set(objects.map(kindKey))).toEqual(
      new Set([
        'apps/v1/Deployment',
        'apps/v1/StatefulSet',
        'v1/Service',
        'v1/ConfigMap',
        'policy/v1/PodDisruptionBudget',
        'autoscaling/v2/HorizontalPodAutoscaler',
        'networking.k8s.io/v1/NetworkPolicy',
        'networking.k8s.io/v1/Ingress',
        'kafka.strimzi.io/v1beta2/KafkaTopic',
      ]),
    );
  });

  it('commits no Secret and no local-config settings object', () => {
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    expect(objects.filter((object) => object.metadata.name === 'deploy-settings')).toEqual([]);
  });

  it.each(APPS)('%s runs non-root on a read-only root with probes, limits and spreading', (app) => {
    const workload = workloadOf(objects, app);
    const podSpec = workload.spec?.template.spec;
    const container = containerOf(workload);
    expect(podSpec?.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(podSpec?.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(podSpec?.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.image).toBe(`registry.corebank.example/corebank/${app}:${overlay.imageTag}`);
    for (const resource of ['cpu', 'memory']) {
      expect(container.resources?.requests?.[resource]).toBeDefined();
      expect(container.resources?.limits?.[resource]).toBeDefined();
    }
    // Health paths of platform-observability (DEFAULT_HEALTH_PATHS) on the named ops port.
    expect(namedPorts(workload).ops).toBe(9464);
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: '/health/live', port: 'ops' });
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/health/ready', port: 'ops' });
    const spread = podSpec?.topologySpreadConstraints ?? [];
    expect(spread.map((constraint) => constraint.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    for (const constraint of spread) {
      expect(constraint.labelSelector?.matchLabels).toEqual({ 'app.kubernetes.io/name': app });
    }
    expect(podLabels(workload)).toMatchObject({
      'app.kubernetes.io/name': app,
      'app.kubernetes.io/part-of': 'corebank',
    });
    const mounts = container.volumeMounts ?? [];
    expect(mounts.map((mount) => mount.mountPath)).toContain('/tmp');
  });

  it.each(APPS)('%s has a Service on its ports, a PDB and (but the prober) an HPA', (app) => {
    const workload = workloadOf(objects, app);
    const service = findObject<IService>(objects, 'Service', app);
    expect(service.spec?.selector).toEqual({ 'app.kubernetes.io/name': app });
    const ports = namedPorts(workload);
    for (const servicePort of service.spec?.ports ?? []) {
      expect(ports[String(servicePort.targetPort)]).toBe(servicePort.port);
    }
    const budget = findObject<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', app);
    expect(budget.spec?.selector?.matchLabels).toEqual({ 'app.kubernetes.io/name': app });
    const autoscalers = objectsOfKind<IHorizontalPodAutoscaler>(
      objects,
      'HorizontalPodAutoscaler',
    ).filter((autoscaler) => autoscaler.metadata?.name === app);
    if (app === 'prober') {
      expect(autoscalers).toEqual([]);
      return;
    }
    expect(autoscalers).toHaveLength(1);
    const autoscaler = autoscalers[0];
    expect(autoscaler.spec?.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: workload.kind,
      name: app,
    });
    // The HPA owns the count: a replicas field would be reset by every apply.
    expect(workload.spec?.replicas).toBeUndefined();
    expect(autoscaler.spec?.minReplicas).toBeGreaterThanOrEqual(1);
    expect(autoscaler.spec?.maxReplicas).toBeGreaterThan(autoscaler.spec?.minReplicas ?? 0);
  });

  it('lets the synchronous path and feed reads through, and nothing else to authorization and ledger', () => {
    const grpc = 50051;
    expect(allowed(pod('card-gateway'), pod('authorization'), grpc)).toBe(true);
    expect(allowed(pod('authorization'), pod('ledger'), grpc)).toBe(true);
    expect(allowed(pod('feed'), pod('ledger'), grpc)).toBe(true);
    expect(allowed(pod('feed'), pod('authorization'), grpc)).toBe(true);
    for (const app of APPS.filter((name) => !['authorization', 'feed'].includes(name))) {
      expect([app, allowed(pod(app), pod('ledger'), grpc)]).toEqual([app, false]);
    }
    for (const app of APPS.filter((name) => !['card-gateway', 'feed', 'prober'].includes(name))) {
      expect([app, allowed(pod(app), pod('authorization'), grpc)]).toEqual([app, false]);
    }
    expect(allowed(pod('ledger'), pod('authorization'), grpc)).toBe(false);
    expect(allowed(pod('merchant-enrichment'), pod('feed'), 8080)).toBe(false);
  });

  it('guards the ledger and authorization by their own ingress rules, whatever the callers egress', () => {
    // Drop every egress rule: what remains is what the destination's ingress policy admits.
    const ingressOnly = objects.map((object) => {
      if (object.kind !== 'NetworkPolicy') {
        return object;
      }
      const spec = object.spec as { policyTypes?: string[] };
      return {
        ...object,
        spec: {
          ...spec,
          policyTypes: (spec.policyTypes ?? []).filter((type) => type === 'Ingress'),
        },
      };
    });
    const admitted = (to: AppName, port: number): string[] =>
      APPS.filter((from) =>
        isAllowed(ingressOnly, overlay.namespace, { from: pod(from), to: pod(to), port }),
      );
    expect(admitted('ledger', 50051)).toEqual(['authorization', 'feed']);
    expect(admitted('authorization', 50051)).toEqual(['card-gateway', 'feed', 'prober']);
    expect(admitted('card-gateway', 8443)).toEqual(['prober']);
    expect(admitted('merchant-enrichment', 8080)).toEqual([]);
    const lookalike: Endpoint = {
      kind: 'pod',
      namespace: 'elsewhere',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'elsewhere' },
      labels: { 'app.kubernetes.io/name': 'authorization' },
    };
    expect(
      isAllowed(ingressOnly, overlay.namespace, {
        from: lookalike,
        to: pod('ledger'),
        port: 50051,
      }),
    ).toBe(false);
  });

  it('lets only card-gateway be reached from the processor network, on its TLS port', () => {
    const processor: Endpoint = { kind: 'external', ip: overlay.processorAddress };
    const elsewhere: Endpoint = { kind: 'external', ip: '192.0.2.10' };
    expect(allowed(processor, pod('card-gateway'), 8443)).toBe(true);
    expect(allowed(processor, pod('card-gateway'), 9464)).toBe(false);
    expect(allowed(elsewhere, pod('card-gateway'), 8443)).toBe(false);
    for (const app of APPS.filter((name) => name !== 'card-gateway')) {
      for (const port of [50051, 8080, 9464]) {
        expect([app, port, allowed(processor, pod(app), port)]).toEqual([app, port, false]);
      }
    }
  });

  it('lets consumers reach Kafka, Cassandra and etcd, and keeps the edge and ledger off the bus', () => {
    const kafka = enginePod('kafka', { 'strimzi.io/cluster': 'corebank' });
    const cassandra = enginePod('cassandra');
    const etcd = enginePod('etcd');
    for (const app of ['authorization', 'merchant-enrichment', 'feed', 'notifications'] as const) {
      expect([app, allowed(pod(app), kafka, 9092)]).toEqual([app, true]);
      expect([app, allowed(pod(app), cassandra, 9042)]).toEqual([app, true]);
      expect([app, allowed(pod(app), etcd, 2379)]).toEqual([app, true]);
    }
    expect(allowed(pod('ledger'), cassandra, 9042)).toBe(true);
    for (const app of ['card-gateway', 'ledger', 'prober'] as const) {
      expect([app, allowed(pod(app), kafka, 9092)]).toEqual([app, false]);
      expect([app, allowed(pod(app), etcd, 2379)]).toEqual([app, false]);
    }
    expect(allowed(pod('card-gateway'), cassandra, 9042)).toBe(false);
  });

  it('lets only notifications out to the internet, on 443 to public addresses', () => {
    const pushService: Endpoint = { kind: 'external', ip: '17.188.143.1' };
    expect(allowed(pod('notifications'), pushService, 443)).toBe(true);
    expect(allowed(pod('notifications'), pushService, 80)).toBe(false);
    expect(allowed(pod('notifications'), { kind: 'external', ip: '10.3.0.1' }, 443)).toBe(false);
    expect(allowed(pod('notifications'), { kind: 'external', ip: '169.254.169.254' }, 443)).toBe(
      false,
    );
    for (const app of APPS.filter((name) => name !== 'notifications')) {
      expect([app, allowed(pod(app), pushService, 443)]).toEqual([app, false]);
    }
  });

  it('lets Prometheus scrape every pod on ops only, and the cluster DNS be asked', () => {
    const prometheus = enginePod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const dns = enginePod('kube-system', { 'k8s-app': 'kube-dns' });
    for (const app of APPS) {
      expect([app, allowed(prometheus, pod(app), 9464)]).toEqual([app, true]);
      expect([
        app,
        isAllowed(objects, overlay.namespace, {
          from: pod(app),
          to: dns,
          port: 53,
          protocol: 'UDP',
        }),
      ]).toEqual([app, true]);
    }
    expect(allowed(prometheus, pod('ledger'), 50051)).toBe(false);
  });

  it('routes each public path to the service that owns it, over TLS on the overlay hosts', () => {
    const api = findObject<IIngress>(objects, 'Ingress', 'corebank-api');
    expect(api.spec?.tls).toEqual([{ hosts: [overlay.apiHost], secretName: 'corebank-api-tls' }]);
    const rules = api.spec?.rules ?? [];
    expect(rules.map((rule) => rule.host)).toEqual([overlay.apiHost]);
    const routes: Record<string, string> = Object.fromEntries(
      (rules[0].http?.paths ?? []).map((path): [string, string] => [
        path.path ?? '',
        `${path.backend.service?.name}:${path.backend.service?.port?.name}`,
      ]),
    );
    expect(routes).toEqual({
      '/accounts': 'feed:http',
      '/balance': 'feed:http',
      '/transactions': 'feed:http',
      '/feed': 'feed:http',
      '/cards': 'authorization:http',
      '/devices': 'notifications:http',
      '/webhooks': 'notifications:http',
    });
    const processor = findObject<IIngress>(objects, 'Ingress', 'corebank-processor');
    expect(processor.spec?.tls).toEqual([
      { hosts: [overlay.ehiHost], secretName: 'corebank-processor-tls' },
    ]);
    expect(processor.spec?.rules?.[0].http?.paths).toEqual([
      {
        path: '/ehi',
        pathType: 'Exact',
        backend: { service: { name: 'card-gateway', port: { name: 'https' } } },
      },
    ]);
    const annotations = processor.metadata?.annotations ?? {};
    expect(annotations['nginx.ingress.kubernetes.io/whitelist-source-range']).toBe(
      overlay.processorCidr,
    );
    expect(annotations['nginx.ingress.kubernetes.io/auth-tls-secret']).toBe(
      `${overlay.namespace}/processor-client-ca`,
    );
    // Every backend names a Service port that exists.
    const backends = [api, processor].flatMap((ingress) =>
      (ingress.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []),
    );
    for (const { backend } of backends) {
      const service = findObject<IService>(objects, 'Service', backend.service?.name ?? '');
      const portNames = (service.spec?.ports ?? []).map((port) => port.name);
      expect(portNames).toContain(backend.service?.port?.name);
    }
  });

  it('declares every bus topic and its dead-letter topic with 3 replicas and min.insync.replicas 2', () => {
    interface KafkaTopic {
      metadata: { labels?: Record<string, string> };
      spec: {
        topicName: string;
        partitions: number;
        replicas: number;
        config: Record<string, string>;
      };
    }
    const topics = objectsOfKind<KafkaTopic>(objects, 'KafkaTopic');
    const names = topics.map((topic) => topic.spec.topicName).sort();
    expect(names).toEqual(
      ['authorization.transactions.v1', 'enrichment.transactions.v1', 'feed.items.v1']
        .flatMap((topic) => [topic, `${topic}.dead-letter`])
        .sort(),
    );
    for (const topic of topics) {
      expect(topic.metadata.labels?.['strimzi.io/cluster']).toBe('corebank');
      expect(topic.spec.replicas).toBe(3);
      expect(topic.spec.partitions).toBeGreaterThanOrEqual(3);
      expect(topic.spec.config['min.insync.replicas']).toBe('2');
      expect(Number(topic.spec.config['retention.ms'])).toBeGreaterThanOrEqual(7 * 24 * 3600_000);
    }
  });

  it('gives the ledger pods distinct snowflake worker ids from their ordinal', () => {
    const ledger = workloadOf(objects, 'ledger');
    expect(ledger.kind).toBe('StatefulSet');
    expect(containerOf(ledger).env).toContainEqual({
      name: 'LEDGER_WORKER_ID',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
    });
  });

  it('renders an environment the apps load through their own config schemas', () => {
    const ledger = loadLedgerConfig(renderedEnvironment(objects, 'ledger', SECRET_KEYS));
    expect(ledger.ledger.LEDGER_GRPC_PORT).toBe(namedPorts(workloadOf(objects, 'ledger')).grpc);
    // Probes and Prometheus reach the ops server on the named port, from other pods.
    expect(ledger.ops).toMatchObject({
      OPS_HTTP_HOST: '0.0.0.0',
      OPS_HTTP_PORT: namedPorts(workloadOf(objects, 'ledger')).ops,
    });
    expect(ledger.store.engine).toBe('cassandra');

    const authorization = loadAuthorizationConfig(
      renderedEnvironment(objects, 'authorization', SECRET_KEYS),
    );
    expect(authorization.authorization.AUTHORIZATION_GRPC_PORT).toBe(
      namedPorts(workloadOf(objects, 'authorization')).grpc,
    );
    expect(authorization.authorization.LEDGER_GRPC_ADDRESS).toBe(
      `ledger:${namedPorts(workloadOf(objects, 'ledger')).grpc}`,
    );
    expect(authorization.ops).toMatchObject({
      OPS_HTTP_HOST: '0.0.0.0',
      OPS_HTTP_PORT: namedPorts(workloadOf(objects, 'authorization')).ops,
    });
    // The public /cards route of the Ingress lands on the customer API, with the shared token key.
    expect(authorization.customerHttp).toMatchObject({
      host: '0.0.0.0',
      port: namedPorts(workloadOf(objects, 'authorization')).http,
    });
    expect(authorization.store.engine).toBe('cassandra');
    expect(authorization.bus.engine).toBe('kafka');
    expect(authorization.locks.engine).toBe('etcd');

    const enrichment = loadMerchantEnrichmentConfig(
      renderedEnvironment(objects, 'merchant-enrichment', SECRET_KEYS),
    );
    expect([enrichment.store.engine, enrichment.bus.engine, enrichment.ids.workerSource]).toEqual([
      'cassandra',
      'kafka',
      'etcd',
    ]);

    const gateway = loadCardGatewayConfig(
      renderedEnvironment(objects, 'card-gateway', SECRET_KEYS),
    );
    expect(gateway.CARD_GATEWAY_PORT).toBe(namedPorts(workloadOf(objects, 'card-gateway')).https);
    expect(gateway.CARD_GATEWAY_AUTH_MODE).toBe('mutual_tls');
    expect([gateway.OPS_HTTP_HOST, gateway.OPS_HTTP_PORT]).toEqual([
      '0.0.0.0',
      namedPorts(workloadOf(objects, 'card-gateway')).ops,
    ]);
    expect(gateway.CARD_GATEWAY_AUTHORIZATION_ADDRESS).toBe(
      `authorization:${namedPorts(workloadOf(objects, 'authorization')).grpc}`,
    );
    expect(renderedEnvironment(objects, 'feed', SECRET_KEYS).LOG_LEVEL).toBe(overlay.logLevel);
  });
});

describe('the overlays', () => {
  it('differ in size: production keeps more of every autoscaled app than staging', () => {
    const [staging, production] = OVERLAYS.map((overlay) => renderKustomization(overlay.directory));
    for (const app of AUTOSCALED_APPS) {
      const replicas = [staging, production].map(
        (objects) =>
          findObject<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', app).spec
            ?.minReplicas ?? 0,
      );
      expect([app, replicas[0] < replicas[1]]).toEqual([app, true]);
    }
  });
});
