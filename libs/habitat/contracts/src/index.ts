/**
 * What the habitat service publishes for other services to consume: the event types and shapes (version 1) that
 * locate an operation, and what an auditor reads for each of its facts. Changing a shape means a new version here.
 */

export const HABITAT_DOMAIN = 'habitat';

export const HABITAT_OPERATION_REGISTERED = 'habitat.OperationRegistered';
export const HABITAT_OPERATION_AMENDED = 'habitat.OperationAmended';

export interface HabitatOperationRegisteredV1 {
  operationId: string;
  name: string;
  cite: string;
  communeInsee: string;
  arrondissement: string;
  landlord: string;
  dwellingsPlanned: number;
  date: string;
  /** Codes of the quartiers prioritaires the operation serves; absent from events recorded before it existed. */
  qpv?: string[];
  /** Id of the beneficiary (tiers) who receives the aid; absent from events recorded before it existed. */
  beneficiaryId?: string;
}

export interface HabitatOperationAmendedV1 {
  changes: Partial<Omit<HabitatOperationRegisteredV1, 'operationId' | 'date'>>;
  reason: string;
  date: string;
}

export const habitatOperationIdOf = (streamName: string): string | undefined => /^habitat\.operation-(.+)$/.exec(streamName)?.[1];

/**
 * The communes of Lens's arrondissement that the referential listed before ADR 0019 under the code 625 (Saint-Omer's):
 * their habitat events recorded then carry `arrondissement: '625'`, which means 627 (Lens). No other commune could be
 * recorded under 625 then, so the reading is exact.
 */
const RECORDED_AS_625 = new Set(['62498', '62510', '62528', '62386', '62570', '62065', '62413', '62186', '62427', '62637', '62215', '62250']);

/** The arrondissement a habitat event means, reading the old code 625 of Lens's communes as 627. */
export function habitatArrondissement(communeInsee: string | undefined, arrondissement: string | undefined): string | undefined {
  return arrondissement === '625' && communeInsee !== undefined && RECORDED_AS_625.has(communeInsee) ? '627' : arrondissement;
}

/** Where an operation is and what it is called, from any habitat event that says so; undefined for other events. */
export function habitatOperationLocation(event: {
  type: string;
  streamName: string;
  data: unknown;
}): { operationId: string; name?: string; arrondissement?: string; communeInsee?: string; qpv?: string[]; beneficiaryId?: string } | undefined {
  if (event.type === HABITAT_OPERATION_REGISTERED) {
    const d = event.data as HabitatOperationRegisteredV1;
    return {
      operationId: d.operationId,
      name: d.name,
      arrondissement: habitatArrondissement(d.communeInsee, d.arrondissement),
      communeInsee: d.communeInsee,
      ...(d.qpv ? { qpv: d.qpv } : {}),
      ...(d.beneficiaryId ? { beneficiaryId: d.beneficiaryId } : {}),
    };
  }
  if (event.type === HABITAT_OPERATION_AMENDED) {
    const operationId = habitatOperationIdOf(event.streamName);
    const c = (event.data as HabitatOperationAmendedV1).changes;
    if (
      !operationId ||
      (c.name === undefined && c.arrondissement === undefined && c.communeInsee === undefined && c.qpv === undefined && c.beneficiaryId === undefined)
    )
      return undefined;
    return {
      operationId,
      name: c.name,
      arrondissement: habitatArrondissement(c.communeInsee, c.arrondissement),
      communeInsee: c.communeInsee,
      ...(c.qpv ? { qpv: c.qpv } : {}),
      ...(c.beneficiaryId ? { beneficiaryId: c.beneficiaryId } : {}),
    };
  }
  return undefined;
}

/** Every type of fact the habitat service records; the habitat domain checks its events against it. */
export type HabitatEventType =
  'habitat.OperationRegistered' | 'habitat.OperationAmended' | 'habitat.OperationPhaseReached' | 'habitat.DwellingsDelivered' | 'habitat.CommitmentAttached';

/** What an auditor reads for each habitat fact. */
export const HABITAT_EVENT_LABELS: Readonly<Record<HabitatEventType, string>> = {
  'habitat.OperationRegistered': 'Opération enregistrée',
  'habitat.OperationAmended': 'Opération modifiée',
  'habitat.OperationPhaseReached': 'Phase atteinte',
  'habitat.DwellingsDelivered': 'Logements livrés',
  'habitat.CommitmentAttached': 'Engagement ajouté au plan de financement',
};
