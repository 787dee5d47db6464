import type { LocatableEvent, OperationLocator, OperationPlace } from '@erbm/shared/kernel';

/**
 * What this domain publishes for other services to consume: its event types, the shapes (version 1) of its operations'
 * events, where an operation is, and what an auditor reads for each fact. A changed shape is a new version here, with
 * an upcaster; never an edit of a shape already stored.
 */

export const POLITIQUE_DE_LA_VILLE_DOMAIN = 'politique-de-la-ville';

export const POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED = 'politique-de-la-ville.OperationRegistered';
export const POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED = 'politique-de-la-ville.OperationAmended';
/** Appended by the ledger when a commitment is announced for an operation: the operation's financing plan. */
export const POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED = 'politique-de-la-ville.CommitmentAttached';

export interface PolitiqueDeLaVilleOperationRegisteredV1 {
  operationId: string;
  name: string;
  communeInsee: string;
  arrondissement: string;
  eligibleCostCents?: number;
  date: string;
}

export interface PolitiqueDeLaVilleOperationAmendedV1 {
  changes: Partial<Omit<PolitiqueDeLaVilleOperationRegisteredV1, 'operationId' | 'date'>>;
  reason: string;
  date: string;
}

export interface PolitiqueDeLaVilleCommitmentAttachedV1 {
  commitmentId: string;
  financer: string;
  fundingLine: string;
  date: string;
}

/** Every event type of an operation's stream, with the shape other services may read of it. */
export interface PolitiqueDeLaVilleOperationEventsV1 {
  [POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED]: PolitiqueDeLaVilleOperationRegisteredV1;
  [POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED]: PolitiqueDeLaVilleOperationAmendedV1;
  [POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED]: PolitiqueDeLaVilleCommitmentAttachedV1;
}

export type PolitiqueDeLaVilleEventType = keyof PolitiqueDeLaVilleOperationEventsV1;

const OPERATION_STREAM = 'politique-de-la-ville.operation-';

export const politiqueDeLaVilleOperationStream = (operationId: string): string => `${OPERATION_STREAM}${operationId}`;

export const politiqueDeLaVilleOperationIdOf = (streamName: string): string | undefined =>
  streamName.startsWith(OPERATION_STREAM) && streamName.length > OPERATION_STREAM.length ? streamName.slice(OPERATION_STREAM.length) : undefined;

/** Where an operation is and what it is called, from an event of this domain that says so; undefined for the others. */
export function politiqueDeLaVilleOperationLocation(event: LocatableEvent): OperationPlace | undefined {
  if (event.type === POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED) {
    const d = event.data as PolitiqueDeLaVilleOperationRegisteredV1;
    return { operationId: d.operationId, name: d.name, arrondissement: d.arrondissement, communeInsee: d.communeInsee };
  }
  if (event.type === POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED) {
    const operationId = politiqueDeLaVilleOperationIdOf(event.streamName);
    const { name, arrondissement, communeInsee } = (event.data as PolitiqueDeLaVilleOperationAmendedV1).changes;
    if (!operationId || (name === undefined && arrondissement === undefined && communeInsee === undefined)) return undefined;
    return { operationId, name, arrondissement, communeInsee };
  }
  return undefined;
}

/** The events that place an operation on the territory: what the ledger register locates commitments with. */
export const politiqueDeLaVilleOperationLocator: OperationLocator = {
  types: [POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED, POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED],
  locate: politiqueDeLaVilleOperationLocation,
};

/** What an auditor reads for each fact of this domain. */
export const POLITIQUE_DE_LA_VILLE_EVENT_LABELS: Readonly<Record<PolitiqueDeLaVilleEventType, string>> = {
  [POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED]: 'Opération enregistrée',
  [POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED]: 'Opération modifiée',
  [POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED]: 'Engagement ajouté au plan de financement',
};
