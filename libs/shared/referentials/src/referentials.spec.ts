import { GOVERNANCE_BODY_KINDS, loadReferentials } from './referentials';
import { parseCsv } from './csv';

const ref = loadReferentials();

describe('referentials kept in the repository', () => {
  it('has the 12 ERBM parties as signatories, and the other actors as non-signatories', () => {
    const signatories = ref.parties.validOn('2020-01-01').filter((p) => p.signatory);
    expect(signatories).toHaveLength(12);
    expect(signatories.filter((p) => p.kind === 'epci')).toHaveLength(8);
    expect(ref.parties.at('maisons_et_cites', '2020-01-01')).toMatchObject({ kind: 'social-landlord', signatory: false });
  });

  it('joins a fact to the version valid at its date', () => {
    expect(ref.governanceBodies.at('comite-quadripartite', '2021-06-01')).toBeUndefined();
    expect(ref.governanceBodies.at('comite-quadripartite', '2022-06-01')?.kind).toBe('comite-quadripartite');
    expect(ref.governanceBodies.has('comite-quadripartite')).toBe(true);
    expect(ref.fundingLines.at('etat-p364', '2024-01-01')).toBeUndefined();
    expect(ref.fundingLines.at('etat-p364', '2023-12-31')?.programme).toBe('364');
  });

  it('gives each State funding line its LOLF programme title and BOP', () => {
    expect(ref.fundingLines.at('etat-p135', '2023-01-01')).toMatchObject({
      programme: '135',
      bop: '0135-R32',
      programmeTitle: expect.stringMatching(/^Urbanisme, territoires et amélioration de l’/),
      envelopeCents: 11_700_000_000,
    });
    const kinds = new Set(ref.fundingLines.all.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['departement', 'epci', 'eu-fund', 'joint-fund', 'landlord-own-funds', 'loan', 'region', 'state-programme']);
  });

  it('places each commune in one of the four arrondissements and an existing EPCI', () => {
    for (const c of ref.communes.all) {
      expect(ref.arrondissements.at(c.arrondissement, '2020-01-01')?.erbm).toBe(true);
      expect(ref.parties.at(c.epci, '2020-01-01')?.kind).toBe('epci');
      expect(c.insee.slice(0, 2)).toBe(c.departement);
    }
    expect(ref.communes.at('62498', '2020-01-01')).toMatchObject({ name: 'Lens', arrondissement: '625' });
  });

  it('has a comité partenarial for each of the four arrondissements', () => {
    const arr = ref.governanceBodies.all
      .filter((b) => b.kind === 'comite-partenarial')
      .map((b) => b.arrondissement)
      .sort();
    expect(arr).toEqual(['593', '596', '622', '625']);
  });
});

describe('CSV', () => {
  it('reads quotes, doubled quotes, separators and newlines in fields, CRLF and a BOM', () => {
    expect(parseCsv('\ufeffa,"b,""c""\nd"\r\n1,2\n')).toEqual([
      ['a', 'b,"c"\nd'],
      ['1', '2'],
    ]);
  });

  it('has the bodies beyond the ERBM that decide money, each of a known kind, valid from its source date', () => {
    expect(ref.governanceBodies.all.filter((b) => !(GOVERNANCE_BODY_KINDS as readonly string[]).includes(b.kind))).toEqual([]);
    expect(ref.governanceBodies.at('comite-strategique-politique-ville', '2022-01-01')?.kind).toBe('comite-strategique');
    expect(ref.governanceBodies.at('comite-technique-ddets-59', '2021-03-31')).toBeUndefined();
    expect(ref.governanceBodies.at('comite-technique-ddets-62', '2021-04-01')).toMatchObject({ kind: 'comite-technique', departement: '62' });
    expect(ref.governanceBodies.at('fdva-commission-regionale', '2019-01-01')?.kind).toBe('commission-fdva');
    expect(ref.governanceBodies.at('jury-ami-micro-folies-2023', '2023-06-01')?.kind).toBe('jury');
    expect(ref.governanceBodies.at('jury-ami-micro-folies-2023', '2024-01-01')).toBeUndefined();
  });
});
