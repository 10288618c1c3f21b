import { z } from 'zod';

import { PlatformError } from '@corebank/platform-errors';

import { deepFreeze, type DeepReadonly } from './deep-freeze';
import { DURATION_UNIT_SUFFIX, durationUnitOf } from './env-schemas';

/** An env-like record: `process.env` or a literal in tests. */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** A schema over environment variables: a `z.object` whose keys are variable names. */
export type ConfigSchema<Output> = z.ZodType<Output, z.ZodTypeDef, Record<string, unknown>>;

export interface ConfigProblem {
  /** The variable's name, e.g. `KAFKA_BROKERS`, or `(config)` for a rule spanning several. */
  readonly variable: string;
  /** Why it was refused, e.g. `required`. Never contains the variable's value. */
  readonly reason: string;
}

/**
 * Thrown once at boot when the environment does not satisfy the schema. The message lists every
 * problem, not only the first, so one restart is enough to fix a deployment.
 */
export class ConfigValidationError extends PlatformError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      'invalid.config',
      `invalid configuration: ${problems.map((p) => `${p.variable}: ${p.reason}`).join('; ')}`,
      {
        retryable: false,
        params: { variables: [...new Set(problems.map((p) => p.variable))].join(',') },
      },
    );
    this.name = 'ConfigValidationError';
  }
}

// Wrapper depth is bounded so a pathological schema cannot loop us; real ones nest 2-3 deep.
const SCHEMA_WRAPPER_DEPTH_MAX = 16;

/** Peels optional/default/effects wrappers, calling `visit` on each layer until it answers. */
function findInLayers<T>(
  schema: z.ZodTypeAny,
  visit: (layer: z.ZodTypeAny) => T | undefined,
): T | undefined {
  let layer: z.ZodTypeAny = schema;
  for (let depth = 0; depth < SCHEMA_WRAPPER_DEPTH_MAX; depth++) {
    const found = visit(layer);
    if (found !== undefined) {
      return found;
    }
    if (layer instanceof z.ZodOptional || layer instanceof z.ZodNullable) {
      layer = layer.unwrap() as z.ZodTypeAny;
    } else if (layer instanceof z.ZodDefault) {
      layer = layer.removeDefault() as z.ZodTypeAny;
    } else if (layer instanceof z.ZodEffects) {
      layer = layer.innerType() as z.ZodTypeAny;
    } else if (layer instanceof z.ZodPipeline) {
      layer = (layer._def as z.ZodPipelineDef<z.ZodTypeAny, z.ZodTypeAny>).in;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A duration variable whose name lacks its unit suffix is a mistake in the schema (STYLE §7), so
 * it fails like a bad variable does: loudly, at boot, naming the variable.
 */
function unitSuffixProblems(schema: z.ZodTypeAny): ConfigProblem[] {
  const shape = findInLayers(schema, (layer) =>
    layer instanceof z.ZodObject ? (layer.shape as z.ZodRawShape) : undefined,
  );
  if (shape === undefined) {
    return [];
  }
  const problems: ConfigProblem[] = [];
  for (const [variable, fieldSchema] of Object.entries(shape)) {
    const unit = findInLayers(fieldSchema, durationUnitOf);
    if (unit !== undefined && !variable.endsWith(DURATION_UNIT_SUFFIX[unit])) {
      problems.push({
        variable,
        reason: `a duration in ${unit.toLowerCase()} must be named *${DURATION_UNIT_SUFFIX[unit]}`,
      });
    }
  }
  return problems;
}

/** Unset and blank variables are the same thing: `FOO=` in a manifest means "not configured". */
function withoutBlankValues(env: EnvRecord): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim().length > 0) {
      present[name] = value;
    }
  }
  return present;
}

function describeIssue(issue: z.ZodIssue): ConfigProblem {
  const [variable, ...rest] = issue.path;
  const name =
    variable === undefined
      ? '(config)'
      : `${String(variable)}${rest.map((segment) => `[${String(segment)}]`).join('')}`;
  const required = issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined';
  return { variable: name, reason: required ? 'required' : issue.message };
}

function parseSection<Output>(
  schema: ConfigSchema<Output>,
  env: Record<string, string>,
): { ok: true; value: Output } | { ok: false; problems: ConfigProblem[] } {
  const schemaProblems = unitSuffixProblems(schema);
  const parsed = schema.safeParse(env);
  const problems = [
    ...schemaProblems,
    ...(parsed.success ? [] : parsed.error.issues.map(describeIssue)),
  ];
  if (problems.length > 0 || !parsed.success) {
    return { ok: false, problems };
  }
  return { ok: true, value: parsed.data };
}

/**
 * Validates `env` against `schema` once, at boot, and returns a deeply frozen, typed object.
 *
 * @throws ConfigValidationError (`invalid.config`, not retryable) naming every bad variable.
 */
export function loadConfig<Output>(
  schema: ConfigSchema<Output>,
  env: EnvRecord,
): DeepReadonly<Output> {
  const result = parseSection(schema, withoutBlankValues(env));
  if (!result.ok) {
    throw new ConfigValidationError(result.problems);
  }
  return deepFreeze(result.value);
}

type SectionOutputs<Sections extends Record<string, ConfigSchema<unknown>>> = {
  [Name in keyof Sections]: Sections[Name] extends ConfigSchema<infer Output> ? Output : never;
};

/**
 * Like `loadConfig` for several libraries' schemas at once (`{ ids: idsConfigSchema, ... }`):
 * each section reads the same environment, and the error lists the problems of all sections.
 *
 * @throws ConfigValidationError (`invalid.config`, not retryable) naming every bad variable.
 */
export function loadConfigSections<Sections extends Record<string, ConfigSchema<unknown>>>(
  sections: Sections,
  env: EnvRecord,
): DeepReadonly<SectionOutputs<Sections>> {
  const present = withoutBlankValues(env);
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  for (const [name, schema] of Object.entries(sections)) {
    const result = parseSection(schema, present);
    if (result.ok) {
      values[name] = result.value;
      continue;
    }
    // Two libraries may share a variable (ETCD_ENDPOINTS); report each problem once.
    for (const problem of result.problems) {
      const key = `${problem.variable}\u0000${problem.reason}`;
      if (!reported.has(key)) {
        reported.add(key);
        problems.push(problem);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return deepFreeze(values as SectionOutputs<Sections>);
}
