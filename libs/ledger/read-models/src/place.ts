import { type Referentials, placeOf } from '@erbm/shared/referentials';

/** What the register derives of an operation's place from the finest part its domain gave: '' for what is not known. */
export interface DerivedPlace {
  arrondissement: string;
  epci: string;
  departement: string;
  /** 'oui' inside the ERBM perimeter (the communes of the signatory intercommunalités), 'non' outside, '' not known. */
  erbm: '' | 'oui' | 'non';
}

/**
 * The place of an operation from its commune, or else its EPCI, or else its département, as the territory referential
 * (`placeOf`) knows them at `date`; what the domain gave wins over what is derived.
 */
export function derivePlace(
  referentials: Referentials | undefined,
  given: { communeInsee?: string | null; epci?: string; departement?: string },
  date: string,
): DerivedPlace {
  if (!referentials) return { arrondissement: '', epci: given.epci ?? '', departement: given.departement ?? '', erbm: '' };
  const place = placeOf(referentials, { communeInsee: given.communeInsee ?? undefined, epci: given.epci, departement: given.departement }, date);
  return {
    arrondissement: place.arrondissement ?? '',
    epci: place.epci ?? given.epci ?? '',
    departement: place.departement ?? given.departement ?? '',
    erbm: place.erbm === null ? '' : place.erbm ? 'oui' : 'non',
  };
}
