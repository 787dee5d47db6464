import {
  type Decider,
  type Today,
  RuleViolation,
  assertNever,
  fold,
  formatEuros,
  isAmountCents,
  isBusinessDate,
  listOfAll,
  requireNotAfterToday,
} from '@erbm/shared/kernel';

/**
 * An envelope: money allotted to one funding line over one fiscal year (a BOP allocation) or a range of years (a fund,
 * such as the 117 M€ of programme 135 for the 23,000 dwellings), by a source act, amended by later acts. What its
 * funding line committed over its years, as the ledger register counts it, gives its reste à engager.
 */

export const ENVELOPE_KINDS = ['allocation', 'fund'] as const;
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

export const ENVELOPE_ACT_KINDS = ['loi-de-finances', 'notification', 'arrete', 'convention', 'avenant', 'deliberation', 'circulaire', 'contrat'] as const;
export type EnvelopeActKind = (typeof ENVELOPE_ACT_KINDS)[number];

/** The act that allots or amends the money: its kind, reference, date and the document it is in. */
export interface EnvelopeAct {
  kind: EnvelopeActKind;
  reference: string;
  date: string;
  /** Where the act can be read (a file name, a URL, a Légifrance reference). */
  document?: string;
}

/** Fiscal years an envelope may name: the programme's and a margin, nothing absurd. */
export const ENVELOPE_FIRST_YEAR = 2000;
export const ENVELOPE_LAST_YEAR = 2100;
/** A fund spans at most this many fiscal years. */
export const ENVELOPE_MAX_YEARS = 20;

export type EnvelopeEventMap = {
  'ledger.EnvelopeOpened': {
    envelopeId: string;
    fundingLine: string;
    kind: EnvelopeKind;
    fromYear: number;
    toYear: number;
    amountCents: number;
    label: string;
    act: EnvelopeAct;
  };
  /** The amount changed by `changeCents` (up or down) to `amountCents`. */
  'ledger.EnvelopeAmended': { changeCents: number; amountCents: number; reason: string; act: EnvelopeAct };
};
export type EnvelopeEventType = keyof EnvelopeEventMap;
export type EnvelopeEvent = { [K in EnvelopeEventType]: { type: K; data: EnvelopeEventMap[K] } }[EnvelopeEventType];
export const ENVELOPE_EVENT_TYPES = listOfAll<EnvelopeEventType>()(['ledger.EnvelopeOpened', 'ledger.EnvelopeAmended']);

export type EnvelopeCommand =
  ({ type: 'open' } & EnvelopeEventMap['ledger.EnvelopeOpened'] & Today) | ({ type: 'amend'; changeCents: number; reason?: string; act: EnvelopeAct } & Today);

export interface EnvelopeAmendment {
  changeCents: number;
  amountCents: number;
  reason: string;
  act: EnvelopeAct;
}

export type EnvelopeState =
  | { status: 'none' }
  | (EnvelopeEventMap['ledger.EnvelopeOpened'] & { status: 'open'; initialAmountCents: number; amendments: EnvelopeAmendment[]; revision: number });

export const envelopeStreamName = (envelopeId: string): string => `envelope-${envelopeId}`;

export function decideEnvelope(command: EnvelopeCommand, state: EnvelopeState): EnvelopeEvent[] {
  checkAct(command.act, command.today);
  switch (command.type) {
    case 'open': {
      if (state.status !== 'none') throw new RuleViolation('envelope-exists', `L'enveloppe ${command.envelopeId} existe déjà`);
      requireYears(command.kind, command.fromYear, command.toYear);
      if (!isAmountCents(command.amountCents) || command.amountCents === 0)
        throw new RuleViolation('invalid-amount', `${command.amountCents} n'est pas un montant positif en centimes d'euro`, 'amountCents');
      const { type: _type, today: _today, ...data } = command;
      return [{ type: 'ledger.EnvelopeOpened', data }];
    }
    case 'amend': {
      if (state.status === 'none') throw new RuleViolation('envelope-not-opened', "Ouvrez d'abord l'enveloppe");
      if (!Number.isSafeInteger(command.changeCents) || command.changeCents === 0 || !isAmountCents(Math.abs(command.changeCents)))
        throw new RuleViolation('invalid-amount', `${command.changeCents} n'est pas une variation non nulle en centimes d'euro`, 'amountCents');
      const reason = command.reason?.trim();
      if (!reason) throw new RuleViolation('reason-required', 'Une modification de l’enveloppe doit dire pourquoi', 'reason');
      const amountCents = state.amountCents + command.changeCents;
      if (amountCents < 0)
        throw new RuleViolation(
          'envelope-amendment-below-zero',
          `Réduire l'enveloppe de ${formatEuros(-command.changeCents)} la porterait sous zéro : elle est de ${formatEuros(state.amountCents)}`,
          'amountCents',
          { envelopeCents: state.amountCents },
        );
      return [{ type: 'ledger.EnvelopeAmended', data: { changeCents: command.changeCents, amountCents, reason, act: command.act } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveEnvelope(state: EnvelopeState, event: EnvelopeEvent): EnvelopeState {
  switch (event.type) {
    case 'ledger.EnvelopeOpened':
      return { status: 'open', ...event.data, initialAmountCents: event.data.amountCents, amendments: [], revision: 0 };
    case 'ledger.EnvelopeAmended':
      if (state.status === 'none') return state;
      return { ...state, amountCents: event.data.amountCents, amendments: [...state.amendments, event.data], revision: state.revision + 1 };
    default:
      return assertNever(event);
  }
}

export const envelopeDecider: Decider<EnvelopeCommand, EnvelopeEvent, EnvelopeState> = {
  decide: decideEnvelope,
  evolve: evolveEnvelope,
  initialState: { status: 'none' },
};

export const foldEnvelope = (events: readonly EnvelopeEvent[]): EnvelopeState => fold(envelopeDecider, events);

/** Whether an envelope covers a fiscal year. */
export const envelopeCovers = (e: { fromYear: number; toYear: number }, year: number): boolean => e.fromYear <= year && year <= e.toYear;

function requireYears(kind: EnvelopeKind, fromYear: number, toYear: number): void {
  const inRange = (y: number) => Number.isInteger(y) && y >= ENVELOPE_FIRST_YEAR && y <= ENVELOPE_LAST_YEAR;
  if (!inRange(fromYear) || !inRange(toYear) || fromYear > toYear || toYear - fromYear + 1 > ENVELOPE_MAX_YEARS)
    throw new RuleViolation(
      'envelope-years-invalid',
      `Les exercices d'une enveloppe vont d'une année à une année égale ou postérieure, entre ${ENVELOPE_FIRST_YEAR} et ${ENVELOPE_LAST_YEAR}, sur ${ENVELOPE_MAX_YEARS} ans au plus (${fromYear}–${toYear})`,
      'fromYear',
    );
  if (kind === 'allocation' && fromYear !== toYear)
    throw new RuleViolation(
      'allocation-not-one-year',
      `Une dotation de BOP vaut pour un exercice, pas ${fromYear}–${toYear} : un fonds pluriannuel s'ouvre comme fonds (kind: fund)`,
      'toYear',
    );
}

function checkAct(act: EnvelopeAct, today: string): void {
  if (!isBusinessDate(act.date)) throw new RuleViolation('invalid-date', `${act.date} n'est pas une date (aaaa-mm-jj)`, 'act.date');
  requireNotAfterToday(act.date, today, 'act.date');
}
