import { RuleViolation, formatBusinessDate } from '@erbm/shared/kernel';
import { type Referentials, placeOf } from '@erbm/shared/referentials';
import type { PolitiqueDeLaVilleOperationFlag } from '@erbm/politique-de-la-ville/contracts';
import type { OperationDetails } from '@erbm/politique-de-la-ville/domain';

/** What follows from where an operation is: the system's to say, not the client's. */
export type DerivedPlace = Pick<OperationDetails, 'arrondissement' | 'epci' | 'departement' | 'flags'>;

/**
 * Where an operation is, from its commune, else its contrat de ville's EPCI, else its département, as the territory
 * referential knows them at `date`; and its flags (no contrat de ville, outside the ERBM perimeter). A commune or a
 * contrat de ville the referential does not know, or a commune outside the contrat de ville's EPCI, is refused.
 */
export function placeOperation(
  referentials: Referentials,
  d: { communeInsee?: string; contratDeVille?: string; departement?: string },
  date: string,
): DerivedPlace {
  if (d.communeInsee !== undefined && !referentials.communes.at(d.communeInsee, date))
    throw new RuleViolation(
      'unknown-commune',
      `La commune ${d.communeInsee} n'est pas dans le référentiel du Nord et du Pas-de-Calais au ${formatBusinessDate(date)} (voir /referentials/communes)`,
      'communeInsee',
    );
  const cv = d.contratDeVille ? referentials.contratsDeVille.at(d.contratDeVille, date) : undefined;
  if (d.contratDeVille && !cv)
    throw new RuleViolation(
      'unknown-contrat-de-ville',
      `Aucun contrat de ville ${d.contratDeVille} en vigueur au ${formatBusinessDate(date)}`,
      'contratDeVille',
    );
  const place = placeOf(referentials, { communeInsee: d.communeInsee, epci: cv?.epci, departement: d.departement }, date);
  // A contrat de ville is its intercommunalité's: a commune of another one is a mistake in one of the two.
  if (cv && place.known === 'commune' && place.epci !== cv.epci)
    throw new RuleViolation(
      'commune-outside-contrat-de-ville',
      `La commune ${d.communeInsee} n'est pas dans l'intercommunalité du contrat de ville ${cv.code} (${cv.label}) au ${formatBusinessDate(date)}`,
      'communeInsee',
    );
  const departement = place.departement ?? d.departement;
  if (!departement) throw new RuleViolation('missing-field', 'Donnez la commune, le contrat de ville ou le département', 'departement');
  const flags: PolitiqueDeLaVilleOperationFlag[] = [];
  if (!cv) flags.push('sans-contrat-de-ville');
  if (place.erbm === false) flags.push('hors-perimetre-erbm');
  return {
    departement,
    ...(place.arrondissement ? { arrondissement: place.arrondissement } : {}),
    ...(place.epci ? { epci: place.epci } : {}),
    ...(flags.length ? { flags } : {}),
  };
}
