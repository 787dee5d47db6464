import { type CommitmentAttachedData, type FinancingPlanLine, decideAttachment, withAttachment } from '@erbm/ledger/domain';
import { habitatArrondissement } from '@erbm/habitat/contracts';
import {
  QPV_2024_FROM,
  type Decider,
  type Today,
  RuleViolation,
  assertNever,
  fold,
  formatBusinessDate,
  isAmountCents,
  isBusinessDate,
  isQpvCode,
  qpvGeneration,
  requireNotAfterToday,
} from '@erbm/shared/kernel';

export const ENERGY_LABELS = ['A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;
export type EnergyLabel = (typeof ENERGY_LABELS)[number];
/** Phases an operation goes through, in order. */
export const PHASES = ['studies', 'works-started', 'delivered'] as const;
export type Phase = (typeof PHASES)[number];

export interface OperationDetails {
  name: string;
  /** The cité minière renovated. */
  cite: string;
  communeInsee: string;
  /** INSEE code of the arrondissement, from the commune. */
  arrondissement: string;
  /** Party id of the social landlord. */
  landlord: string;
  dwellingsPlanned: number;
  energyLabelBefore: EnergyLabel;
  energyLabelTarget: EnergyLabel;
  /** Cost eligible to public aid: what the co-financing plan may not exceed. */
  eligibleCostCents?: number;
  /** Codes of the quartiers prioritaires (QPV) the operation serves. */
  qpv?: string[];
  /** Id of the beneficiary (tiers) who receives the aid: its commitments that name none of their own count under it. */
  beneficiaryId?: string;
}

export type OperationEventMap = {
  'habitat.OperationRegistered': OperationDetails & { operationId: string; date: string };
  'habitat.OperationAmended': { changes: Partial<OperationDetails>; reason: string; date: string };
  'habitat.OperationPhaseReached': { phase: Phase; date: string };
  'habitat.DwellingsDelivered': { dwellings: number; date: string };
  'habitat.CommitmentAttached': CommitmentAttachedData;
};
export type OperationEvent = { [K in keyof OperationEventMap]: { type: K; data: OperationEventMap[K] } }[keyof OperationEventMap];

/** Every command carries today's date (Europe/Paris): a fact dated after it is refused. */
export type OperationCommand = OperationAction & Today;

export type OperationAction =
  | ({ type: 'register'; operationId: string; date: string } & OperationDetails)
  | { type: 'amend'; changes: Partial<OperationDetails>; reason?: string; date: string }
  | { type: 'recordPhase'; phase: Phase; date: string }
  | { type: 'recordDelivery'; dwellings: number; date: string }
  | ({ type: 'attachCommitment'; date: string } & FinancingPlanLine);

interface OperationFacts extends OperationDetails {
  operationId: string;
  registeredOn: string;
  phases: Partial<Record<Phase, string>>;
  deliveries: { dwellings: number; date: string }[];
  dwellingsDelivered: number;
  financingPlan: FinancingPlanLine[];
  revision: number;
}

/** How a phase reads in a sentence. */
const PHASE_LABELS: Readonly<Record<Phase, string>> = { studies: 'études', 'works-started': 'début des travaux', delivered: 'livraison' };

/** The status is the last phase reached; `planned` before any. */
export type OperationState = { status: 'none' } | (OperationFacts & { status: 'planned' | Phase });
type Registered = Exclude<OperationState, { status: 'none' }>;

export const operationStreamName = (operationId: string): string => `habitat.operation-${operationId}`;

export function decideOperation(command: OperationCommand, state: OperationState): OperationEvent[] {
  if (!isBusinessDate(command.date)) throw new RuleViolation('invalid-date', `${command.date} n'est pas une date (aaaa-mm-jj)`, 'date');
  requireNotAfterToday(command.date, command.today, 'date');
  if (command.type === 'register') {
    if (state.status !== 'none') throw new RuleViolation('operation-exists', `L'opération ${command.operationId} existe déjà`);
    const { type: _t, today: _today, ...data } = command;
    checkDetails(data);
    checkQpv(data.qpv, command.date);
    return [{ type: 'habitat.OperationRegistered', data }];
  }
  if (state.status === 'none') throw new RuleViolation('operation-not-registered', "Enregistrez d'abord l'opération");
  switch (command.type) {
    case 'amend':
      return amend(command, state);
    case 'recordPhase':
      return recordPhase(command, state);
    case 'recordDelivery': {
      if (!Number.isSafeInteger(command.dwellings) || command.dwellings <= 0)
        throw new RuleViolation('invalid-dwellings', 'Une livraison compte un nombre entier positif de logements', 'dwellings');
      if (!state.phases['works-started']) throw new RuleViolation('works-not-started', 'Des logements ne se livrent qu’après le début des travaux');
      if (command.date < state.phases['works-started'])
        throw new RuleViolation(
          'delivery-before-works',
          `Une livraison le ${formatBusinessDate(command.date)} précède le début des travaux le ${formatBusinessDate(state.phases['works-started'])}`,
          'date',
        );
      if (state.dwellingsDelivered + command.dwellings > state.dwellingsPlanned)
        throw new RuleViolation(
          'delivered-exceeds-planned',
          `${state.dwellingsDelivered + command.dwellings} logements seraient livrés, plus que les ${state.dwellingsPlanned} prévus : modifiez d'abord l'opération`,
          'dwellings',
          { remainingDwellings: state.dwellingsPlanned - state.dwellingsDelivered },
        );
      return [{ type: 'habitat.DwellingsDelivered', data: { dwellings: command.dwellings, date: command.date } }];
    }
    case 'attachCommitment':
      return decideAttachment(state.financingPlan, command, command.date).map((data) => ({ type: 'habitat.CommitmentAttached', data }));
    default:
      return assertNever(command);
  }
}

function amend(command: Extract<OperationCommand, { type: 'amend' }>, state: Registered): OperationEvent[] {
  if (!command.reason?.trim()) throw new RuleViolation('reason-required', 'Une modification doit dire pourquoi', 'reason');
  const changes = Object.fromEntries(
    Object.entries(command.changes).filter(
      ([k, v]) => v !== undefined && JSON.stringify((state as unknown as Record<string, unknown>)[k]) !== JSON.stringify(v),
    ),
  ) as Partial<OperationDetails>;
  if (Object.keys(changes).length === 0) throw new RuleViolation('amendment-changes-nothing', 'La modification ne change rien', 'changes');
  const merged = { ...state, ...changes };
  checkDetails(merged);
  checkQpv(changes.qpv, command.date);
  if (merged.dwellingsPlanned < state.dwellingsDelivered)
    throw new RuleViolation(
      'planned-below-delivered',
      `${state.dwellingsDelivered} logements sont déjà livrés : l'opération ne peut en prévoir moins`,
      'dwellingsPlanned',
    );
  return [{ type: 'habitat.OperationAmended', data: { changes, reason: command.reason.trim(), date: command.date } }];
}

function recordPhase(command: Extract<OperationCommand, { type: 'recordPhase' }>, state: Registered): OperationEvent[] {
  const reached = state.phases[command.phase];
  if (reached)
    throw new RuleViolation(
      'phase-already-reached',
      `La phase « ${PHASE_LABELS[command.phase]} » est atteinte depuis le ${formatBusinessDate(reached)}`,
      'phase',
    );
  const index = PHASES.indexOf(command.phase);
  const later = PHASES.slice(index + 1).find((p) => state.phases[p]);
  if (later)
    throw new RuleViolation(
      'phase-out-of-order',
      `La phase « ${PHASE_LABELS[later]} » est déjà atteinte : « ${PHASE_LABELS[command.phase]} » la précède`,
      'phase',
    );
  const previous = PHASES.slice(0, index)
    .map((p) => state.phases[p])
    .filter((d): d is string => !!d)
    .sort()
    .pop();
  if (previous && command.date < previous)
    throw new RuleViolation(
      'phase-out-of-order',
      `La phase « ${PHASE_LABELS[command.phase]} » le ${formatBusinessDate(command.date)} précède la phase précédente, atteinte le ${formatBusinessDate(previous)}`,
      'date',
    );
  if (command.phase === 'delivered' && state.dwellingsDelivered < state.dwellingsPlanned)
    throw new RuleViolation(
      'delivery-incomplete',
      `${state.dwellingsDelivered} logements sur ${state.dwellingsPlanned} sont livrés : enregistrez d'abord les livraisons`,
      'phase',
    );
  return [{ type: 'habitat.OperationPhaseReached', data: { phase: command.phase, date: command.date } }];
}

function checkDetails(d: OperationDetails): void {
  for (const field of ['name', 'cite', 'communeInsee', 'arrondissement', 'landlord'] as const)
    if (typeof d[field] !== 'string' || !d[field].trim()) throw new RuleViolation('missing-field', `${field} est requis`, field);
  if (!Number.isSafeInteger(d.dwellingsPlanned) || d.dwellingsPlanned <= 0 || d.dwellingsPlanned > 5_000)
    throw new RuleViolation('invalid-dwellings', 'dwellingsPlanned est un nombre entier de 1 à 5 000', 'dwellingsPlanned');
  if (!ENERGY_LABELS.includes(d.energyLabelBefore))
    throw new RuleViolation('invalid-energy-label', 'Les étiquettes énergie vont de A à G', 'energyLabelBefore');
  if (!ENERGY_LABELS.includes(d.energyLabelTarget))
    throw new RuleViolation('invalid-energy-label', 'Les étiquettes énergie vont de A à G', 'energyLabelTarget');
  if (d.energyLabelTarget >= d.energyLabelBefore)
    throw new RuleViolation(
      'target-label-not-better',
      `L'étiquette visée ${d.energyLabelTarget} doit être meilleure que l'étiquette actuelle ${d.energyLabelBefore}`,
      'energyLabelTarget',
    );
  if (d.eligibleCostCents !== undefined && !isAmountCents(d.eligibleCostCents))
    throw new RuleViolation('invalid-amount', "eligibleCostCents est un montant en centimes d'euro", 'eligibleCostCents');
}

/** The QPV codes of an operation: well formed, each once, and none of the 2024 geography on a fact dated before it. */
function checkQpv(qpv: readonly string[] | undefined, date: string): void {
  if (qpv === undefined) return;
  if (!Array.isArray(qpv) || !qpv.every(isQpvCode) || new Set(qpv).size !== qpv.length)
    throw new RuleViolation('invalid-qpv-code', 'Les codes QPV s’écrivent QP suivi de 6 caractères ou QN suivi de 6, chacun une fois', 'qpv');
  const early = qpv.find((code) => qpvGeneration(code) === '2024');
  if (early && date < QPV_2024_FROM)
    throw new RuleViolation(
      'qpv-not-in-force',
      `Le quartier ${early} appartient à la géographie prioritaire de 2024 : il n'existe pas le ${formatBusinessDate(date)}`,
      'qpv',
    );
}

export function evolveOperation(state: OperationState, event: OperationEvent): OperationState {
  if (event.type === 'habitat.OperationRegistered') {
    const { date, ...details } = event.data;
    const arrondissement = habitatArrondissement(details.communeInsee, details.arrondissement) ?? details.arrondissement;
    return {
      status: 'planned',
      ...details,
      arrondissement,
      registeredOn: date,
      phases: {},
      deliveries: [],
      dwellingsDelivered: 0,
      financingPlan: [],
      revision: 0,
    };
  }
  if (state.status === 'none') throw new Error(`${event.type} before the operation was registered`);
  const next = { ...state, revision: state.revision + 1 };
  switch (event.type) {
    case 'habitat.OperationAmended': {
      const { changes } = event.data;
      const arrondissement = habitatArrondissement(changes.communeInsee ?? state.communeInsee, changes.arrondissement);
      return { ...next, ...changes, ...(arrondissement !== undefined ? { arrondissement } : {}) };
    }
    case 'habitat.OperationPhaseReached':
      return { ...next, status: event.data.phase, phases: { ...state.phases, [event.data.phase]: event.data.date } };
    case 'habitat.DwellingsDelivered':
      return { ...next, deliveries: [...state.deliveries, event.data], dwellingsDelivered: state.dwellingsDelivered + event.data.dwellings };
    case 'habitat.CommitmentAttached':
      return { ...next, financingPlan: withAttachment(state.financingPlan, event.data) };
    default:
      return assertNever(event);
  }
}

export const operationDecider: Decider<OperationCommand, OperationEvent, OperationState> = {
  decide: decideOperation,
  evolve: evolveOperation,
  initialState: { status: 'none' },
};

export const foldOperation = (events: readonly OperationEvent[]): OperationState => fold(operationDecider, events);
