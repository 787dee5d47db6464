import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvRecords } from './csv';
import { TERRITORY_VALID_FROM, type TerritorySource, loadTerritorySource } from './territory';

export interface Validity {
  validFrom: string;
  /** Inclusive; null while still valid. */
  validTo: string | null;
}

export type PartyKind = 'state' | 'region' | 'departement' | 'epci' | 'social-landlord' | 'eu' | 'lender' | 'state-operator';
export interface Party extends Validity {
  id: string;
  name: string;
  kind: PartyKind;
  signatory: boolean;
  departement?: string;
  arrondissement?: string;
  siren?: string;
}

export interface Departement extends Validity {
  code: string;
  name: string;
}

export interface Arrondissement extends Validity {
  code: string;
  name: string;
  departement: string;
  /** One of the four arrondissements that run the ERBM day to day. */
  erbm: boolean;
}

export interface Commune extends Validity {
  insee: string;
  name: string;
  departement: string;
  arrondissement: string;
  /** SIREN of the EPCI it belongs to. */
  epci: string;
  /** Party id of that EPCI when it is one of the parties (the eight signatories). */
  epciParty?: string;
  /** INSEE codes of the communes merged into it (communes nouvelles): a fact may still name one of them. */
  formerCodes: string[];
  population?: number;
}

/** An EPCI à fiscalité propre with at least one member in Nord or Pas-de-Calais. */
export interface Epci extends Validity {
  siren: string;
  name: string;
  /** CA, CC, CU or METRO. */
  kind: string;
  /** The département holding most of its members (an EPCI may straddle two). */
  departement: string;
  departements: string[];
  /** INSEE codes of its member communes in Nord and Pas-de-Calais. */
  members: string[];
  /** Party id when the EPCI is one of the parties. */
  party?: string;
}

/** A contrat de ville of the 2015–2023 generation. */
export interface ContratDeVille extends Validity {
  code: string;
  label: string;
  departement: string;
  /** SIREN of the EPCI that signed it, as the 2015 listing gives it. */
  epci2015: string;
  /** SIREN of that EPCI's successor today (the same when it did not change). */
  epci: string;
  /** Inhabitants of its quartiers prioritaires. */
  qpvPopulation: number;
}

/** A commune of the ERBM perimeter: a member of one of the eight signatory intercommunalités. */
export interface ErbmPerimeterCommune extends Validity {
  insee: string;
  epci: string;
  party: string;
}

export type FundingLineKind = 'state-programme' | 'joint-fund' | 'region' | 'departement' | 'epci' | 'eu-fund' | 'landlord-own-funds' | 'loan';
export interface FundingLine extends Validity {
  id: string;
  label: string;
  kind: FundingLineKind;
  /** Party whose budget it is. */
  owner: string;
  programme?: string;
  programmeTitle?: string;
  bop?: string;
  envelopeCents?: number;
}

export const GOVERNANCE_BODY_KINDS = [
  'copil',
  'comite-partenarial',
  'secretariat-commun',
  'comite-quadripartite',
  'comite-des-financeurs',
  'comite-strategique',
  'comite-technique',
  'commission-fdva',
  'jury',
] as const;
export type GovernanceBodyKind = (typeof GOVERNANCE_BODY_KINDS)[number];
/** How a kind of body reads in French. */
export const GOVERNANCE_BODY_KIND_LABELS: Readonly<Record<GovernanceBodyKind, string>> = {
  copil: 'comité de pilotage',
  'comite-partenarial': 'comité partenarial',
  'secretariat-commun': 'secrétariat commun',
  'comite-quadripartite': 'comité quadripartite',
  'comite-des-financeurs': 'comité des financeurs',
  'comite-strategique': 'comité stratégique',
  'comite-technique': 'comité technique',
  'commission-fdva': 'commission du FDVA',
  jury: "jury d'un appel",
};
export interface GovernanceBody extends Validity {
  id: string;
  name: string;
  kind: GovernanceBodyKind;
  arrondissement?: string;
  /** The département a body sits for ('59', '62'), when it sits for one. */
  departement?: string;
}

const validAt = (v: Validity, date: string) => v.validFrom <= date && (v.validTo === null || date <= v.validTo);
const validity = (r: Record<string, string>): Validity => ({ validFrom: r.valid_from, validTo: r.valid_to || null });
const optional = (s: string) => (s ? s : undefined);

/** A versioned list: several rows may share an id, each valid over its own period. */
class VersionedList<T extends Validity> {
  private readonly byKey = new Map<string, T[]>();
  constructor(
    readonly all: readonly T[],
    key: (t: T) => string,
  ) {
    for (const item of all) this.byKey.set(key(item), [...(this.byKey.get(key(item)) ?? []), item]);
  }
  /** The version valid at `date`, or undefined when the key is unknown or not valid then. */
  at(id: string, date: string): T | undefined {
    return this.byKey.get(id)?.find((v) => validAt(v, date));
  }
  /** Whether the key exists at all, whatever the date: tells "unknown" from "not valid at that date". */
  has(id: string): boolean {
    return this.byKey.has(id);
  }
  validOn(date: string): T[] {
    return this.all.filter((v) => validAt(v, date));
  }
}

export interface Referentials {
  parties: VersionedList<Party>;
  departements: VersionedList<Departement>;
  arrondissements: VersionedList<Arrondissement>;
  communes: VersionedList<Commune>;
  epcis: VersionedList<Epci>;
  contratsDeVille: VersionedList<ContratDeVille>;
  /** Keyed by commune: `erbmPerimeter.at(insee, date)` is the commune's membership at that date, if any. */
  erbmPerimeter: VersionedList<ErbmPerimeterCommune>;
  /** A commune merged into a commune nouvelle, by its former INSEE code: the code of the commune it is part of. */
  formerCommunes: ReadonlyMap<string, string>;
  fundingLines: VersionedList<FundingLine>;
  governanceBodies: VersionedList<GovernanceBody>;
  /** Version of `@etalab/decoupage-administratif` the territory comes from. */
  territoryVersion: string;
}

export type { VersionedList };

/**
 * Loads the referentials kept in the repository (`data/referentials`): data from public sources, beside the code
 * rather than in a library, since its rows carry real names (programme titles, budget lines, landlords) that no code
 * may depend on.
 */
export function loadReferentials(
  dataDir = join(__dirname, '..', '..', '..', '..', 'data', 'referentials'),
  territory: TerritorySource = loadTerritorySource(),
): Referentials {
  const read = (file: string) => parseCsvRecords(readFileSync(join(dataDir, file), 'utf8'));
  const programmes = new Map(read('lolf_programmes.csv').map((r) => [r.code_programme, r.titre_programme]));
  const parties = new VersionedList(
    read('parties.csv').map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind as PartyKind,
      signatory: r.signatory === 'true',
      departement: optional(r.departement),
      arrondissement: optional(r.arrondissement),
      siren: optional(r.siren),
      ...validity(r),
    })),
    (p) => p.id,
  );
  const places = territoryLists(territory, parties.all, read('erbm_arrondissements.csv'));
  return {
    parties,
    ...places,
    contratsDeVille: contratsDeVille(read('contrats_de_ville.csv'), read('epci_successors.csv'), places.epcis),
    territoryVersion: territory.version,
    fundingLines: new VersionedList(
      read('funding_lines.csv').map((r) => {
        if (r.programme && !programmes.has(r.programme))
          throw new Error(`funding_lines.csv: programme ${r.programme} of ${r.id} is not in lolf_programmes.csv`);
        return {
          id: r.id,
          label: r.label,
          kind: r.kind as FundingLineKind,
          owner: r.owner,
          programme: optional(r.programme),
          programmeTitle: r.programme ? programmes.get(r.programme) : undefined,
          bop: optional(r.bop),
          envelopeCents: r.envelope_cents ? Number(r.envelope_cents) : undefined,
          ...validity(r),
        };
      }),
      (f) => f.id,
    ),
    governanceBodies: new VersionedList(
      read('governance_bodies.csv').map((r) => ({
        id: r.id,
        name: r.name,
        kind: r.kind as GovernanceBodyKind,
        arrondissement: optional(r.arrondissement),
        departement: optional(r.departement),
        ...validity(r),
      })),
      (b) => b.id,
    ),
  };
}

const territoryValidity: Validity = { validFrom: TERRITORY_VALID_FROM, validTo: null };

/** The départements, arrondissements, communes and EPCIs of the package, joined to the parties and the ERBM perimeter. */
function territoryLists(territory: TerritorySource, parties: readonly Party[], erbmArrondissements: Record<string, string>[]) {
  const arrondissementCodes = new Set(territory.arrondissements.map((a) => a.code));
  for (const r of erbmArrondissements)
    if (!arrondissementCodes.has(r.code)) throw new Error(`erbm_arrondissements.csv: ${r.code} is not an arrondissement of Nord or Pas-de-Calais`);
  const epciParties = new Map(parties.filter((p) => p.kind === 'epci' && p.siren).map((p) => [p.siren as string, p]));
  const epciOf = new Map<string, string>();
  for (const e of territory.epcis) for (const m of e.members) epciOf.set(m, e.siren);
  const departementOf = new Map(territory.communes.map((c) => [c.insee, c.departement]));
  const epcis: Epci[] = territory.epcis.map((e) => {
    const count = new Map<string, number>();
    for (const m of e.members) count.set(departementOf.get(m) ?? '', (count.get(departementOf.get(m) ?? '') ?? 0) + 1);
    const departements = [...count.keys()].sort();
    const departement = [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
    return { ...e, departement, departements, party: epciParties.get(e.siren)?.id, ...territoryValidity };
  });
  const communes: Commune[] = territory.communes.map((c) => ({
    ...c,
    epci: epciOf.get(c.insee) ?? '',
    epciParty: epciParties.get(epciOf.get(c.insee) ?? '')?.id,
    ...territoryValidity,
  }));
  // The perimeter is the eight signatory intercommunalités' member communes, from the day each signed.
  const perimeter: ErbmPerimeterCommune[] = [];
  for (const p of parties.filter((p) => p.kind === 'epci' && p.signatory)) {
    const epci = epcis.find((e) => e.siren === p.siren);
    if (!epci) throw new Error(`parties.csv: the SIREN ${p.siren ?? '(none)'} of ${p.id} is not an EPCI of Nord or Pas-de-Calais`);
    for (const insee of epci.members)
      perimeter.push({ insee, epci: epci.siren, party: p.id, validFrom: p.validFrom < ERBM_SIGNED ? ERBM_SIGNED : p.validFrom, validTo: p.validTo });
  }
  const formerCommunes = new Map<string, string>();
  for (const c of territory.communes) for (const f of c.formerCodes) formerCommunes.set(f, c.insee);
  return {
    departements: new VersionedList<Departement>(
      territory.departements.map((d) => ({ ...d, ...territoryValidity })),
      (d) => d.code,
    ),
    arrondissements: new VersionedList<Arrondissement>(
      territory.arrondissements.map((a) => ({ ...a, erbm: erbmArrondissements.some((r) => r.code === a.code), ...territoryValidity })),
      (a) => a.code,
    ),
    communes: new VersionedList(communes, (c) => c.insee),
    epcis: new VersionedList(epcis, (e) => e.siren),
    erbmPerimeter: new VersionedList(perimeter, (p) => p.insee),
    formerCommunes,
  };
}

/** The day the ERBM was signed: the perimeter starts then. */
export const ERBM_SIGNED = '2017-03-07';

/** The 2015–2023 generation of contrats de ville, each tied to its EPCI's successor today. */
function contratsDeVille(rows: Record<string, string>[], successors: Record<string, string>[], epcis: VersionedList<Epci>): VersionedList<ContratDeVille> {
  const successor = new Map(successors.map((r) => [r.siren, r.successor]));
  return new VersionedList(
    rows.map((r) => {
      const epci = epcis.has(r.codgeo_epci_siren) ? r.codgeo_epci_siren : successor.get(r.codgeo_epci_siren);
      if (!epci || !epcis.has(epci))
        throw new Error(`contrats_de_ville.csv: the EPCI ${r.codgeo_epci_siren} of ${r.code_cv} is neither an EPCI today nor in epci_successors.csv`);
      return {
        code: r.code_cv,
        label: r.lib_cv,
        departement: r.insee_dep,
        epci2015: r.codgeo_epci_siren,
        epci,
        qpvPopulation: Math.round(Number(r.pop)),
        validFrom: '2015-01-01',
        validTo: '2023-12-31',
      };
    }),
    (c) => c.code,
  );
}
