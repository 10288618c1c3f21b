import { type KeyObject, sign, verify } from 'node:crypto';

/**
 * Compact JWS (RFC 7515) for the two algorithms we need: ES256 (APNs provider tokens, customer
 * bearer tokens) and RS256 (Google service-account assertions). Built on node:crypto because
 * jose 6 is ESM-only and jest here runs CommonJS without transforming node_modules.
 */
export type JwtAlgorithm = 'ES256' | 'RS256';

function base64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function signatureOptions(algorithm: JwtAlgorithm, key: KeyObject) {
  // JWS carries ECDSA signatures as r||s (IEEE P1363), not DER.
  return algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
}

export function signJwt(
  algorithm: JwtAlgorithm,
  privateKey: KeyObject,
  payload: Readonly<Record<string, unknown>>,
  headerExtra: Readonly<Record<string, string>> = {},
): string {
  const signingInput = `${base64Url(JSON.stringify({ alg: algorithm, typ: 'JWT', ...headerExtra }))}.${base64Url(JSON.stringify(payload))}`;
  const signature = sign(
    'sha256',
    Buffer.from(signingInput),
    signatureOptions(algorithm, privateKey),
  );
  return `${signingInput}.${base64Url(signature)}`;
}

export type JwtVerification =
  | { readonly kind: 'valid'; readonly payload: Readonly<Record<string, unknown>> }
  | {
      readonly kind: 'invalid';
      readonly reason: 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not_yet_valid';
    };

function parseJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies signature, algorithm (only the key's own: no `none`, no algorithm switching), `exp`
 * and `nbf` with `leewaySeconds` of clock skew. A token without `exp` is refused as expired:
 * bearer tokens must end.
 */
export function verifyJwt(
  token: string,
  publicKey: KeyObject,
  algorithm: JwtAlgorithm,
  nowSeconds: number,
  leewaySeconds: number,
): JwtVerification {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) {
    return { kind: 'invalid', reason: 'malformed' };
  }
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = parseJson(headerPart);
  const payload = parseJson(payloadPart);
  if (header === undefined || payload === undefined) {
    return { kind: 'invalid', reason: 'malformed' };
  }
  if (header['alg'] !== algorithm) {
    return { kind: 'invalid', reason: 'algorithm' };
  }
  const valid = verify(
    'sha256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    signatureOptions(algorithm, publicKey),
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!valid) {
    return { kind: 'invalid', reason: 'signature' };
  }
  const expiresAt = payload['exp'];
  if (typeof expiresAt !== 'number' || nowSeconds > expiresAt + leewaySeconds) {
    return { kind: 'invalid', reason: 'expired' };
  }
  const notBefore = payload['nbf'];
  if (typeof notBefore === 'number' && nowSeconds + leewaySeconds < notBefore) {
    return { kind: 'invalid', reason: 'not_yet_valid' };
  }
  return { kind: 'valid', payload };
}
