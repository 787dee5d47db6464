import { AuthenticationError } from './errors';

export interface DecodedJws {
  header: Record<string, unknown> & { alg: string };
  payload: Record<string, unknown>;
  /** The bytes the signature covers: `base64url(header).base64url(payload)`. */
  signingInput: string;
  encodedSignature: string;
}

export interface ClaimRules {
  issuer?: string;
  audience?: string;
  clockToleranceSeconds: number;
  now: () => Date;
}

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

// Node's base64url decoder skips characters outside the alphabet, so without this check two different strings
// would decode to the same token.
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function base64UrlEncode(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export function decodeJws(token: string): DecodedJws {
  if (typeof token !== 'string' || token === '') throw new AuthenticationError('missing token');
  const parts = token.split('.');
  if (parts.length !== 3) throw new AuthenticationError('malformed token: expected 3 dot-separated parts');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  if (!parts.every((part) => BASE64URL.test(part))) throw new AuthenticationError('malformed token: not base64url');

  const header = jsonObject(encodedHeader, 'header');
  const alg = header['alg'];
  if (typeof alg !== 'string') throw new AuthenticationError('malformed token: header has no alg');
  // RFC 7515 §4.1.11: an extension the verifier does not know must not be silently skipped.
  if (header['crit'] !== undefined) throw new AuthenticationError('unsupported critical header parameters');
  return {
    header: { ...header, alg },
    payload: jsonObject(encodedPayload, 'payload'),
    signingInput: `${encodedHeader}.${encodedPayload}`,
    encodedSignature,
  };
}

/** exp (required), nbf and iat (when present), iss and aud (when configured). Run only after the signature. */
export function checkRegisteredClaims(payload: Record<string, unknown>, rules: ClaimRules): void {
  const now = rules.now().getTime() / 1000;
  const tolerance = rules.clockToleranceSeconds;

  const exp = numericDate(payload, 'exp');
  if (exp === undefined) throw new AuthenticationError('claim exp missing');
  if (now >= exp + tolerance) throw new AuthenticationError('token expired');
  const nbf = numericDate(payload, 'nbf');
  if (nbf !== undefined && now < nbf - tolerance) throw new AuthenticationError('token not valid yet (nbf)');
  const iat = numericDate(payload, 'iat');
  if (iat !== undefined && now < iat - tolerance) throw new AuthenticationError('token issued in the future (iat)');

  if (rules.issuer !== undefined) {
    const iss = payload['iss'];
    if (typeof iss !== 'string' || !sameIssuer(iss, rules.issuer)) {
      throw new AuthenticationError(`claim iss missing or invalid: expected ${rules.issuer}`);
    }
  }
  if (rules.audience !== undefined) {
    const aud = payload['aud'];
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(rules.audience)) throw new AuthenticationError(`claim aud missing or invalid: expected ${rules.audience}`);
  }
}

export function clockTolerance(seconds: number | undefined): number {
  const tolerance = seconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError('clockToleranceSeconds must be a finite number ≥ 0');
  return tolerance;
}

// Providers disagree on the trailing slash (Auth0 writes one, Keycloak does not), and whoever writes the config
// rarely knows which; the slash does not change who the issuer is.
function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function numericDate(payload: Record<string, unknown>, name: string): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AuthenticationError(`claim ${name} invalid: expected a number of seconds`);
  return value;
}

function jsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new AuthenticationError(`malformed token: ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthenticationError(`malformed token: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
