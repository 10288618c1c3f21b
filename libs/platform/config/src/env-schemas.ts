import { z } from 'zod';

/**
 * Schemas for single environment variables. Each takes the raw string (or `undefined` when the
 * variable is unset) and yields a typed value, so an app's config.ts reads as a list of
 * variables with their shapes and bounds. Messages never echo the raw value: a misplaced secret
 * must not end up in a boot log.
 */
export type EnvSchema<T> = z.ZodType<T, z.ZodTypeDef, string | undefined>;

/** The unit a duration variable is declared in; its name must end with the matching suffix. */
export type DurationUnit = 'MS' | 'SECONDS';

/** Suffix each unit's variable name must carry (STYLE §7: names carry units). */
export const DURATION_UNIT_SUFFIX: Readonly<Record<DurationUnit, string>> = {
  MS: '_MS',
  SECONDS: '_SECONDS',
};

const durationUnits = new WeakMap<z.ZodTypeAny, DurationUnit>();

/** The unit `envMilliseconds`/`envSeconds` registered for this schema, if it is one of them. */
export function durationUnitOf(schema: z.ZodTypeAny): DurationUnit | undefined {
  return durationUnits.get(schema);
}

type ParseOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

interface DefaultOption<T> {
  /** Used when the variable is unset or empty. Only for values equal in every environment. */
  readonly default?: T;
}

function envValue<T>(
  parse: (raw: string) => ParseOutcome<T>,
  options: DefaultOption<T>,
): EnvSchema<T> {
  return z
    .string()
    .optional()
    .transform((raw, context): T => {
      if (raw === undefined) {
        if (options.default !== undefined) {
          return options.default;
        }
        context.addIssue({ code: z.ZodIssueCode.custom, message: 'required' });
        return z.NEVER;
      }
      const outcome = parse(raw);
      if (!outcome.ok) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: outcome.reason });
        return z.NEVER;
      }
      return outcome.value;
    });
}

/** A non-empty string, used as is (no trimming: secrets may contain any character). */
export function envString(options: DefaultOption<string> & { minLength?: number } = {}) {
  const minLength = options.minLength ?? 1;
  return envValue<string>(
    (raw) =>
      raw.length >= minLength
        ? { ok: true, value: raw }
        : { ok: false, reason: `expected at least ${minLength} characters` },
    options,
  );
}

export interface IntegerOptions extends DefaultOption<number> {
  readonly min?: number;
  readonly max?: number;
}

function parseInteger(raw: string, options: IntegerOptions): ParseOutcome<number> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const range = `${min}..${max}`;
  // Strict decimal only: Number('0x10'), Number('1e3') and Number(' 7 ') would all slip through.
  if (!/^-?\d+$/.test(raw.trim())) {
    return { ok: false, reason: `expected an integer in ${range}` };
  }
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return { ok: false, reason: `expected an integer in ${range}` };
  }
  return { ok: true, value };
}

/** A decimal integer within [min, max] (inclusive). */
export function envInteger(options: IntegerOptions = {}): EnvSchema<number> {
  if (options.default !== undefined && !parseInteger(String(options.default), options).ok) {
    // A default outside its own bounds is a bug in the schema, not in the environment.
    throw new RangeError(`default ${options.default} is outside ${options.min}..${options.max}`);
  }
  return envValue((raw) => parseInteger(raw, options), options);
}

function envDuration(unit: DurationUnit, options: IntegerOptions): EnvSchema<number> {
  const schema = envInteger({ min: 0, ...options });
  durationUnits.set(schema, unit);
  return schema;
}

/** A duration in milliseconds; `loadConfig` insists the variable's name ends with `_MS`. */
export function envMilliseconds(options: IntegerOptions = {}): EnvSchema<number> {
  return envDuration('MS', options);
}

/** A duration in seconds; `loadConfig` insists the variable's name ends with `_SECONDS`. */
export function envSeconds(options: IntegerOptions = {}): EnvSchema<number> {
  return envDuration('SECONDS', options);
}

const TRUE_WORDS = new Set(['true', '1']);
const FALSE_WORDS = new Set(['false', '0']);

/** `true`/`false`/`1`/`0`, case-insensitive. Anything else ("yes", "on") is refused. */
export function envBoolean(options: DefaultOption<boolean> = {}): EnvSchema<boolean> {
  return envValue<boolean>((raw) => {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) {
      return { ok: true, value: true };
    }
    if (FALSE_WORDS.has(word)) {
      return { ok: true, value: false };
    }
    return { ok: false, reason: 'expected true, false, 1 or 0' };
  }, options);
}

/** One of a fixed set of words, compared exactly. */
export function envEnum<const Values extends readonly [string, ...string[]]>(
  values: Values,
  options: DefaultOption<Values[number]> = {},
): EnvSchema<Values[number]> {
  const allowed = new Set<string>(values);
  return envValue<Values[number]>(
    (raw) =>
      allowed.has(raw)
        ? { ok: true, value: raw }
        : { ok: false, reason: `expected one of ${values.join(', ')}` },
    options,
  );
}

export interface ListOptions<T> extends DefaultOption<readonly T[]> {
  readonly minItems?: number;
  readonly maxItems?: number;
}

/**
 * A comma-separated list. Items are trimmed; an empty item ("a,,b") is an error rather than
 * silently dropped, because it usually means a value went missing in a template.
 * `item` validates each entry, e.g. `envList(z.string().url())`.
 */
export function envList<T = string>(
  item?: z.ZodType<T, z.ZodTypeDef, string>,
  options: ListOptions<T> = {},
): EnvSchema<readonly T[]> {
  const minItems = options.minItems ?? 1;
  const maxItems = options.maxItems ?? 1000;
  const itemSchema = item ?? (z.string() as unknown as z.ZodType<T, z.ZodTypeDef, string>);
  return envValue<readonly T[]>((raw) => {
    const parts = raw.split(',').map((part) => part.trim());
    if (parts.length < minItems || parts.length > maxItems) {
      return { ok: false, reason: `expected ${minItems}..${maxItems} comma-separated items` };
    }
    const values: T[] = [];
    for (const [index, part] of parts.entries()) {
      if (part.length === 0) {
        return { ok: false, reason: `item ${index + 1} is empty` };
      }
      const parsed = itemSchema.safeParse(part);
      if (!parsed.success) {
        const reason = parsed.error.issues[0]?.message ?? 'invalid';
        return { ok: false, reason: `item ${index + 1}: ${reason}` };
      }
      values.push(parsed.data);
    }
    return { ok: true, value: values };
  }, options);
}
