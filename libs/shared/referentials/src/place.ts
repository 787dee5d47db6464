import type { Referentials } from './referentials';

/** What is known of where something is: the finest of commune, EPCI (SIREN) or département; the rest is derived. */
export interface PlaceQuery {
  communeInsee?: string | null;
  epci?: string | null;
  departement?: string | null;
}

export interface Place {
  communeInsee: string | null;
  epci: string | null;
  arrondissement: string | null;
  departement: string | null;
  /** In the ERBM perimeter at that date; null when the place is too coarse to tell. */
  erbm: boolean | null;
  /** The finest level the place was known at. */
  known: 'commune' | 'epci' | 'departement' | 'unknown';
}

const UNKNOWN: Place = { communeInsee: null, epci: null, arrondissement: null, departement: null, erbm: null, known: 'unknown' };

/** The one value all items share, or null. */
function shared<T>(items: readonly T[]): T | null {
  return items.length > 0 && items.every((i) => i === items[0]) ? items[0] : null;
}

/**
 * Places a fact at `date` by the finest thing known of it: a commune (a former code of a commune nouvelle finds the
 * commune it is part of), else an EPCI by SIREN, else a département. A code the referentials do not hold at that date
 * is passed over for the next coarser one; when none is left the place is unknown, which is allowed.
 */
export function placeOf(referentials: Referentials, query: PlaceQuery, date: string): Place {
  if (query.communeInsee) {
    const insee = referentials.communes.has(query.communeInsee) ? query.communeInsee : referentials.formerCommunes.get(query.communeInsee);
    const commune = insee ? referentials.communes.at(insee, date) : undefined;
    if (commune)
      return {
        communeInsee: commune.insee,
        epci: commune.epci || null,
        arrondissement: commune.arrondissement || null,
        departement: commune.departement,
        erbm: referentials.erbmPerimeter.at(commune.insee, date) !== undefined,
        known: 'commune',
      };
  }
  if (query.epci) {
    const epci = referentials.epcis.at(query.epci, date);
    if (epci) {
      const members = epci.members.map((m) => referentials.communes.at(m, date)).filter((c) => c !== undefined);
      const inPerimeter = epci.members.map((m) => referentials.erbmPerimeter.at(m, date) !== undefined);
      return {
        communeInsee: null,
        epci: epci.siren,
        arrondissement: shared(members.map((c) => c.arrondissement)),
        departement: shared(epci.departements),
        erbm: shared(inPerimeter),
        known: 'epci',
      };
    }
  }
  if (query.departement && referentials.departements.at(query.departement, date)) return { ...UNKNOWN, departement: query.departement, known: 'departement' };
  return UNKNOWN;
}
