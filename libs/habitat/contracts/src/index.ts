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
}

export interface HabitatOperationAmendedV1 {
  changes: Partial<Omit<HabitatOperationRegisteredV1, 'operationId' | 'date'>>;
  reason: string;
  date: string;
}

export const habitatOperationIdOf = (streamName: string): string | undefined => /^habitat\.operation-(.+)$/.exec(streamName)?.[1];

/** Where an operation is and what it is called, from any habitat event that says so; undefined for other events. */
export function habitatOperationLocation(event: {
  type: string;
  streamName: string;
  data: unknown;
}): { operationId: string; name?: string; arrondissement?: string; communeInsee?: string } | undefined {
  if (event.type === HABITAT_OPERATION_REGISTERED) {
    const d = event.data as HabitatOperationRegisteredV1;
    return { operationId: d.operationId, name: d.name, arrondissement: d.arrondissement, communeInsee: d.communeInsee };
  }
  if (event.type === HABITAT_OPERATION_AMENDED) {
    const operationId = habitatOperationIdOf(event.streamName);
    const c = (event.data as HabitatOperationAmendedV1).changes;
    if (!operationId || (c.name === undefined && c.arrondissement === undefined && c.communeInsee === undefined)) return undefined;
    return { operationId, name: c.name, arrondissement: c.arrondissement, communeInsee: c.communeInsee };
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
