import { isPlatformError } from '@corebank/platform-errors';

/**
 * The central redaction list (STYLE §8): field names whose values never reach a log line,
 * matched at any depth and in any spelling (`cardNumber`, `card_number`, `CARD-NUMBER` all
 * normalise to `cardnumber`). Nobody adds per-call masking; extend this list instead.
 */
export const REDACTED_FIELD_NAMES: readonly string[] = Object.freeze([
  // Card data (PCI DSS): PAN, verification values, PIN, track and chip data, expiry.
  'pan',
  'cardnumber',
  'primaryaccountnumber',
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'csc',
  'securitycode',
  'pin',
  'pinblock',
  'track',
  'track1',
  'track2',
  'trackdata',
  'iccdata',
  'expiry',
  'expirydate',
  'expirationdate',
  'expdate',
  'expirymonth',
  'expiryyear',
  'expmonth',
  'expyear',
  // Credentials and secrets.
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearertoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passphrase',
  'secret',
  'clientsecret',
  'apikey',
  'privatekey',
  'p256dh',
  'auth',
  // Customer names.
  'cardholdername',
  'nameoncard',
  'customername',
  'fullname',
  'firstname',
  'lastname',
  // Bank account numbers of customers (ledger account ids are not these).
  'accountnumber',
  'iban',
]);

export const REDACTED = '[REDACTED]';

const redactedFieldNames = new Set(REDACTED_FIELD_NAMES);

/** Bounds of one scrub: a log call can never make the scrubber walk an unbounded graph. */
const DEPTH_MAX = 8;
const ARRAY_ITEMS_MAX = 100;
const OBJECT_KEYS_MAX = 100;
const STRING_LENGTH_MAX = 16_384;
const ERROR_CAUSE_DEPTH_MAX = 3;

export function normaliseFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isRedactedFieldName(name: string): boolean {
  return redactedFieldNames.has(normaliseFieldName(name));
}

/** Luhn (mod 10) check, which every card number satisfies and most other digit runs do not. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) {
      return false;
    }
    if (double) {
      digit *= 2;
      if (digit > 9) {
        digit -= 9;
      }
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * 13 to 19 digits, optionally grouped by single spaces or dashes, not part of a longer digit run.
 * Luhn-valid runs are masked. Other ids of that length pass the check one time in ten and are
 * masked too: for a bank, a masked id in a log is the cheaper mistake.
 */
const PAN_CANDIDATE = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;
/** `cvv=123`, `"pin": "1234"`, `expiry: 12/27` inside free text (query strings, raw bodies). */
const SENSITIVE_ASSIGNMENT =
  /\b(cvv2?|cvc2?|csc|pin[ _-]?block|pin|exp(?:iry)?(?:[ _-]?date)?|password|secret|token)("?\s*[:=]\s*"?)([^\s",;&}]+)/gi;
const BEARER_CREDENTIAL = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]+=*/g;

export function maskPan(digits: string): string {
  return `[PAN ****${digits.slice(-4)}]`;
}

/** Masks PAN-like digit runs and inline CVV/PIN/expiry/secret assignments in free text. */
export function scrubText(text: string): string {
  const bounded =
    text.length > STRING_LENGTH_MAX ? `${text.slice(0, STRING_LENGTH_MAX)}[Truncated]` : text;
  return bounded
    .replace(PAN_CANDIDATE, (candidate) => {
      const digits = candidate.replace(/[ -]/g, '');
      return passesLuhn(digits) ? maskPan(digits) : candidate;
    })
    .replace(SENSITIVE_ASSIGNMENT, (_match, name: string, separator: string) => {
      return `${name}${separator}${REDACTED}`;
    })
    .replace(BEARER_CREDENTIAL, (_match, scheme: string) => `${scheme} ${REDACTED}`);
}

/**
 * A copy of `value` that is safe to log: redacted fields, masked PANs in every string and in
 * 13–16 digit integers, errors turned into plain objects (scrubbed message and stack, PlatformError
 * code and params), bigints as decimal strings, binary data summarised, bounded in depth and size.
 */
export function scrubValue(value: unknown): unknown {
  return scrub(value, 0, new WeakSet<object>());
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return scrubText(value);
    case 'number':
      return scrubNumber(value);
    case 'bigint':
      return scrubText(value.toString());
    case 'boolean':
    case 'undefined':
      return value;
    case 'symbol':
    case 'function':
      return undefined;
    case 'object':
      return value === null ? null : scrubObject(value, depth, seen);
  }
}

function scrubNumber(value: number): number | string {
  if (!Number.isSafeInteger(value)) {
    return value;
  }
  const digits = Math.abs(value).toString();
  return digits.length >= 13 && passesLuhn(digits) ? maskPan(digits) : value;
}

function scrubObject(value: object, depth: number, seen: WeakSet<object>): unknown {
  if (depth >= DEPTH_MAX) {
    return '[Truncated]';
  }
  if (seen.has(value)) {
    return '[Circular]';
  }
  seen.add(value);
  try {
    if (value instanceof Error) {
      return serializeError(value, depth, seen, 0);
    }
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    }
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      // Binary payloads may hold PIN blocks or chip data; their bytes never reach a log.
      return `[Binary ${value.byteLength} bytes]`;
    }
    if (Array.isArray(value)) {
      return scrubArray(value, depth, seen);
    }
    if (value instanceof Set) {
      return scrubArray([...value], depth, seen);
    }
    const entries: [string, unknown][] =
      value instanceof Map
        ? [...value.entries()].map(([key, item]): [string, unknown] => [String(key), item])
        : Object.entries(value);
    return scrubEntries(entries, depth, seen);
  } finally {
    seen.delete(value);
  }
}

function scrubArray(items: readonly unknown[], depth: number, seen: WeakSet<object>): unknown[] {
  const scrubbed = items.slice(0, ARRAY_ITEMS_MAX).map((item) => scrub(item, depth + 1, seen));
  if (items.length > ARRAY_ITEMS_MAX) {
    scrubbed.push(`[${items.length - ARRAY_ITEMS_MAX} more items]`);
  }
  return scrubbed;
}

function scrubEntries(
  entries: readonly [string, unknown][],
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const scrubbed: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, OBJECT_KEYS_MAX)) {
    const safeKey = scrubText(key);
    scrubbed[safeKey] = isRedactedFieldName(key) ? REDACTED : scrub(item, depth + 1, seen);
  }
  if (entries.length > OBJECT_KEYS_MAX) {
    scrubbed['[truncated]'] = `${entries.length - OBJECT_KEYS_MAX} more keys`;
  }
  return scrubbed;
}

function serializeError(
  error: Error,
  depth: number,
  seen: WeakSet<object>,
  causeDepth: number,
): Record<string, unknown> {
  const serialized: Record<string, unknown> = {
    type: error.name,
    message: scrubText(error.message),
  };
  if (isPlatformError(error)) {
    serialized.code = error.code;
    serialized.retryable = error.retryable;
    serialized.params = scrub(error.params, depth + 1, seen);
  }
  if (error.stack !== undefined) {
    serialized.stack = scrubText(error.stack);
  }
  const cause: unknown = error.cause;
  if (cause !== undefined) {
    serialized.cause =
      cause instanceof Error && causeDepth < ERROR_CAUSE_DEPTH_MAX
        ? serializeError(cause, depth, seen, causeDepth + 1)
        : scrub(cause, depth + 1, seen);
  }
  return serialized;
}
