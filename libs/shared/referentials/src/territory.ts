import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The départements whose territory the referentials hold: Nord and Pas-de-Calais. */
export const TERRITORY_DEPARTEMENTS = ['59', '62'] as const;

/**
 * The date from which the package's geography is taken to hold (ADR 0019): the package gives today's communes and
 * EPCIs, not their history. 2017-01-01 is the date of the EPCI mergers that made the intercommunalités of the ERBM
 * (the programme was signed on 2017-03-07), so a fact of the programme's whole period finds its place.
 */
export const TERRITORY_VALID_FROM = '2017-01-01';

/** The rows of `@etalab/decoupage-administratif` for Nord and Pas-de-Calais, reduced to what the referentials use. */
export interface TerritorySource {
  version: string;
  departements: { code: string; name: string }[];
  arrondissements: { code: string; name: string; departement: string }[];
  communes: { insee: string; name: string; departement: string; arrondissement: string; formerCodes: string[]; population?: number }[];
  epcis: { siren: string; name: string; kind: string; members: string[] }[];
}

interface PackageCommune {
  code: string;
  nom: string;
  type: string;
  departement: string;
  arrondissement?: string;
  anciensCodes?: string[];
  population?: number;
}
interface PackageEpci {
  code: string;
  nom: string;
  type: string;
  membres: { code: string }[];
}

const cache = new Map<string, TerritorySource>();

/** The package's data folder, resolved from this library's place in the repository. */
function packageDataDir(): string {
  return dirname(require.resolve('@etalab/decoupage-administratif/data/communes.json'));
}

/**
 * Reads the package's JSON once per process and keeps only Nord and Pas-de-Calais: the whole of France is parsed
 * (about 12 MB), filtered at once, and let go.
 */
export function loadTerritorySource(dataDir = packageDataDir()): TerritorySource {
  const cached = cache.get(dataDir);
  if (cached) return cached;
  const inTerritory = (departement: string | undefined) => (TERRITORY_DEPARTEMENTS as readonly string[]).includes(departement ?? '');
  const read = <T>(file: string): T[] => JSON.parse(readFileSync(join(dataDir, file), 'utf8')) as T[];
  const version = (JSON.parse(readFileSync(join(dataDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const communes = read<PackageCommune>('communes.json')
    .filter((c) => c.type === 'commune-actuelle' && inTerritory(c.departement))
    .map((c) => ({
      insee: c.code,
      name: c.nom,
      departement: c.departement,
      arrondissement: c.arrondissement ?? '',
      formerCodes: c.anciensCodes ?? [],
      population: c.population,
    }));
  const codes = new Set(communes.map((c) => c.insee));
  const source: TerritorySource = {
    version,
    departements: read<{ code: string; nom: string }>('departements.json')
      .filter((d) => inTerritory(d.code))
      .map((d) => ({ code: d.code, name: d.nom })),
    arrondissements: read<{ code: string; nom: string; departement: string }>('arrondissements.json')
      .filter((a) => inTerritory(a.departement))
      .map((a) => ({ code: a.code, name: a.nom, departement: a.departement })),
    communes,
    epcis: read<PackageEpci>('epci.json')
      .map((e) => ({ siren: e.code, name: e.nom, kind: e.type, members: e.membres.map((m) => m.code).filter((m) => codes.has(m)) }))
      .filter((e) => e.members.length > 0),
  };
  cache.set(dataDir, source);
  return source;
}
