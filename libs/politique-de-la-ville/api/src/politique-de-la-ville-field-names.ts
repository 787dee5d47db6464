import type { FieldNames } from '@erbm/shared/api';

/** The names politique de la ville's own views give what only it has (see FIELD_NAMES for the shared ones). */
export const POLITIQUE_DE_LA_VILLE_FIELD_NAMES: FieldNames = {
  operationCount: { meaning: 'how many operations a list holds', label: "nombre d'opérations" },
  postId: { meaning: "a post's id without its convention version (adulte-relais 06212R0008, FONJEP D01622)", label: 'identifiant du poste' },
  employerName: { meaning: "a post's employer as the source names it", label: "nom de l'employeur" },
  quotite: { meaning: 'share of a full-time post (1, 0.5…)', label: 'quotité' },
  flags: { meaning: 'why an operation is flagged for the team: sans-contrat-de-ville, hors-perimetre-erbm', label: 'signalements' },
  contratDeVilleName: { meaning: "the contrat de ville's label", label: 'nom du contrat de ville' },
  conventions: { meaning: "a post's conventions, each with the act that grants its money and the first year it funds", label: 'conventions' },
  conventionCount: { meaning: 'how many conventions of a post are recorded', label: 'nombre de conventions' },
  conventionId: { meaning: "a post's convention number as the source gives it (its last two digits: its version)", label: 'numéro de convention' },
  flatRateCents: { meaning: "the year's flat rate of a post times its quotité, in cents", label: 'forfait annuel du poste' },
  fundedYears: { meaning: 'fiscal years with money committed net of releases', label: 'exercices financés' },
  dispositifs: { meaning: 'the dispositifs of programme 147 in force on a date, each with the kind of operation it funds', label: 'dispositifs en vigueur' },
  'euros-par-habitant-qpv': {
    meaning: "indicator: what the State committed on programme 147 per inhabitant of a contrat de ville's quartiers prioritaires",
    label: 'euros par habitant en QPV',
  },
  byContratDeVille: { meaning: 'an indicator per contrat de ville', label: 'par contrat de ville' },
};
