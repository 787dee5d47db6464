import {
  type Decider,
  type Today,
  RuleViolation,
  assertNever,
  fold,
  formatBusinessDate,
  formatEuros,
  isAmountCents,
  isBusinessDate,
  requireNotAfterToday,
} from '@erbm/shared/kernel';
import {
  type CountedProgramming,
  type DecisionAmount,
  type GrantRules,
  countedFor,
  grantOf,
  programmedUnder,
  requireAmountsFor,
  requireWithinGrant,
  withProgrammed,
} from './grants';

/**
 * A dated act that decides money without a meeting: an arrêté préfectoral, a délibération of a partner's assembly or
 * of its commission permanente, a convention, a notification, a jury's selection after a call (ADR 0018). It grants its
 * amounts per financer and funding line, and counts in its own stream what commitments programmed under it, as a
 * meeting counts its decisions'.
 */

export const ACT_KINDS = [
  'arrete-prefectoral',
  'deliberation-assemblee',
  'deliberation-commission-permanente',
  'convention',
  'notification',
  'selection-jury',
] as const;
export type ActKind = (typeof ACT_KINDS)[number];

export const ACT_KIND_LABELS: Readonly<Record<ActKind, string>> = {
  'arrete-prefectoral': 'Arrêté préfectoral',
  'deliberation-assemblee': "Délibération de l'assemblée",
  'deliberation-commission-permanente': 'Délibération de la commission permanente',
  convention: 'Convention',
  notification: 'Notification',
  'selection-jury': "Sélection par le jury d'un appel",
};

export interface Act {
  actId: string;
  kind: ActKind;
  /** A party id of the referential (the préfet: `etat`, a Département, the Région…) or a governance body id (a jury). */
  issuer: string;
  /** Arrêté n°, délibération n°, convention n°… */
  reference: string;
  /** Date the act was signed or adopted. */
  date: string;
  /** Reference or URL of the signed document. */
  document?: string;
  subject: string;
  operationId?: string;
  amounts: DecisionAmount[];
}

/** The act a commitment's programming (or a commit beyond it) cites: what the commitment's events keep of it. */
export interface ActRef {
  actId: string;
  kind: ActKind;
  issuer: string;
  reference: string;
  date: string;
}

export type ActProgramming = CountedProgramming;

export type ActEventMap = {
  'governance.ActRecorded': Act;
  /** The act amended (a rectifying arrêté, an avenant to the convention): its new amounts or document. */
  'governance.ActAmended': { date: string; reason: string; reference?: string; document?: string; amounts?: DecisionAmount[] };
  /** A commitment is programmed under the act: the commitment's own programming follows from it. */
  'governance.ActProgrammingRecorded': ActProgramming & { domain: string; date: string };
  /** Part of a programming no longer counts against the act's amounts. */
  'governance.ActProgrammingReleased': ActProgramming & { date: string; reason: string };
};
export type ActEvent = { [K in keyof ActEventMap]: { type: K; data: ActEventMap[K] } }[keyof ActEventMap];

export type ActCommand =
  | ({ type: 'record' } & Act & Today)
  | ({ type: 'amend'; date: string; reason: string; reference?: string; document?: string; amounts?: DecisionAmount[] } & Today)
  | ({ type: 'programme'; domain: string; date: string } & ActProgramming & Today)
  | ({ type: 'releaseProgramming'; date: string; reason: string } & ActProgramming);

export type ActState = { status: 'none' } | (Act & { status: 'recorded'; amendedOn?: string; programmings: ActProgramming[]; revision: number });
type Recorded = Extract<ActState, { status: 'recorded' }>;

export const actStreamName = (actId: string): string => `act-${actId}`;

/** "L'arrêté préfectoral n° 2023-17 du 3 mars 2023": how a sentence names the act. */
export const actName = (act: Pick<Act, 'kind' | 'reference' | 'date'>): string =>
  `${ACT_KIND_LABELS[act.kind]} n° ${act.reference} du ${formatBusinessDate(act.date)}`;

export const actRefOf = (act: Pick<Act, 'actId' | 'kind' | 'issuer' | 'reference' | 'date'>): ActRef => ({
  actId: act.actId,
  kind: act.kind,
  issuer: act.issuer,
  reference: act.reference,
  date: act.date,
});

const actRules = (act: Pick<Act, 'kind' | 'reference' | 'date'>): GrantRules => ({
  name: `L'acte « ${actName(act)} »`,
  of: 'act',
});

/** An act grants money only to the financers and funding lines its amounts name. */
export function requireActGrant(act: Pick<Act, 'kind' | 'reference' | 'date' | 'amounts'>, financer: string, fundingLine: string, field = 'act') {
  return requireAmountsFor(act, financer, fundingLine, actRules(act), field);
}

export function decideAct(command: ActCommand, state: ActState): ActEvent[] {
  switch (command.type) {
    case 'record': {
      if (state.status !== 'none') throw new RuleViolation('act-exists', `L'acte ${command.actId} est déjà enregistré`);
      requireDate(command.date);
      requireNotAfterToday(command.date, command.today, 'date');
      if (!(ACT_KINDS as readonly string[]).includes(command.kind))
        throw new RuleViolation('unknown-act-kind', `${command.kind} n'est pas une sorte d'acte (${ACT_KINDS.join(', ')})`, 'kind');
      requireAmounts(command.amounts);
      const { type: _t, today: _today, ...act } = command;
      return [{ type: 'governance.ActRecorded', data: act }];
    }
    case 'amend': {
      const recorded = requireRecorded(state);
      requireDate(command.date);
      requireNotAfterToday(command.date, command.today, 'date');
      if (command.date < recorded.date)
        throw new RuleViolation('amendment-before-act', `Un acte du ${formatBusinessDate(recorded.date)} ne se modifie pas avant cette date`, 'date');
      if (!command.reason.trim()) throw new RuleViolation('reason-required', 'Une modification doit dire pourquoi', 'reason');
      if (command.amounts) {
        requireAmounts(command.amounts);
        requireAmountsCoverProgrammed(recorded, command.amounts);
      }
      const { type: _t, today: _today, ...data } = command;
      return [{ type: 'governance.ActAmended', data }];
    }
    case 'programme': {
      const recorded = requireRecorded(state);
      requireDate(command.date);
      requireNotAfterToday(command.date, command.today, 'date');
      if (!isAmountCents(command.amountCents) || command.amountCents === 0)
        throw new RuleViolation('invalid-amount', `${command.amountCents} n'est pas un montant positif en centimes d'euro`, 'amountCents');
      requireActGrant(recorded, command.financer, command.fundingLine);
      requireWithinGrant(recorded.programmings, recorded, command, actRules(recorded), 'act');
      const { type: _t, today: _today, ...data } = command;
      return [{ type: 'governance.ActProgrammingRecorded', data }];
    }
    case 'releaseProgramming': {
      const recorded = requireRecorded(state);
      // Never more than this commitment programmed under the act: releasing more would free what was never taken.
      const amountCents = Math.min(command.amountCents, countedFor(recorded.programmings, programmingOf(command)));
      if (amountCents <= 0) return [];
      const { type: _t, ...data } = command;
      return [{ type: 'governance.ActProgrammingReleased', data: { ...data, amountCents } }];
    }
    default:
      return assertNever(command);
  }
}

function requireAmounts(amounts: readonly DecisionAmount[]): void {
  amounts.forEach((a, i) => {
    if (!isAmountCents(a.amountCents))
      throw new RuleViolation('invalid-amount', `${a.amountCents} n'est pas un montant en centimes d'euro`, `amounts[${i}].amountCents`);
  });
}

/** New amounts must still cover what commitments programmed under the act, line by line. */
function requireAmountsCoverProgrammed(recorded: Recorded, amounts: DecisionAmount[]): void {
  for (const p of recorded.programmings) {
    const grant = grantOf({ amounts }, p.financer, p.fundingLine);
    const programmed = grant ? programmedUnder(recorded.programmings, { amounts }, p.financer, grant) : p.amountCents;
    if (!grant || programmed > grant.approvedCents)
      throw new RuleViolation(
        'act-amended-below-programmed',
        `Les nouveaux montants de l'acte accorderaient ${formatEuros(grant?.approvedCents ?? 0)} à ${p.financer} sur la ligne ${p.fundingLine}, moins que les ${formatEuros(programmed)} déjà programmés`,
        'amounts',
        { programmedCents: programmed },
      );
  }
}

function requireDate(date: string): void {
  if (!isBusinessDate(date)) throw new RuleViolation('invalid-date', `${date} n'est pas une date (aaaa-mm-jj)`, 'date');
}

function requireRecorded(state: ActState): Recorded {
  if (state.status !== 'recorded') throw new RuleViolation('act-not-recorded', "Enregistrez l'acte avant ce qui en découle");
  return state;
}

const programmingOf = (d: ActProgramming): ActProgramming => ({
  commitmentId: d.commitmentId,
  financer: d.financer,
  fundingLine: d.fundingLine,
  amountCents: d.amountCents,
});

export function evolveAct(state: ActState, event: ActEvent): ActState {
  if (event.type === 'governance.ActRecorded') return { status: 'recorded', ...event.data, programmings: [], revision: 0 };
  if (state.status !== 'recorded') throw new Error(`${event.type} before ActRecorded`);
  const next = { ...state, revision: state.revision + 1 };
  switch (event.type) {
    case 'governance.ActAmended': {
      const { date, reason: _r, ...changes } = event.data;
      return { ...next, ...changes, amendedOn: date };
    }
    case 'governance.ActProgrammingRecorded':
      return { ...next, programmings: withProgrammed(state.programmings, programmingOf(event.data)) };
    case 'governance.ActProgrammingReleased':
      return { ...next, programmings: withProgrammed(state.programmings, { ...programmingOf(event.data), amountCents: -event.data.amountCents }) };
    default:
      return assertNever(event);
  }
}

export const actDecider: Decider<ActCommand, ActEvent, ActState> = {
  decide: decideAct,
  evolve: evolveAct,
  initialState: { status: 'none' },
};

export const foldAct = (events: readonly ActEvent[]): ActState => fold(actDecider, events);
