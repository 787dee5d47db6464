import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOVERNANCE_BODY_KINDS, loadReferentials } from './referentials';
import { loadTerritorySource } from './territory';
import { placeOf } from './place';
import { parseCsv, parseCsvRecords } from './csv';

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

  it('holds every commune of Nord and Pas-de-Calais that the package lists, each in an arrondissement and an EPCI of its own lists', () => {
    const source = loadTerritorySource();
    const count = (d: string) => source.communes.filter((c) => c.departement === d).length;
    expect(count('59')).toBeGreaterThan(600);
    expect(count('62')).toBeGreaterThan(800);
    expect(ref.communes.validOn('2020-01-01').filter((c) => c.departement === '59')).toHaveLength(count('59'));
    expect(ref.communes.validOn('2020-01-01').filter((c) => c.departement === '62')).toHaveLength(count('62'));
    // As version 6.0.0 of the package says (COG and DGCL 2026): a new version may change the counts.
    expect(source.version).toBe('6.0.0');
    expect([count('59'), count('62')]).toEqual([647, 887]);
    for (const c of ref.communes.all) {
      expect(ref.arrondissements.at(c.arrondissement, '2020-01-01')?.departement).toBe(c.departement);
      expect(ref.epcis.at(c.epci, '2020-01-01')?.members).toContain(c.insee);
      expect(c.insee.slice(0, 2)).toBe(c.departement);
    }
    expect(
      ref.arrondissements
        .validOn('2020-01-01')
        .map((a) => a.code)
        .sort(),
    ).toEqual(['591', '592', '593', '594', '595', '596', '621', '622', '623', '624', '625', '626', '627']);
    expect(ref.departements.validOn('2020-01-01').map((d) => `${d.code} ${d.name}`)).toEqual(['59 Nord', '62 Pas-de-Calais']);
    expect(ref.communes.at('62498', '2016-12-31')).toBeUndefined();
  });

  it('knows Lens, Valenciennes and their intercommunalités', () => {
    expect(ref.communes.at('62498', '2020-01-01')).toMatchObject({ name: 'Lens', arrondissement: '627', epci: '246200364', epciParty: 'ca_lens_lievin' });
    expect(ref.arrondissements.at('627', '2020-01-01')).toMatchObject({ name: 'Lens', erbm: true });
    expect(ref.arrondissements.at('625', '2020-01-01')).toMatchObject({ name: 'Saint-Omer', erbm: false });
    expect(ref.communes.at('59606', '2020-01-01')).toMatchObject({ name: 'Valenciennes', arrondissement: '596', epci: '245901160' });
    expect(ref.epcis.at('246200364', '2020-01-01')).toMatchObject({ name: 'CA de Lens - Liévin', kind: 'CA', departement: '62', party: 'ca_lens_lievin' });
    expect(ref.epcis.at('246200364', '2020-01-01')?.members).toEqual(expect.arrayContaining(['62498', '62510']));
    // Flandre Lys straddles the two départements.
    expect(ref.epcis.at('245900758', '2020-01-01')?.departements).toEqual(['59', '62']);
    expect(
      ref.arrondissements
        .validOn('2020-01-01')
        .filter((a) => a.erbm)
        .map((a) => a.code)
        .sort(),
    ).toEqual(['593', '596', '622', '627']);
  });

  it('ties each of the 24 contrats de ville to an EPCI of today, through its successor when the EPCI merged', () => {
    expect(ref.contratsDeVille.all).toHaveLength(24);
    for (const c of ref.contratsDeVille.all) expect(ref.epcis.has(c.epci)).toBe(true);
    expect(ref.contratsDeVille.at('CV219', '2020-01-01')).toMatchObject({ epci2015: '246200364', epci: '246200364', qpvPopulation: 53545 });
    expect(ref.contratsDeVille.at('CV192', '2020-01-01')).toMatchObject({ epci2015: '245900410', epci: '200093201' });
    expect(ref.contratsDeVille.at('CV221', '2020-01-01')?.epci).toBe('200072460');
    expect(ref.contratsDeVille.at('CV219', '2024-01-01')).toBeUndefined();
  });

  it('holds, for each 2015 EPCI that merged, a successor that contains the commune given as evidence', () => {
    const successors = parseCsvRecords(readFileSync(join(__dirname, '../../../../data/referentials/epci_successors.csv'), 'utf8'));
    expect(successors.length).toBeGreaterThan(0);
    for (const s of successors) {
      expect(ref.epcis.has(s.siren)).toBe(false);
      expect(ref.communes.at(s.evidence_commune, '2024-01-01')?.epci).toBe(s.successor);
    }
  });

  it('draws the ERBM perimeter from the communes of the eight signatory intercommunalités, from the signature on', () => {
    const signatories = ref.parties.validOn('2020-01-01').filter((p) => p.kind === 'epci' && p.signatory);
    const members = signatories.flatMap((p) => ref.epcis.at(p.siren ?? '', '2020-01-01')?.members ?? []);
    expect(new Set(ref.erbmPerimeter.validOn('2020-01-01').map((c) => c.insee))).toEqual(new Set(members));
    expect(members.length).toBe(100 + 36 + 14 + 49 + 35 + 20 + 47 + 35);
    expect(ref.erbmPerimeter.at('62498', '2017-03-07')).toMatchObject({ party: 'ca_lens_lievin', epci: '246200364' });
    expect(ref.erbmPerimeter.at('62498', '2017-03-06')).toBeUndefined();
    // Lille is in the BOP 147 territory, not the ERBM's.
    expect(ref.erbmPerimeter.at('59350', '2020-01-01')).toBeUndefined();
  });

  it('has a comité partenarial for each of the four arrondissements', () => {
    const arr = ref.governanceBodies.all
      .filter((b) => b.kind === 'comite-partenarial')
      .map((b) => b.arrondissement)
      .sort();
    expect(arr).toEqual(['593', '596', '622', '627']);
  });
});

describe('placeOf', () => {
  it('places by commune and derives its EPCI, arrondissement, département and the perimeter', () => {
    expect(placeOf(ref, { communeInsee: '62498' }, '2020-01-01')).toEqual({
      communeInsee: '62498',
      epci: '246200364',
      arrondissement: '627',
      departement: '62',
      erbm: true,
      known: 'commune',
    });
    expect(placeOf(ref, { communeInsee: '59350' }, '2020-01-01')).toMatchObject({ epci: '200093201', arrondissement: '595', erbm: false, known: 'commune' });
    // Before the signature, Lens is placed but outside the perimeter.
    expect(placeOf(ref, { communeInsee: '62498' }, '2017-01-15')).toMatchObject({ erbm: false, known: 'commune' });
  });

  it('finds a commune merged into a commune nouvelle by its former code', () => {
    const [former, current] = [...ref.formerCommunes.entries()].find(([f]) => f.startsWith('62'))!;
    expect(placeOf(ref, { communeInsee: former }, '2020-01-01')).toMatchObject({ communeInsee: current, known: 'commune' });
  });

  it('places by EPCI when no commune is known, deriving what all its communes share', () => {
    expect(placeOf(ref, { epci: '246200364' }, '2020-01-01')).toEqual({
      communeInsee: null,
      epci: '246200364',
      arrondissement: '627',
      departement: '62',
      erbm: true,
      known: 'epci',
    });
    expect(placeOf(ref, { epci: '245900758' }, '2020-01-01')).toMatchObject({ departement: null, erbm: false, known: 'epci' });
    // An unknown commune falls back on the EPCI given beside it.
    expect(placeOf(ref, { communeInsee: '99999', epci: '200093201' }, '2020-01-01')).toMatchObject({ epci: '200093201', known: 'epci', erbm: false });
  });

  it('places by département alone, leaving the perimeter open, and allows an unknown place', () => {
    expect(placeOf(ref, { departement: '59' }, '2020-01-01')).toEqual({
      communeInsee: null,
      epci: null,
      arrondissement: null,
      departement: '59',
      erbm: null,
      known: 'departement',
    });
    const unknown = { communeInsee: null, epci: null, arrondissement: null, departement: null, erbm: null, known: 'unknown' };
    expect(placeOf(ref, {}, '2020-01-01')).toEqual(unknown);
    expect(placeOf(ref, { communeInsee: '75056', departement: '75' }, '2020-01-01')).toEqual(unknown);
    expect(placeOf(ref, { communeInsee: '62498' }, '2010-01-01')).toEqual(unknown);
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
