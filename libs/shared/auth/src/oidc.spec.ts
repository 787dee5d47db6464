import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthenticationError, OidcJwksVerifier } from './index';

type Alg = 'RS256' | 'PS256' | 'ES256';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rotatedRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const jwk = (key: KeyObject, extra: Record<string, unknown>) => ({ ...key.export({ format: 'jwk' }), ...extra });
const rsaJwk = jwk(rsa.publicKey, { kid: 'rsa-1', use: 'sig' });
const ecJwk = jwk(ec.publicKey, { kid: 'ec-1', use: 'sig', alg: 'ES256' });
// Published next to the signing keys by real providers; never to be picked for a signature.
const encryptionJwk = jwk(stranger.publicKey, { kid: 'enc-1', use: 'enc' });

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signToken(alg: Alg, privateKey: KeyObject, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = Buffer.from(`${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`);
  const key =
    alg === 'RS256'
      ? privateKey
      : alg === 'PS256'
        ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
  return `${input.toString()}.${sign('sha256', input, key).toString('base64url')}`;
}

async function reasonFor(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => new Error('expected an AuthenticationError'),
    (e: unknown) => e,
  );
  if (error instanceof AuthenticationError) return error.reason;
  throw error;
}

/** A minimal identity provider: discovery document and JWKS, with counters and switchable answers. */
class FakeProvider {
  keys: unknown[] = [rsaJwk, ecJwk, encryptionJwk];
  failuresLeft = 0;
  discoveryRequests = 0;
  jwksRequests = 0;
  private readonly server: Server;

  private constructor() {
    this.server = createServer((request, response) => {
      if (this.failuresLeft > 0) {
        this.failuresLeft -= 1;
        response.writeHead(503).end();
        return;
      }
      const body =
        request.url === '/realms/erbm/.well-known/openid-configuration'
          ? (this.discoveryRequests++, { issuer: this.issuer, jwks_uri: `${this.base}/realms/erbm/certs` })
          : request.url === '/realms/erbm/certs'
            ? (this.jwksRequests++, { keys: this.keys })
            : undefined;
      if (body === undefined) response.writeHead(404).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  }

  static async start(): Promise<FakeProvider> {
    const provider = new FakeProvider();
    await new Promise<void>((resolve) => provider.server.listen(0, '127.0.0.1', resolve));
    return provider;
  }

  get base(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get issuer(): string {
    return `${this.base}/realms/erbm`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}

describe('OidcJwksVerifier against a local provider', () => {
  let provider: FakeProvider;
  let clock: Date;
  const nowSeconds = () => Math.floor(clock.getTime() / 1000);

  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: provider.issuer,
    aud: 'erbm-api',
    sub: 'alice',
    erbm_role: 'editor',
    erbm_domain: 'exemple',
    erbm_org: 'DREETS HdF',
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...extra,
  });
  const verifier = (options: Partial<ConstructorParameters<typeof OidcJwksVerifier>[0]> = {}) =>
    new OidcJwksVerifier({ issuer: provider.issuer, audience: 'erbm-api', now: () => clock, ...options });

  beforeEach(async () => {
    provider = await FakeProvider.start();
    clock = new Date('2026-03-01T12:00:00Z');
  });

  afterEach(() => provider.stop());

  it('verifies RS256, PS256 and ES256 tokens with keys found through discovery, fetched once', async () => {
    const oidc = verifier();
    const expected = { userId: 'alice', role: 'editor', domain: 'exemple', organisation: 'DREETS HdF' };
    await expect(oidc.verify(signToken('RS256', rsa.privateKey, { kid: 'rsa-1' }, claims()))).resolves.toEqual(expected);
    await expect(oidc.verify(signToken('PS256', rsa.privateKey, { kid: 'rsa-1' }, claims()))).resolves.toEqual(expected);
    await expect(oidc.verify(signToken('ES256', ec.privateKey, { kid: 'ec-1' }, claims()))).resolves.toEqual(expected);
    expect([provider.discoveryRequests, provider.jwksRequests]).toEqual([1, 1]);
  });

  it('shares one fetch between concurrent verifications', async () => {
    const oidc = verifier();
    const token = signToken('RS256', rsa.privateKey, { kid: 'rsa-1' }, claims());
    await Promise.all([oidc.verify(token), oidc.verify(token), oidc.verify(token)]);
    expect(provider.jwksRequests).toBe(1);
  });

  it('uses the only suitable key for a token without kid, skipping encryption keys', async () => {
    await expect(verifier().verify(signToken('RS256', rsa.privateKey, {}, claims()))).resolves.toMatchObject({ userId: 'alice' });
  });

  it('refuses a token without kid when several keys would fit', async () => {
    provider.keys = [rsaJwk, jwk(rotatedRsa.publicKey, { kid: 'rsa-2' })];
    expect(await reasonFor(verifier().verify(signToken('RS256', rsa.privateKey, {}, claims())))).toMatch(/without kid/);
  });

  it('refetches the JWKS for an unknown kid, at most once per 30 s, and picks up a rotated key', async () => {
    const oidc = verifier();
    await oidc.verify(signToken('RS256', rsa.privateKey, { kid: 'rsa-1' }, claims()));
    provider.keys = [jwk(rotatedRsa.publicKey, { kid: 'rsa-2', use: 'sig' })];

    clock = new Date(clock.getTime() + 10_000);
    const rotated = () => signToken('RS256', rotatedRsa.privateKey, { kid: 'rsa-2' }, claims());
    expect(await reasonFor(oidc.verify(rotated()))).toBe('unknown kid "rsa-2"');
    expect(provider.jwksRequests).toBe(1);

    clock = new Date(clock.getTime() + 21_000);
    await expect(oidc.verify(rotated())).resolves.toMatchObject({ userId: 'alice' });
    expect(provider.jwksRequests).toBe(2);

    expect(await reasonFor(oidc.verify(signToken('RS256', stranger.privateKey, { kid: 'nobody' }, claims())))).toBe('unknown kid "nobody"');
    expect(provider.jwksRequests).toBe(2);
    expect(provider.discoveryRequests).toBe(1);
  });

  it('refuses a signature made by another key under a known kid', async () => {
    expect(await reasonFor(verifier().verify(signToken('RS256', stranger.privateKey, { kid: 'rsa-1' }, claims())))).toBe('invalid signature');
    expect(await reasonFor(verifier().verify(signToken('ES256', ec.privateKey, { kid: 'rsa-1' }, claims())))).toMatch(/unknown kid/);
  });

  it('refuses HS256, even keyed with the public key it would look up', async () => {
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })}.${b64(claims())}`;
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(await reasonFor(verifier().verify(token))).toMatch(/unsupported alg "HS256"/);
  });

  it('refuses a token from another issuer, for another audience, or expired', async () => {
    const sign = (extra: Record<string, unknown>) => signToken('RS256', rsa.privateKey, { kid: 'rsa-1' }, claims(extra));
    expect(await reasonFor(verifier().verify(sign({ iss: 'http://127.0.0.1:1/realms/other' })))).toMatch(/iss/);
    expect(await reasonFor(verifier().verify(sign({ aud: 'another-api' })))).toMatch(/aud/);
    expect(await reasonFor(verifier().verify(sign({ exp: nowSeconds() - 60 })))).toBe('token expired');
    expect(await reasonFor(verifier().verify(sign({ erbm_role: undefined })))).toMatch(/erbm_role/);
  });

  it('uses a configured jwksUri without discovery', async () => {
    const oidc = verifier({ jwksUri: `${provider.base}/realms/erbm/certs` });
    await expect(oidc.verify(signToken('ES256', ec.privateKey, { kid: 'ec-1' }, claims()))).resolves.toBeDefined();
    expect(provider.discoveryRequests).toBe(0);
  });

  it('reports a provider error as an AuthenticationError and retries on the next token', async () => {
    const oidc = verifier();
    const token = signToken('RS256', rsa.privateKey, { kid: 'rsa-1' }, claims());
    provider.failuresLeft = 1;
    expect(await reasonFor(oidc.verify(token))).toMatch(/cannot fetch OIDC discovery document .*HTTP 503/);
    await expect(oidc.verify(token)).resolves.toMatchObject({ userId: 'alice' });
  });

  it('reports an unreachable provider as an AuthenticationError', async () => {
    const down = await FakeProvider.start();
    const issuer = down.issuer;
    await down.stop();
    const oidc = new OidcJwksVerifier({ issuer, now: () => clock });
    const token = signToken('RS256', rsa.privateKey, { kid: 'rsa-1' }, claims({ iss: issuer }));
    expect(await reasonFor(oidc.verify(token))).toMatch(/cannot fetch OIDC discovery document from http:\/\/127\.0\.0\.1:\d+\/realms\/erbm.*ECONNREFUSED/);
  });
});
