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
});
