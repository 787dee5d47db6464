import type { Referentials } from '@erbm/shared/referentials';

/** What the register derives of an operation's place from the finest part its domain gave: '' for what is not known. */
export interface DerivedPlace {
  arrondissement: string;
  epci: string;
  departement: string;
  /** 'oui' inside the ERBM perimeter (the communes of the signatory intercommunalités), 'non' outside, '' not known. */
  erbm: '' | 'oui' | 'non';
}

const UNKNOWN: DerivedPlace = { arrondissement: '', epci: '', departement: '', erbm: '' };

/**
 * The place of an operation from its commune, or else its EPCI, or else its département, as the referentials knew
 * them at `date` (or, for a date before their first version, as they first knew them).
 * TODO(placeOf): a minimal derivation from the communes and parties referentials; use `placeOf` of
 * `@erbm/shared/referentials` (the territory referential of issue 14) once it is there, which knows every commune.
 */
export function derivePlace(
  referentials: Referentials | undefined,
  given: { communeInsee?: string | null; epci?: string; departement?: string },
  date: string,
): DerivedPlace {
  if (!referentials) return { ...UNKNOWN, epci: given.epci ?? '', departement: given.departement ?? '' };
  const epciParty = (match: (p: { id: string; siren?: string }) => boolean) =>
    referentials.parties.all.find((p) => p.kind === 'epci' && match(p) && p.validFrom <= date && (p.validTo === null || date <= p.validTo)) ??
    referentials.parties.all.find((p) => p.kind === 'epci' && match(p));
  if (given.communeInsee) {
    const commune = referentials.communes.at(given.communeInsee, date) ?? referentials.communes.all.find((c) => c.insee === given.communeInsee);
    if (commune) {
      const party = epciParty((p) => p.id === commune.epci);
      return {
        arrondissement: commune.arrondissement,
        epci: party?.siren ?? '',
        departement: commune.departement,
        erbm: party ? (party.signatory ? 'oui' : 'non') : '',
      };
    }
  }
  if (given.epci) {
    const party = epciParty((p) => p.siren === given.epci);
    const departement = given.departement ?? (party?.departement === '59' || party?.departement === '62' ? party.departement : '');
    // The perimeter is the communes of the signatory intercommunalités: any other EPCI lies outside it. An EPCI may
    // straddle arrondissements (Osartis-Marquion): its arrondissement is not derived.
    return { arrondissement: '', epci: given.epci, departement, erbm: party?.signatory ? 'oui' : 'non' };
  }
  return { ...UNKNOWN, departement: given.departement ?? '' };
}
