import {
  cidrContains,
  isAllowed,
  selectorMatches,
  type Endpoint,
} from './network-policy-evaluator';
import type { ManifestObject } from './manifests';

const NAMESPACE = 'bank';

function pod(name: string, namedPorts: Record<string, number> = {}): Endpoint {
  return {
    kind: 'pod',
    namespace: NAMESPACE,
    namespaceLabels: { 'kubernetes.io/metadata.name': NAMESPACE },
    labels: { app: name },
    namedPorts,
  };
}

function policy(name: string, spec: Record<string, unknown>): ManifestObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: NAMESPACE },
    spec,
  };
}

describe('selectorMatches', () => {
  it('needs every matchLabels pair and every expression', () => {
    const labels = { app: 'feed', tier: 'api' };
    expect(selectorMatches({ matchLabels: { app: 'feed' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'feed', tier: 'db' } }, labels)).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'app', operator: 'In', values: ['feed'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['feed'] }] },
        labels,
      ),
    ).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels),
    ).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels),
    ).toBe(true);
    expect(selectorMatches({}, labels)).toBe(true);
  });
});

describe('cidrContains', () => {
  it('matches addresses inside the prefix only', () => {
    expect(cidrContains('198.51.100.0/28', '198.51.100.15')).toBe(true);
    expect(cidrContains('198.51.100.0/28', '198.51.100.16')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.1')).toBe(false);
  });
});

describe('isAllowed', () => {
  const denyAll = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const apiToDb = [
    denyAll,
    policy('db-in', {
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'sql' }] },
      ],
    }),
    policy('api-out', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432 }] }],
    }),
  ];

  it('without any policy everything is open', () => {
    expect(isAllowed([], NAMESPACE, { from: pod('x'), to: pod('y'), port: 1 })).toBe(true);
  });

  it('default deny blocks what no policy allows on both sides', () => {
    expect(isAllowed([denyAll], NAMESPACE, { from: pod('api'), to: pod('db'), port: 5432 })).toBe(
      false,
    );
  });

  it('needs the egress of the source and the ingress of the destination, on the right port', () => {
    const db = pod('db', { sql: 5432 });
    expect(isAllowed(apiToDb, NAMESPACE, { from: pod('api'), to: db, port: 5432 })).toBe(true);
    expect(isAllowed(apiToDb, NAMESPACE, { from: pod('api'), to: db, port: 5433 })).toBe(false);
    expect(isAllowed(apiToDb, NAMESPACE, { from: pod('web'), to: db, port: 5432 })).toBe(false);
    expect(
      isAllowed(apiToDb.slice(0, 2), NAMESPACE, { from: pod('api'), to: db, port: 5432 }),
    ).toBe(false);
  });

  it('matches ipBlock peers against external addresses, minus the exceptions', () => {
    const policies = [
      denyAll,
      policy('out', {
        podSelector: { matchLabels: { app: 'push' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }],
            ports: [{ port: 443 }],
          },
        ],
      }),
    ];
    const from = pod('push');
    expect(
      isAllowed(policies, NAMESPACE, { from, to: { kind: 'external', ip: '8.8.8.8' }, port: 443 }),
    ).toBe(true);
    expect(
      isAllowed(policies, NAMESPACE, { from, to: { kind: 'external', ip: '10.1.1.1' }, port: 443 }),
    ).toBe(false);
    expect(isAllowed(policies, NAMESPACE, { from, to: pod('db'), port: 443 })).toBe(false);
  });
});
