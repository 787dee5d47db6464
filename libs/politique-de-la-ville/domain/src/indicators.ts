import type { IndicatorDefinition } from '@erbm/shared/kernel';

/**
 * What this domain measures, as the SGAR and the comités read it: each indicator with its definition in French, its
 * unit and the programme's target (null: the ERBM sets none for politique de la ville). Each is counted per fiscal
 * year from the State's commitments on programme 147 (what was committed net of releases in that year), by the
 * register projection of the domain; `/politique-de-la-ville/indicators?year=` gives any year, the SGAR's views the
 * latest year with funding.
 */
const INDICATORS = {
  'postes-adultes-relais': {
    label: 'Postes adultes-relais financés',
    unit: 'postes',
    definition:
      "Postes adultes-relais distincts (identifiant du poste sans la version de sa convention) ayant sur l'exercice un engagement de l'État au programme 147 dont le montant engagé net (engagé moins dégagé, dans l'année où l'argent a bougé) est positif ; comptés dans l'arrondissement de leur contrat de ville.",
    target: null,
  },
  'postes-fonjep': {
    label: 'Postes FONJEP financés',
    unit: 'postes',
    definition:
      "Postes FONJEP distincts ayant sur l'exercice un engagement de l'État au programme 147 dont le montant engagé net est positif ; comptés dans l'arrondissement de leur contrat de ville.",
    target: null,
  },
  'etp-finances': {
    label: 'Équivalents temps plein financés',
    unit: 'ETP',
    definition:
      "Somme, sur les postes adultes-relais et FONJEP, du montant engagé net de l'exercice divisé par le forfait annuel d'un poste à temps plein de cette année (adulte-relais : 19 875,06 € en 2020 … 22 555,73 € en 2023 ; FONJEP : 7 164 €) ; arrondi au centième.",
    target: null,
  },
  'structures-financees': {
    label: 'Associations et structures financées',
    unit: 'structures',
    definition:
      "Bénéficiaires distincts (employeurs des postes, porteurs des actions) d'au moins un engagement du domaine au montant engagé net positif sur l'exercice ; une structure financée dans deux arrondissements compte dans chacun.",
    target: null,
  },
} satisfies Record<string, Omit<IndicatorDefinition, 'code'>>;

export type IndicatorCode = keyof typeof INDICATORS;

export const INDICATOR_CODES = Object.keys(INDICATORS) as IndicatorCode[];
export const INDICATOR_DEFINITIONS: readonly IndicatorDefinition[] = INDICATOR_CODES.map((code) => ({ code, ...INDICATORS[code] }));

/** The ratio the SGAR reads by contrat de ville, never summed across them (so not an indicator of the arrondissement totals). */
export const EUROS_PER_QPV_INHABITANT: IndicatorDefinition = {
  code: 'euros-par-habitant-qpv',
  label: 'Euros engagés par habitant des quartiers prioritaires',
  unit: '€ / habitant',
  definition:
    "Par contrat de ville et par exercice : montant engagé net par l'État au programme 147 sur les opérations du contrat de ville, divisé par la population de ses quartiers prioritaires (recensement retenu par l'ANCT pour la géographie 2015, fichier contrats_de_ville_59_62.csv) ; arrondi au centime.",
  target: null,
};
