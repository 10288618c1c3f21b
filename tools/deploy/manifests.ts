import { execFileSync } from 'node:child_process';
import { load, loadAll } from 'js-yaml';
import { join } from 'node:path';

import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';

export const REPOSITORY_ROOT = join(__dirname, '..', '..');

/** One rendered Kubernetes object, as parsed; typed views come from kubernetes-models. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export function parseYamlDocuments(text: string): unknown[] {
  return loadAll(text).filter((document) => document !== null && document !== undefined);
}

export function parseYamlDocument(text: string): unknown {
  return load(text);
}

const KUBECTL_TIMEOUT_MS = 30_000;

/**
 * `kubectl kustomize <dir>` (kubectl 1.32 embeds kustomize 5.5 and renders offline). A machine
 * without kubectl fails here with the reason rather than skipping.
 */
export function renderKustomization(directory: string): ManifestObject[] {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', join(REPOSITORY_ROOT, directory)], {
      encoding: 'utf8',
      timeout: KUBECTL_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'kubectl is not on PATH: install kubectl >= 1.27 (it embeds kustomize) to render k8s/'
        : String((error as { stderr?: string }).stderr ?? error);
    throw new Error(`kubectl kustomize ${directory} failed: ${reason}`);
  }
  return parseYamlDocuments(text).map((document, index) => asManifestObject(document, index));
}

function asManifestObject(document: unknown, index: number): ManifestObject {
  if (typeof document !== 'object' || document === null) {
    throw new Error(`document ${index} is not an object`);
  }
  const candidate = document as Partial<ManifestObject>;
  if (
    typeof candidate.apiVersion !== 'string' ||
    typeof candidate.kind !== 'string' ||
    typeof candidate.metadata?.name !== 'string'
  ) {
    throw new Error(`document ${index} lacks apiVersion, kind or metadata.name`);
  }
  return candidate as ManifestObject;
}

interface Validatable {
  validate(): void;
}

/** Builds the kubernetes-models model of a parsed object; its validate() throws on a schema error. */
function validator<Data>(
  Model: new (data: Data) => Validatable,
): (object: ManifestObject) => Validatable {
  return (object) => new Model(object as unknown as Data);
}

/** The kinds k8s/ may contain, each with its offline schema validator (kubernetes-models 4.5.1). */
const VALIDATORS: Readonly<Record<string, (object: ManifestObject) => Validatable>> = {
  'apps/v1/Deployment': validator(Deployment),
  'apps/v1/StatefulSet': validator(StatefulSet),
  'v1/Service': validator(Service),
  'v1/ConfigMap': validator(ConfigMap),
  'policy/v1/PodDisruptionBudget': validator(PodDisruptionBudget),
  'autoscaling/v2/HorizontalPodAutoscaler': validator(HorizontalPodAutoscaler),
  'networking.k8s.io/v1/NetworkPolicy': validator(NetworkPolicy),
  'networking.k8s.io/v1/Ingress': validator(Ingress),
};

/** Strimzi's CRD is not in kubernetes-models; its fields are checked by the tests instead. */
export const CUSTOM_RESOURCE_KINDS: ReadonlySet<string> = new Set([
  'kafka.strimzi.io/v1beta2/KafkaTopic',
]);

export function kindKey(object: ManifestObject): string {
  return `${object.apiVersion}/${object.kind}`;
}

/**
 * Validates one object against the Kubernetes OpenAPI schema. Returns the problem, or undefined.
 * Unknown kinds are problems too: everything rendered must be validated by something.
 */
export function schemaProblem(object: ManifestObject): string | undefined {
  const key = kindKey(object);
  const create = VALIDATORS[key];
  if (create === undefined) {
    return CUSTOM_RESOURCE_KINDS.has(key) ? undefined : `no schema validator for ${key}`;
  }
  try {
    create(object).validate();
    return undefined;
  } catch (error) {
    return `${key} ${object.metadata.name}: ${(error as Error).message}`;
  }
}

export function objectsOfKind<T>(objects: readonly ManifestObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as unknown as T[];
}

export function findObject<T>(objects: readonly ManifestObject[], kind: string, name: string): T {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) {
    throw new Error(`no ${kind} named ${name} in the rendered manifests`);
  }
  return found as unknown as T;
}

/** A ConfigMap from a kustomize configMapGenerator: its name carries a content hash suffix. */
export function findGeneratedConfigMap<T>(objects: readonly ManifestObject[], name: string): T {
  const found = objects.filter(
    (object) =>
      object.kind === 'ConfigMap' &&
      new RegExp(`^${name}-[a-z0-9]{10}$`).test(object.metadata.name),
  );
  if (found.length !== 1) {
    throw new Error(`expected one generated ConfigMap ${name}-<hash>, found ${found.length}`);
  }
  return found[0] as unknown as T;
}
