import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';

/**
 * Compact JWS (RFC 7515) for HS256 and ES256 on node:crypto: jose 6 is ESM-only and this repo's
 * jest runs CommonJS without transforming node_modules.
 */
export const TOKEN_ALGORITHMS = ['HS256', 'ES256'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** HMAC keys shorter than the SHA-256 output weaken HS256 (RFC 7518 §3.2). */
export const HS256_SECRET_BYTES_MIN = 32;

/** What verifies: a shared secret, or the issuer's public key. */
export type VerificationKey =
  | { readonly algorithm: 'HS256'; readonly secret: string }
  | { readonly algorithm: 'ES256'; readonly publicKeyPem: string };

/** What signs: the same shared secret, or the issuer's private key. */
export type SigningKey =
  | { readonly algorithm: 'HS256'; readonly secret: string }
  | { readonly algorithm: 'ES256'; readonly privateKeyPem: string };

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;
const ES256_SIGNATURE_BYTES = 64;

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function assertSecretLength(secret: string): void {
  if (Buffer.byteLength(secret, 'utf8') < HS256_SECRET_BYTES_MIN) {
    throw new RangeError(`an HS256 secret needs at least ${HS256_SECRET_BYTES_MIN} bytes`);
  }
}

export function signCompactJws(
  key: SigningKey,
  payload: Readonly<Record<string, unknown>>,
): string {
  const signingInput = `${base64UrlJson({ alg: key.algorithm, typ: 'JWT' })}.${base64UrlJson(payload)}`;
  if (key.algorithm === 'HS256') {
    assertSecretLength(key.secret);
    const mac = createHmac('sha256', key.secret).update(signingInput).digest('base64url');
    return `${signingInput}.${mac}`;
  }
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: createPrivateKey(key.privateKeyPem),
    // JWS carries ECDSA signatures as r||s (IEEE P1363), not DER.
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

export type JwsDecoding =
  | {
      readonly kind: 'ok';
      readonly header: Readonly<Record<string, unknown>>;
      readonly payload: Readonly<Record<string, unknown>>;
      readonly signingInput: string;
      readonly signature: Buffer;
    }
  | { readonly kind: 'malformed' };

function parseJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits and decodes a compact JWS without trusting any of it. */
export function decodeCompactJws(token: string): JwsDecoding {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !BASE64URL_SEGMENT.test(part))) {
    return { kind: 'malformed' };
  }
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = parseJsonObject(headerPart);
  const payload = parseJsonObject(payloadPart);
  if (header === undefined || payload === undefined) {
    return { kind: 'malformed' };
  }
  return {
    kind: 'ok',
    header,
    payload,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, 'base64url'),
  };
}

/** A verification key prepared once: PEM parsing is not repeated per request. */
export type PreparedKey =
  | { readonly algorithm: 'HS256'; readonly secret: Buffer }
  | { readonly algorithm: 'ES256'; readonly publicKey: KeyObject };

export function prepareVerificationKey(key: VerificationKey): PreparedKey {
  if (key.algorithm === 'HS256') {
    assertSecretLength(key.secret);
    return { algorithm: 'HS256', secret: Buffer.from(key.secret, 'utf8') };
  }
  const publicKey = createPublicKey(key.publicKeyPem);
  if (
    publicKey.asymmetricKeyType !== 'ec' ||
    publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new RangeError('an ES256 key must be an EC P-256 public key');
  }
  return { algorithm: 'ES256', publicKey };
}

/** Checks the signature with the key's own algorithm; the caller has already matched `alg`. */
export function signatureMatches(
  key: PreparedKey,
  signingInput: string,
  signature: Buffer,
): boolean {
  if (key.algorithm === 'HS256') {
    const expected = createHmac('sha256', key.secret).update(signingInput).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
  if (signature.length !== ES256_SIGNATURE_BYTES) {
    return false;
  }
  return verify(
    'sha256',
    Buffer.from(signingInput),
    { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
    signature,
  );
}
