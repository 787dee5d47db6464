import type { Principal } from '@erbm/shared/auth';
import { NotFound } from '@erbm/shared/kernel';
import { ProblemException } from '../problem-details';
import { isAllowed } from './auth';
import { WHOLE_PROGRAMME_SCOPE, admits, isWholeProgramme, readScopeOf, refuseNarrowerReader, requireInScope } from './read-scope';

const who = (role: Principal['role'], extra: Partial<Principal> = {}): Principal => ({ userId: 'u', role, organisation: 'o', ...extra });
const partner = who('partner', { party: 'region_hdf' });
const sousPrefecture = who('sous-prefecture', { arrondissement: '625' });

describe('isAllowed', () => {
  it.each([
    ['partner', partner],
    ['sous-prefecture', sousPrefecture],
  ])('a %s reads every domain, the SGAR views, the trail and the referentials, and writes nothing', (_, principal) => {
    for (const domain of ['habitat', 'emploi', 'sgar', 'audit', '*']) {
      expect([domain, isAllowed(principal, 'read', domain)]).toEqual([domain, true]);
      expect([domain, isAllowed(principal, 'write', domain)]).toEqual([domain, false]);
    }
  });

  it('keeps the other roles as they were', () => {
    expect(isAllowed(who('editor', { domain: 'habitat' }), 'read', 'sgar')).toBe(false);
    expect(isAllowed(who('editor', { domain: 'habitat' }), 'write', 'habitat')).toBe(true);
    expect(isAllowed(who('editor', { domain: 'habitat' }), 'read', 'emploi')).toBe(false);
    expect(isAllowed(who('sgar'), 'write', 'habitat')).toBe(false);
    expect(isAllowed(who('auditor'), 'write', 'audit')).toBe(false);
    expect(isAllowed(who('admin'), 'write', 'audit')).toBe(true);
  });
});

describe('readScopeOf', () => {
  it('narrows a partner to its party and a sous-préfecture to its arrondissement; the others read the whole programme', () => {
    expect(readScopeOf(partner)).toEqual({ financer: 'region_hdf' });
    expect(readScopeOf(sousPrefecture)).toEqual({ arrondissement: '625' });
    for (const role of ['admin', 'sgar', 'auditor'] as const) expect(isWholeProgramme(readScopeOf(who(role, { party: 'etat' })))).toBe(true);
    expect(isWholeProgramme(readScopeOf(who('editor', { domain: 'habitat', party: 'etat' })))).toBe(true);
  });
});

describe('admits', () => {
  it('admits what has the scope’s value on every axis it narrows, and what is unknown there is outside', () => {
    expect(admits({ financer: 'x' }, { financer: 'x', arrondissement: '593' })).toBe(true);
    expect(admits({ financer: 'x' }, { financer: 'y' })).toBe(false);
    expect(admits({ arrondissement: '625' }, { arrondissement: null })).toBe(false);
    expect(admits({ arrondissement: '625' }, {})).toBe(false);
    expect(admits(WHOLE_PROGRAMME_SCOPE, { financer: 'anyone' })).toBe(true);
  });

  it('answers outside the scope as not found, of the kind and id asked', () => {
    expect(() => requireInScope({ financer: 'x' }, { financer: 'y' }, 'commitment', 'c-1')).toThrow(new NotFound('commitment', 'c-1'));
    expect(() => requireInScope({ financer: 'x' }, { financer: 'x' }, 'commitment', 'c-1')).not.toThrow();
  });
});

describe('whole-programme views', () => {
  it('refuse a scoped reader unless the view narrows by its axis', () => {
    expect(() => refuseNarrowerReader(partner, { narrowable: [] })).toThrow(ProblemException);
    expect(() => refuseNarrowerReader(partner, { narrowable: ['arrondissement'] })).toThrow(ProblemException);
    expect(() => refuseNarrowerReader(sousPrefecture, { narrowable: ['arrondissement'] })).not.toThrow();
    expect(() => refuseNarrowerReader(who('sgar'), { narrowable: [] })).not.toThrow();
  });
});
