import { isIPv4 } from 'node:net';

import type { ManifestObject } from './manifests';

/** The subset of NetworkPolicy (networking.k8s.io/v1) that k8s/ uses and this evaluator reads. */
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}
interface NetworkPolicyObject extends ManifestObject {
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

/** A pod inside the cluster, or an address outside it (ipBlock peers match only these). */
export type Endpoint =
  | {
      kind: 'pod';
      namespace: string;
      namespaceLabels: Record<string, string>;
      labels: Record<string, string>;
      /** Container port names of this pod, for policies that name ports. */
      namedPorts?: Record<string, number>;
    }
  | { kind: 'external'; ip: string };

export interface Connection {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) {
      return false;
    }
  }
  for (const expression of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const value = labels[expression.key];
    const values = expression.values ?? [];
    const holds =
      expression.operator === 'In'
        ? present && values.includes(value)
        : expression.operator === 'NotIn'
          ? !present || !values.includes(value)
          : expression.operator === 'Exists'
            ? present
            : expression.operator === 'DoesNotExist'
              ? !present
              : unknownOperator(expression.operator);
    if (!holds) {
      return false;
    }
  }
  return true;
}

function unknownOperator(operator: string): never {
  throw new Error(`unknown label selector operator ${operator}`);
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [network, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  if (!isIPv4(network) || !isIPv4(ip) || !(prefix >= 0 && prefix <= 32)) {
    throw new Error(`only IPv4 CIDRs are evaluated: ${cidr} / ${ip}`);
  }
  const size = 2 ** (32 - prefix);
  const start = Math.floor(ipv4ToNumber(network) / size) * size;
  const address = ipv4ToNumber(ip);
  return address >= start && address < start + size;
}

function peerMatches(peer: PolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock !== undefined) {
    // Cluster pods are matched by selectors; ipBlock is for traffic entering or leaving the cluster.
    return (
      endpoint.kind === 'external' &&
      cidrContains(peer.ipBlock.cidr, endpoint.ip) &&
      !(peer.ipBlock.except ?? []).some((excluded) => cidrContains(excluded, endpoint.ip))
    );
  }
  if (endpoint.kind !== 'pod') {
    return false;
  }
  const namespaceMatches =
    peer.namespaceSelector === undefined
      ? endpoint.namespace === policyNamespace
      : selectorMatches(peer.namespaceSelector, endpoint.namespaceLabels);
  const podMatches =
    peer.podSelector === undefined || selectorMatches(peer.podSelector, endpoint.labels);
  return namespaceMatches && podMatches;
}

function portMatches(ports: PolicyPort[] | undefined, connection: Connection): boolean {
  if (ports === undefined || ports.length === 0) {
    return true;
  }
  const protocol = connection.protocol ?? 'TCP';
  const destination = connection.to;
  return ports.some((rule) => {
    if ((rule.protocol ?? 'TCP') !== protocol) {
      return false;
    }
    if (rule.port === undefined) {
      return true;
    }
    const number =
      typeof rule.port === 'number'
        ? rule.port
        : destination.kind === 'pod'
          ? destination.namedPorts?.[rule.port]
          : undefined;
    if (number === undefined) {
      return false;
    }
    return connection.port >= number && connection.port <= (rule.endPort ?? number);
  });
}

/**
 * Whether `connection` is allowed by the policies of `namespace` (where the corebank pods live):
 * the destination's ingress side if it is a pod there, and the source's egress side if the source
 * is. A side no policy selects for that direction is open, as in Kubernetes.
 */
export function isAllowed(
  policies: readonly ManifestObject[],
  namespace: string,
  connection: Connection,
): boolean {
  const networkPolicies = policies.filter(
    (object): object is NetworkPolicyObject => object.kind === 'NetworkPolicy',
  );
  const sideAllows = (
    direction: 'Ingress' | 'Egress',
    subject: Endpoint,
    peer: Endpoint,
  ): boolean => {
    if (subject.kind !== 'pod' || subject.namespace !== namespace) {
      return true;
    }
    const selecting = networkPolicies.filter(
      (policy) =>
        (policy.spec.policyTypes ?? ['Ingress']).includes(direction) &&
        selectorMatches(policy.spec.podSelector, subject.labels),
    );
    if (selecting.length === 0) {
      return true;
    }
    return selecting.some((policy) =>
      (direction === 'Ingress' ? (policy.spec.ingress ?? []) : (policy.spec.egress ?? [])).some(
        (rule) => {
          const peers = direction === 'Ingress' ? rule.from : rule.to;
          const peerAllowed =
            peers === undefined ||
            peers.length === 0 ||
            peers.some((candidate) => peerMatches(candidate, namespace, peer));
          return peerAllowed && portMatches(rule.ports, connection);
        },
      ),
    );
  };
  return (
    sideAllows('Egress', connection.from, connection.to) &&
    sideAllows('Ingress', connection.to, connection.from)
  );
}
