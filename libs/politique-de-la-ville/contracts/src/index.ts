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
/** A post's convention (adulte-relais: the id's last two digits are its version) recorded, with the act that signs it. */
export const POLITIQUE_DE_LA_VILLE_CONVENTION_RECORDED = 'politique-de-la-ville.ConventionRecorded';
/** A year's funding of a post that differs from the year's flat rate: recorded as it is, with this warning beside it. */
export const POLITIQUE_DE_LA_VILLE_FUNDING_WARNING_RAISED = 'politique-de-la-ville.FundingWarningRaised';

/** What an operation of politique de la ville is: a post (adulte-relais, FONJEP) or an action in a contrat de ville. */
export const OPERATION_KINDS = ['poste-adulte-relais', 'poste-fonjep', 'action'] as const;
export type PolitiqueDeLaVilleOperationKind = (typeof OPERATION_KINDS)[number];

/** Why an operation is flagged for the team: kept, placed as far as the data allows, and listed. */
export const OPERATION_FLAGS = ['sans-contrat-de-ville', 'hors-perimetre-erbm'] as const;
export type PolitiqueDeLaVilleOperationFlag = (typeof OPERATION_FLAGS)[number];

export interface PolitiqueDeLaVilleOperationRegisteredV1 {
  operationId: string;
  kind: PolitiqueDeLaVilleOperationKind;
  /** Code of the dispositif (versioned referential of the domain, e.g. `adultes-relais`). */
  dispositif: string;
  name: string;
  /** '59' or '62' (BOP 147 is regional: a row is kept even when nothing finer is known). */
  departement: string;
  /** Code of the contrat de ville (e.g. `CV219`); absent when the source gives none. */
  contratDeVille?: string;
  /** SIREN of the EPCI of the contrat de ville, as the territory referential knows it at the date. */
  epci?: string;
  communeInsee?: string;
  arrondissement?: string;
  qpv?: string[];
  /** The employer of a post, the association of an action (stream `beneficiary-<id>`). */
  beneficiaryId?: string;
  /** The employer's name as the source gave it (FONJEP gives names only). */
  employerName?: string;
  /** A post's id without its convention version (adulte-relais `06212R0008`, FONJEP `D01622`). */
  postId?: string;
  /** Share of a full-time post (1, 0.5…), when known. */
  quotite?: number;
  /** An action's cost (what the co-financers' commitments may not exceed together). */
  eligibleCostCents?: number;
  flags?: PolitiqueDeLaVilleOperationFlag[];
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

export interface PolitiqueDeLaVilleConventionRecordedV1 {
  /** The convention's number as the source gives it (adulte-relais `06212R000802`). */
  conventionId: string;
  /** Its version (`02`), when the number carries one. */
  version?: string;
  /** The act (stream `act-<actId>`) that grants its money, cited by the commitments of its years. */
  actId: string;
  /** First year it funds. */
  fromYear: number;
  date: string;
}

/** The warning of a year funded at another amount than the year's flat rate (docs/rules.md). */
export const FLAT_RATE_WARNING = 'amount-differs-from-flat-rate';

export interface PolitiqueDeLaVilleFundingWarningRaisedV1 {
  code: typeof FLAT_RATE_WARNING;
  message: string;
  fiscalYear: number;
  commitmentId: string;
  amountCents: number;
  flatRateCents: number;
  date: string;
}

/** Every event type of an operation's stream, with the shape other services may read of it. */
export interface PolitiqueDeLaVilleOperationEventsV1 {
  [POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED]: PolitiqueDeLaVilleOperationRegisteredV1;
  [POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED]: PolitiqueDeLaVilleOperationAmendedV1;
  [POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED]: PolitiqueDeLaVilleCommitmentAttachedV1;
  [POLITIQUE_DE_LA_VILLE_CONVENTION_RECORDED]: PolitiqueDeLaVilleConventionRecordedV1;
  [POLITIQUE_DE_LA_VILLE_FUNDING_WARNING_RAISED]: PolitiqueDeLaVilleFundingWarningRaisedV1;
}

export type PolitiqueDeLaVilleEventType = keyof PolitiqueDeLaVilleOperationEventsV1;

const OPERATION_STREAM = 'politique-de-la-ville.operation-';

export const politiqueDeLaVilleOperationStream = (operationId: string): string => `${OPERATION_STREAM}${operationId}`;

export const politiqueDeLaVilleOperationIdOf = (streamName: string): string | undefined =>
  streamName.startsWith(OPERATION_STREAM) && streamName.length > OPERATION_STREAM.length ? streamName.slice(OPERATION_STREAM.length) : undefined;

const PLACE_FIELDS = ['name', 'arrondissement', 'communeInsee', 'epci', 'departement', 'qpv', 'contratDeVille', 'dispositif', 'beneficiaryId'] as const;

/** The fields of a registration or of an amendment's changes that say where an operation is, who receives, under which dispositif. */
function placeOf(operationId: string, d: Partial<PolitiqueDeLaVilleOperationRegisteredV1>): OperationPlace | undefined {
  const place: OperationPlace = { operationId };
  let any = false;
  for (const field of PLACE_FIELDS)
    if (d[field] !== undefined) {
      (place as unknown as Record<string, unknown>)[field] = d[field];
      any = true;
    }
  return any ? place : undefined;
}

/** Where an operation is and what it is called, from an event of this domain that says so; undefined for the others. */
export function politiqueDeLaVilleOperationLocation(event: LocatableEvent): OperationPlace | undefined {
  if (event.type === POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED) {
    const d = event.data as PolitiqueDeLaVilleOperationRegisteredV1;
    return placeOf(d.operationId, d);
  }
  if (event.type === POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED) {
    const operationId = politiqueDeLaVilleOperationIdOf(event.streamName);
    return operationId ? placeOf(operationId, (event.data as PolitiqueDeLaVilleOperationAmendedV1).changes) : undefined;
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
  [POLITIQUE_DE_LA_VILLE_CONVENTION_RECORDED]: 'Convention du poste enregistrée',
  [POLITIQUE_DE_LA_VILLE_FUNDING_WARNING_RAISED]: 'Alerte : montant différent du forfait de l’année',
};
