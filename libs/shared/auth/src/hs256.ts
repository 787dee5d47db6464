import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from './errors';
import { base64UrlEncode, checkRegisteredClaims, clockTolerance, decodeJws } from './jws';
import { principalFromClaims, type Principal } from './principal';
import type { TokenVerifier } from './token-verifier';

export interface Hs256VerifierOptions {
  secret: string;
  issuer?: string;
  audience?: string;
  clockToleranceSeconds?: number;
  now?: () => Date;
}

/** A compact JWS signed with HMAC-SHA256: the local, zero-setup token format. */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  requireSecret(secret);
  const signingInput = `${base64UrlEncode(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64UrlEncode(JSON.stringify(claims))}`;
  return `${signingInput}.${hmac(signingInput, secret)}`;
}

export class Hs256Verifier implements TokenVerifier {
  private readonly tolerance: number;

  constructor(private readonly options: Hs256VerifierOptions) {
    requireSecret(options.secret);
    this.tolerance = clockTolerance(options.clockToleranceSeconds);
  }

  async verify(token: string): Promise<Principal> {
    const { header, payload, signingInput, encodedSignature } = decodeJws(token);
    // Only HS256: accepting the header's word for the algorithm is how "none" and RS/HS confusion attacks work.
    if (header.alg !== 'HS256') throw new AuthenticationError(`unsupported alg "${header.alg}": expected HS256`);
    // Comparing the encoded forms also refuses a signature re-encoded with different trailing bits.
    const expected = Buffer.from(hmac(signingInput, this.options.secret));
    const actual = Buffer.from(encodedSignature);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new AuthenticationError('invalid signature');

    checkRegisteredClaims(payload, {
      issuer: this.options.issuer,
      audience: this.options.audience,
      clockToleranceSeconds: this.tolerance,
      now: this.options.now ?? (() => new Date()),
    });
    return principalFromClaims(payload);
  }
}

function hmac(signingInput: string, secret: string): string {
  return createHmac('sha256', secret).update(signingInput).digest('base64url');
}

function requireSecret(secret: string): void {
  if (typeof secret !== 'string' || secret === '') throw new Error('HS256 needs a non-empty secret');
}
