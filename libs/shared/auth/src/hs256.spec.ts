import { AuthenticationError, Hs256Verifier, mintLocalToken, signHs256 } from './index';

const secret = 'test-secret-of-a-reasonable-length-000';
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const claims = { sub: 'alice', erbm_role: 'editor', erbm_domain: 'exemple', erbm_org: 'DDTM 62', exp: nowSeconds + 600 };

function verifier(options: Partial<ConstructorParameters<typeof Hs256Verifier>[0]> = {}): Hs256Verifier {
  return new Hs256Verifier({ secret, now: () => now, ...options });
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function reasonFor(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => new Error('expected an AuthenticationError'),
    (e: unknown) => e,
  );
  if (error instanceof AuthenticationError) return error.reason;
  throw error;
}

describe('HS256 tokens', () => {
  it('round-trips the principal', async () => {
    await expect(verifier().verify(signHs256(claims, secret))).resolves.toEqual({
      userId: 'alice',
      role: 'editor',
      domain: 'exemple',
      organisation: 'DDTM 62',
    });
  });

  it('writes a standard compact JWS header', () => {
    const [header] = signHs256(claims, secret).split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = signHs256(claims, secret).split('.');
    const forged = `${header}.${b64({ ...claims, erbm_role: 'admin' })}.${signature}`;
    expect(await reasonFor(verifier().verify(forged))).toBe('invalid signature');
  });

  it('refuses a token signed with another secret', async () => {
    expect(await reasonFor(verifier().verify(signHs256(claims, 'another-secret')))).toBe('invalid signature');
  });

  it('refuses alg none, even with the signature left out', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(await reasonFor(verifier().verify(unsigned))).toMatch(/unsupported alg "none"/);
  });

  it('refuses an RS256 token even when its signature is an HMAC with the secret', async () => {
    // The classic confusion attack: an HMAC keyed with what the verifier holds, under an asymmetric alg.
    const hs = signHs256(claims, secret).split('.');
    const confused = `${b64({ alg: 'RS256', typ: 'JWT' })}.${hs[1]}.${hs[2]}`;
    expect(await reasonFor(verifier().verify(confused))).toMatch(/unsupported alg "RS256"/);
  });

  it.each([
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['non-base64url characters', 'ab+c.de/f.ghi'],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.${b64(claims)}.sig`],
    ['an empty token', ''],
  ])('refuses a malformed token: %s', async (_, token) => {
    expect(await reasonFor(verifier().verify(token))).toMatch(/malformed|missing/);
  });

  it('requires exp', async () => {
    const { exp: _, ...withoutExp } = claims;
    expect(await reasonFor(verifier().verify(signHs256(withoutExp, secret)))).toMatch(/exp/);
  });

  it('refuses an expired token, within the clock tolerance only', async () => {
    const token = signHs256({ ...claims, exp: nowSeconds - 10 }, secret);
    await expect(verifier().verify(token)).resolves.toMatchObject({ userId: 'alice' });
    expect(await reasonFor(verifier({ clockToleranceSeconds: 0 }).verify(token))).toBe('token expired');
    const longExpired = signHs256({ ...claims, exp: nowSeconds - 31 }, secret);
    expect(await reasonFor(verifier().verify(longExpired))).toBe('token expired');
  });

  it('refuses a token whose nbf or iat is beyond the tolerance in the future', async () => {
    expect(await reasonFor(verifier().verify(signHs256({ ...claims, nbf: nowSeconds + 60 }, secret)))).toMatch(/nbf/);
    expect(await reasonFor(verifier().verify(signHs256({ ...claims, iat: nowSeconds + 60 }, secret)))).toMatch(/iat/);
    await expect(verifier().verify(signHs256({ ...claims, nbf: nowSeconds + 20, iat: nowSeconds + 20 }, secret))).resolves.toBeDefined();
  });

  it('checks the issuer when one is configured', async () => {
    const strict = verifier({ issuer: 'erbm-local' });
    await expect(strict.verify(signHs256({ ...claims, iss: 'erbm-local' }, secret))).resolves.toBeDefined();
    expect(await reasonFor(strict.verify(signHs256({ ...claims, iss: 'someone-else' }, secret)))).toMatch(/iss/);
    expect(await reasonFor(strict.verify(signHs256(claims, secret)))).toMatch(/iss/);
  });

  it('checks the audience when one is configured, as a string or in an array', async () => {
    const strict = verifier({ audience: 'erbm-api' });
    await expect(strict.verify(signHs256({ ...claims, aud: 'erbm-api' }, secret))).resolves.toBeDefined();
    await expect(strict.verify(signHs256({ ...claims, aud: ['other', 'erbm-api'] }, secret))).resolves.toBeDefined();
    expect(await reasonFor(strict.verify(signHs256({ ...claims, aud: 'other-api' }, secret)))).toMatch(/aud/);
    expect(await reasonFor(strict.verify(signHs256({ ...claims, aud: ['other-api'] }, secret)))).toMatch(/aud/);
  });

  it('names the missing erbm claim of a validly signed token', async () => {
    const { erbm_org: _, ...withoutOrg } = claims;
    expect(await reasonFor(verifier().verify(signHs256(withoutOrg, secret)))).toMatch(/erbm_org/);
  });

  it('refuses an editor without a domain', async () => {
    const { erbm_domain: _, ...withoutDomain } = claims;
    expect(await reasonFor(verifier().verify(signHs256(withoutDomain, secret)))).toMatch(/erbm_domain/);
  });

  it('refuses a partner without its party and a sous-préfecture without its arrondissement, naming the claim', async () => {
    const partner = { ...claims, erbm_role: 'partner' };
    expect(await reasonFor(verifier().verify(signHs256(partner, secret)))).toMatch(/erbm_party/);
    const sousPrefecture = { ...claims, erbm_role: 'sous-prefecture' };
    expect(await reasonFor(verifier().verify(signHs256(sousPrefecture, secret)))).toMatch(/erbm_arrondissement/);
  });

  it('refuses to be built without a secret', () => {
    expect(() => new Hs256Verifier({ secret: '' })).toThrow(/secret/);
  });
});

describe('mintLocalToken', () => {
  it('mints a token the HS256 verifier accepts, valid for ttlSeconds', async () => {
    const token = mintLocalToken({ secret, userId: 'bob', role: 'sgar', organisation: 'SGAR HdF', party: 'etat', ttlSeconds: 60, issuer: 'erbm-local', now });
    await expect(verifier({ issuer: 'erbm-local' }).verify(token)).resolves.toEqual({
      userId: 'bob',
      role: 'sgar',
      organisation: 'SGAR HdF',
      party: 'etat',
    });
    const later = new Date(now.getTime() + 91_000);
    expect(await reasonFor(verifier({ now: () => later }).verify(token))).toBe('token expired');
  });

  it('refuses to mint an editor token without a domain', () => {
    expect(() => mintLocalToken({ secret, userId: 'alice', role: 'editor', organisation: 'DDTM 62' })).toThrow(/erbm_domain/);
  });

  it('mints a sous-préfecture with its arrondissement, and refuses a partner without its party', async () => {
    const token = mintLocalToken({ secret, userId: 'sam', role: 'sous-prefecture', organisation: 'Sous-préfecture de Lens', arrondissement: '625', now });
    await expect(verifier().verify(token)).resolves.toMatchObject({ role: 'sous-prefecture', arrondissement: '625' });
    expect(() => mintLocalToken({ secret, userId: 'rita', role: 'partner', organisation: 'Région HdF' })).toThrow(/erbm_party/);
  });
});
