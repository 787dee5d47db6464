import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvRecords } from './csv';

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
  epci: string;
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
  fundingLines: VersionedList<FundingLine>;
  governanceBodies: VersionedList<GovernanceBody>;
}

export type { VersionedList };

/**
 * Loads the referentials kept in the repository (`data/referentials`): data from public sources, beside the code
 * rather than in a library, since its rows carry real names (programme titles, budget lines, landlords) that no code
 * may depend on.
 */
export function loadReferentials(dataDir = join(__dirname, '..', '..', '..', '..', 'data', 'referentials')): Referentials {
  const read = (file: string) => parseCsvRecords(readFileSync(join(dataDir, file), 'utf8'));
  const programmes = new Map(read('lolf_programmes.csv').map((r) => [r.code_programme, r.titre_programme]));
  return {
    parties: new VersionedList(
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
    ),
    departements: new VersionedList(
      read('departements.csv').map((r) => ({ code: r.code, name: r.name, ...validity(r) })),
      (d) => d.code,
    ),
    arrondissements: new VersionedList(
      read('arrondissements.csv').map((r) => ({ code: r.code, name: r.name, departement: r.departement, erbm: r.erbm === 'true', ...validity(r) })),
      (a) => a.code,
    ),
    communes: new VersionedList(
      read('communes.csv').map((r) => ({
        insee: r.insee,
        name: r.name,
        departement: r.departement,
        arrondissement: r.arrondissement,
        epci: r.epci,
        ...validity(r),
      })),
      (c) => c.insee,
    ),
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
