import type { PolitiqueDeLaVilleOperationKind } from '@erbm/politique-de-la-ville/contracts';

/**
 * The dispositifs of programme 147 the SGAR pilots, as a versioned referential: each entry is valid from a date (and
 * until one, when it ended), and says which kind of operation it funds. A new version of the list is a new entry or an
 * end date here, never an edit of a past one: operations recorded under a code keep meaning what they meant.
 */
export interface Dispositif {
  code: string;
  label: string;
  kind: PolitiqueDeLaVilleOperationKind;
  validFrom: string;
  validTo?: string;
  /** Where the rule comes from. */
  source: string;
}

export const DISPOSITIFS_VERSION = '2026-12-01';

export const DISPOSITIFS: readonly Dispositif[] = [
  {
    code: 'adultes-relais',
    label: 'Adultes-relais (postes et plan de professionnalisation)',
    kind: 'poste-adulte-relais',
    validFrom: '2000-01-01',
    source: 'Code du travail, art. L5134-100 et suivants ; convention annuelle État – employeur, aide forfaitaire par poste',
  },
  {
    code: 'postes-fonjep',
    label: 'Postes FONJEP politique de la ville',
    kind: 'poste-fonjep',
    validFrom: '2000-01-01',
    source: 'Fonds de coopération de la jeunesse et de l’éducation populaire : unité de compte annuelle par poste',
  },
  {
    code: 'actions-contrats-de-ville',
    label: 'Subventions d’actions des contrats de ville',
    kind: 'action',
    validFrom: '2015-01-01',
    source: 'Loi 2014-173 du 21 février 2014 de programmation pour la ville et la cohésion urbaine',
  },
  { code: 'cordees-de-la-reussite', label: 'Cordées de la réussite', kind: 'action', validFrom: '2020-09-01', source: 'Circulaire du 15 octobre 2020' },
  {
    code: 'ecoles-deuxieme-chance',
    label: 'Écoles de la deuxième chance',
    kind: 'action',
    validFrom: '2000-01-01',
    source: 'Code de l’éducation, art. L214-14',
  },
  {
    code: 'marrainage-parrainage',
    label: 'Marrainage et parrainage',
    kind: 'action',
    validFrom: '2019-01-01',
    source: 'Plan « 1 jeune, 1 mentor » et parrainage vers l’emploi',
  },
  {
    code: 'c-est-mon-patrimoine',
    label: '« C’est mon patrimoine »',
    kind: 'action',
    validFrom: '2005-01-01',
    source: 'Opération du ministère de la culture et de l’ANCT, chaque été',
  },
];

/** The dispositif of that code in force on that date, or undefined. */
export function dispositifAt(code: string, date: string): Dispositif | undefined {
  return DISPOSITIFS.find((d) => d.code === code && d.validFrom <= date && (d.validTo === undefined || date <= d.validTo));
}

/** The dispositifs in force on a date. */
export const dispositifsAt = (date: string): Dispositif[] => DISPOSITIFS.filter((d) => d.validFrom <= date && (d.validTo === undefined || date <= d.validTo));

/**
 * The yearly flat rate of one full-time post, in cents, by kind and year, as the ANCT's Ci.Ville data pays it (every row
 * of `p147_adulte_relais_59_62_2020_2023.csv` of a year holds that year's amount; FONJEP's unit of 7,164 € is the amount
 * of its full posts in `p147_postes_fonjep_59_62_2020_2023.csv`, half posts holding half of it). A year not listed has
 * no known rate: nothing is checked then.
 */
export const FLAT_RATES_CENTS: Readonly<Record<'poste-adulte-relais' | 'poste-fonjep', Readonly<Record<number, number>>>> = {
  'poste-adulte-relais': { 2020: 1_987_506, 2021: 2_007_182, 2022: 2_125_400, 2023: 2_255_573 },
  'poste-fonjep': { 2020: 716_400, 2021: 716_400, 2022: 716_400, 2023: 716_400 },
};

export function flatRateCents(kind: PolitiqueDeLaVilleOperationKind, year: number): number | undefined {
  return kind === 'action' ? undefined : FLAT_RATES_CENTS[kind][year];
}
