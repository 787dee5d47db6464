import { constants, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { AuthenticationError } from './errors';
import { checkRegisteredClaims, clockTolerance, decodeJws } from './jws';
import { principalFromClaims, type Principal } from './principal';
import type { TokenVerifier } from './token-verifier';

export interface OidcJwksVerifierOptions {
  issuer: string;
  audience?: string;
  /** Skips discovery. */
  jwksUri?: string;
  clockToleranceSeconds?: number;
  now?: () => Date;
  fetchFn?: typeof fetch;
}

const ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

interface VerificationKey {
  kid?: string;
  alg?: string;
  key: KeyObject;
}

// A token signed with a just-rotated key triggers one JWKS refetch; a flood of unknown kids must not turn the
// verifier into a load generator against the identity provider.
const REFETCH_COOLDOWN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;
// RFC 7518 §3.3.
const MIN_RSA_BITS = 2048;

/** Tokens from an OpenID Connect provider, checked against the public keys it publishes (JWKS). */
export class OidcJwksVerifier implements TokenVerifier {
  private readonly tolerance: number;
  private readonly now: () => Date;
  private readonly fetchFn: typeof fetch;
  private jwksUri: string | undefined;
  private keys: VerificationKey[] | undefined;
  private lastFetchMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<VerificationKey[]> | undefined;

  constructor(private readonly options: OidcJwksVerifierOptions) {
    if (!URL.canParse(options.issuer)) throw new Error(`OIDC issuer must be a URL, got "${options.issuer}"`);
    this.tolerance = clockTolerance(options.clockToleranceSeconds);
    this.now = options.now ?? (() => new Date());
    this.fetchFn = options.fetchFn ?? fetch;
    this.jwksUri = options.jwksUri;
  }

  async verify(token: string): Promise<Principal> {
    const { header, payload, signingInput, encodedSignature } = decodeJws(token);
    const alg = header.alg;
    if (!isAlgorithm(alg)) throw new AuthenticationError(`unsupported alg "${alg}": expected one of ${ALGORITHMS.join(', ')}`);
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;

    const key = await this.keyFor(kid, alg);
    if (!signatureValid(alg, key, signingInput, Buffer.from(encodedSignature, 'base64url'))) {
      throw new AuthenticationError('invalid signature');
    }
    checkRegisteredClaims(payload, {
      issuer: this.options.issuer,
      audience: this.options.audience,
      clockToleranceSeconds: this.tolerance,
      now: this.now,
    });
    return principalFromClaims(payload);
  }

  private async keyFor(kid: string | undefined, alg: Algorithm): Promise<KeyObject> {
    const cached = this.keys ?? (await this.fetchKeys());
    const found = selectKey(cached, kid, alg);
    if (found) return found;
    // A fetch already under way costs nothing to join and may be the one bringing the new key.
    if (this.inFlight || this.now().getTime() - this.lastFetchMs >= REFETCH_COOLDOWN_MS) {
      const refetched = selectKey(await this.fetchKeys(), kid, alg);
      if (refetched) return refetched;
    }
    throw new AuthenticationError(kid === undefined ? `no single ${alg} key in the JWKS for a token without kid` : `unknown kid "${kid}"`);
  }

  // Concurrent verifications share one request; a failure keeps the keys already known.
  private fetchKeys(): Promise<VerificationKey[]> {
    this.inFlight ??= this.loadKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async loadKeys(): Promise<VerificationKey[]> {
    this.lastFetchMs = this.now().getTime();
    if (this.jwksUri === undefined) {
      const discoveryUrl = `${this.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const discovery = await this.getJson(discoveryUrl, 'OIDC discovery document');
      const jwksUri = discovery['jwks_uri'];
      if (typeof jwksUri !== 'string') throw new AuthenticationError(`OIDC discovery document at ${discoveryUrl} has no jwks_uri`);
      this.jwksUri = jwksUri;
    }
    const jwks = await this.getJson(this.jwksUri, 'JWKS');
    if (!Array.isArray(jwks['keys'])) throw new AuthenticationError(`JWKS at ${this.jwksUri} has no keys array`);
    this.keys = jwks['keys'].flatMap(importKey);
    return this.keys;
  }

  private async getJson(url: string, what: string): Promise<Record<string, unknown>> {
    let body: unknown;
    try {
      const response = await this.fetchFn(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      throw new AuthenticationError(`cannot fetch ${what} from ${url}: ${networkReason(error)}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AuthenticationError(`${what} at ${url} is not a JSON object`);
    }
    return body as Record<string, unknown>;
  }
}

function isAlgorithm(alg: string): alg is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(alg);
}

// A key that cannot be used for signatures is skipped rather than failing the whole set: providers publish
// encryption keys and key types this verifier does not support next to the signing keys.
function importKey(jwk: unknown): VerificationKey[] {
  if (typeof jwk !== 'object' || jwk === null) return [];
  const { kid, alg, use, key_ops: keyOps } = jwk as Record<string, unknown>;
  if (use !== undefined && use !== 'sig') return [];
  if (Array.isArray(keyOps) && !keyOps.includes('verify')) return [];
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    return [{ kid: typeof kid === 'string' ? kid : undefined, alg: typeof alg === 'string' ? alg : undefined, key }];
  } catch {
    return [];
  }
}

function selectKey(keys: VerificationKey[], kid: string | undefined, alg: Algorithm): KeyObject | undefined {
  const suitable = keys.filter((k) => (k.alg === undefined || k.alg === alg) && keyFitsAlgorithm(k.key, alg));
  if (kid !== undefined) return suitable.find((k) => k.kid === kid)?.key;
  return suitable.length === 1 ? suitable[0]?.key : undefined;
}

function keyFitsAlgorithm(key: KeyObject, alg: Algorithm): boolean {
  const details = key.asymmetricKeyDetails ?? {};
  if (alg === 'ES256') return key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1';
  return key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS;
}

function signatureValid(alg: Algorithm, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const data = Buffer.from(signingInput);
  try {
    switch (alg) {
      case 'RS256':
        return verify('sha256', data, key, signature);
      case 'PS256':
        return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
      case 'ES256':
        // JWS carries ECDSA signatures as raw r||s, not DER.
        return signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
  } catch {
    return false;
  }
}

function networkReason(error: unknown): string {
  // Duck-typed: the Error class of fetch's realm is not always this module's (Jest, vm contexts).
  const { message, cause } = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; cause?: unknown };
  if (typeof message !== 'string') return String(error);
  // fetch hides the network reason (ECONNREFUSED, ENOTFOUND…) in its cause.
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  return code ? `${message} (${code})` : message;
}
