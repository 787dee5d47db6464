import { AuthenticationError, principalFromClaims } from './index';

const editorClaims = { sub: 'alice', erbm_role: 'editor', erbm_domain: 'exemple', erbm_org: 'DDTM 62', erbm_party: 'etat' };

function reasonFor(claims: Record<string, unknown>): string {
  try {
    principalFromClaims(claims);
  } catch (error) {
    if (error instanceof AuthenticationError) return error.reason;
    throw error;
  }
  throw new Error('expected an AuthenticationError');
}

describe('principalFromClaims', () => {
  it('maps the erbm_* claims', () => {
    expect(principalFromClaims(editorClaims)).toEqual({
      userId: 'alice',
      role: 'editor',
      domain: 'exemple',
      organisation: 'DDTM 62',
      party: 'etat',
    });
  });

  it.each(['sub', 'erbm_role', 'erbm_org', 'erbm_domain'])('names the missing claim %s', (claim) => {
    const claims: Record<string, unknown> = { ...editorClaims };
    delete claims[claim];
    expect(reasonFor(claims)).toContain(claim);
  });

  it.each([
    ['sub', ''],
    ['erbm_role', 'superuser'],
    ['erbm_org', 42],
    ['erbm_domain', 'Transport urbain'],
    ['erbm_party', ''],
  ])('names the invalid claim %s', (claim, value) => {
    expect(reasonFor({ ...editorClaims, [claim]: value })).toContain(claim);
  });

  it('ignores the domain of a role that is not tied to one', () => {
    const principal = principalFromClaims({ sub: 'sam', erbm_role: 'sgar', erbm_domain: 'nonsense', erbm_org: 'SGAR HdF' });
    expect(principal).toEqual({ userId: 'sam', role: 'sgar', organisation: 'SGAR HdF' });
    expect(principal).not.toHaveProperty('domain');
  });

  it('requires the party of a partner, and keeps it', () => {
    const claims = { sub: 'rita', erbm_role: 'partner', erbm_org: 'Région HdF' };
    expect(reasonFor(claims)).toContain('erbm_party');
    expect(principalFromClaims({ ...claims, erbm_party: 'region_hdf' })).toEqual({
      userId: 'rita',
      role: 'partner',
      organisation: 'Région HdF',
      party: 'region_hdf',
    });
  });

  it('requires the arrondissement of a sous-préfecture, as an INSEE code', () => {
    const claims = { sub: 'sam', erbm_role: 'sous-prefecture', erbm_org: 'Sous-préfecture de Lens' };
    expect(reasonFor(claims)).toContain('erbm_arrondissement');
    expect(reasonFor({ ...claims, erbm_arrondissement: 'Lens' })).toContain('erbm_arrondissement');
    expect(principalFromClaims({ ...claims, erbm_arrondissement: '625' })).toEqual({
      userId: 'sam',
      role: 'sous-prefecture',
      organisation: 'Sous-préfecture de Lens',
      arrondissement: '625',
    });
  });

  it('ignores the arrondissement of another role', () => {
    expect(principalFromClaims({ sub: 'sam', erbm_role: 'sgar', erbm_org: 'SGAR', erbm_arrondissement: '625' })).not.toHaveProperty('arrondissement');
  });
});
