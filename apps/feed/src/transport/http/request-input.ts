import type { IncomingMessage } from 'node:http';

/** Form or JSON fields flattened to Mondo's bracket names: `metadata[notes]`, `params[title]`. */
export type FlatFields = ReadonlyMap<string, string>;

export type BodyOutcome =
  | { readonly kind: 'fields'; readonly fields: FlatFields }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Fields per body: well above any request of this API, and bounds the work per request. */
export const BODY_FIELDS_MAX = 200;

/** Reads the body up to `bytesMax`, refusing larger ones without buffering them. */
export async function readBody(request: IncomingMessage, bytesMax: number): Promise<BodyOutcome> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    length += buffer.length;
    if (length > bytesMax) {
      return { kind: 'too_large' };
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const contentType = (request.headers['content-type'] ?? '')
    .split(';', 1)[0]
    ?.trim()
    .toLowerCase();
  if (contentType === 'application/json') {
    return parseJsonFields(text);
  }
  if (contentType === 'application/x-www-form-urlencoded' || text === '') {
    return boundedFields(new URLSearchParams(text));
  }
  return {
    kind: 'malformed',
    reason: 'expected application/x-www-form-urlencoded or application/json',
  };
}

function boundedFields(entries: Iterable<[string, string]>): BodyOutcome {
  const fields = new Map<string, string>();
  for (const [key, value] of entries) {
    if (fields.size >= BODY_FIELDS_MAX) {
      return { kind: 'malformed', reason: `more than ${BODY_FIELDS_MAX} fields` };
    }
    fields.set(key, value);
  }
  return { kind: 'fields', fields };
}

/** `{ "metadata": { "notes": "x" } }` becomes `metadata[notes]=x`; only strings, one level deep. */
function parseJsonFields(text: string): BodyOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'malformed', reason: 'body is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: 'malformed', reason: 'body must be a JSON object' };
  }
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') {
      entries.push([key, value]);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [innerKey, innerValue] of Object.entries(value as Record<string, unknown>)) {
        if (typeof innerValue !== 'string') {
          return { kind: 'malformed', reason: `${key}.${innerKey} must be a string` };
        }
        entries.push([`${key}[${innerKey}]`, innerValue]);
      }
    } else if (value !== null) {
      return { kind: 'malformed', reason: `${key} must be a string or an object of strings` };
    }
  }
  return boundedFields(entries);
}

/** The `prefix[key]` fields as a record of key to value. */
export function bracketFields(fields: FlatFields, prefix: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of fields) {
    const match = /^([a-z_]+)\[([^\]]*)\]$/.exec(name);
    if (match?.[1] === prefix && match[2] !== undefined) {
      result[match[2]] = value;
    }
  }
  return result;
}
