import { type Decider, formatEuros, isAmountCents, isBusinessDate, RuleViolation, assertNever } from '@erbm/shared/kernel';
import type { CommitmentCommand, OperationEnvelope } from './commitment.commands';
import type { CommitmentEvent, FactValues, Ledgers, WarningCode } from './commitment.events';
import { type CommitmentState, type OpenCommitment, evolveCommitment, initialCommitmentState, netCommitted } from './commitment.state';

/** Advance ceilings of décret 2018-514: 30 % of the aid, 60 % with a bank guarantee; interim payments up to 80 %. */
export const ADVANCE_LIMIT = 0.3;
export const ADVANCE_LIMIT_WITH_GUARANTEE = 0.6;
export const INTERIM_LIMIT = 0.8;

const CORRECTABLE: ReadonlySet<CommitmentEvent['type']> = new Set([
  'ledger.CommitmentAnnounced',
  'ledger.CommitmentProgrammed',
  'ledger.CommitmentMade',
  'ledger.CommitmentIncreased',
  'ledger.CommitmentReduced',
  'ledger.ServiceCertified',
  'ledger.PaymentOrdered',
  'ledger.PaymentMade',
  'ledger.CommitmentReleased',
  'ledger.AmountRecovered',
]);

/**
 * Decides what a command means for a commitment: the events to record, warnings included, or a RuleViolation.
 * Rules the system enforces refuse; rules real data breaks (décret 2018-514 ceilings, payment before its decision,
 * an over-committed envelope) are recorded as warnings beside the fact.
 */
export function decideCommitment(command: CommitmentCommand, state: CommitmentState): CommitmentEvent[] {
  checkShape(command);
  if (command.type === 'announce') {
    if (state.status !== 'none') throw new RuleViolation('commitment-exists', `Commitment ${command.commitmentId} already exists`);
    const { type: _type, ...data } = command;
    return [{ type: 'ledger.CommitmentAnnounced', data }];
  }
  switch (state.status) {
    case 'none':
      throw new RuleViolation('commitment-not-announced', 'The commitment must be announced first');
    case 'closed':
    case 'lapsed':
      throw new RuleViolation(
        `commitment-${state.status}`,
        `The commitment is ${state.status === 'closed' ? 'closed' : 'lapsed'} since ${state.endedOn}: nothing more can be recorded on it`,
      );
    case 'announced':
    case 'programmed':
    case 'committed':
      return decideOpen(command, state);
    default:
      return assertNever(state);
  }
}

export const commitmentDecider: Decider<CommitmentCommand, CommitmentEvent, CommitmentState> = {
  decide: decideCommitment,
  evolve: evolveCommitment,
  initialState: initialCommitmentState,
};

function decideOpen(command: Exclude<CommitmentCommand, { type: 'announce' }>, s: OpenCommitment): CommitmentEvent[] {
  const l = s.ledgers;
  const next = s.revision + 1;
  switch (command.type) {
    case 'programme': {
      const { type: _t, ...data } = command;
      return [{ type: 'ledger.CommitmentProgrammed', data }];
    }
    case 'commit': {
      requireWithinProgrammed(l, command.amountCents, command.decision !== undefined);
      const { type: _t, envelope, ...data } = command;
      return [{ type: 'ledger.CommitmentMade', data }, ...envelopeWarning(l, command.amountCents, envelope, next)];
    }
    case 'increase': {
      requireCommitted(s);
      const reason = requireReason(command.reason);
      requireWithinProgrammed(l, command.amountCents, command.decision !== undefined);
      const { type: _t, envelope, ...data } = command;
      return [{ type: 'ledger.CommitmentIncreased', data: { ...data, reason } }, ...envelopeWarning(l, command.amountCents, envelope, next)];
    }
    case 'reduce': {
      requireCommitted(s);
      const reason = requireReason(command.reason);
      const floor = Math.max(l.paid, l.ordered, l.certified);
      if (netCommitted(l) - command.amountCents < floor)
        throw new RuleViolation(
          'reduce-below-paid',
          `Reducing by ${formatEuros(command.amountCents)} would leave less committed (${formatEuros(netCommitted(l) - command.amountCents)}) than already certified, ordered or paid (${formatEuros(floor)})`,
          'amountCents',
        );
      const { type: _t, ...data } = command;
      return [{ type: 'ledger.CommitmentReduced', data: { ...data, reason } }];
    }
    case 'carryOver': {
      const reason = requireReason(command.reason);
      if (command.toFiscalYear !== s.fiscalYear + 1)
        throw new RuleViolation(
          'carry-over-not-next-year',
          `A commitment of fiscal year ${s.fiscalYear} is carried over to ${s.fiscalYear + 1}, not ${command.toFiscalYear}`,
          'toFiscalYear',
        );
      return [{ type: 'ledger.CommitmentCarriedOver', data: { fromFiscalYear: s.fiscalYear, toFiscalYear: command.toFiscalYear, date: command.date, reason } }];
    }
    case 'changeFundingLine': {
      const reason = requireReason(command.reason);
      if (command.fundingLine === s.fundingLine)
        throw new RuleViolation('same-funding-line', `The commitment is already on funding line ${s.fundingLine}`, 'fundingLine');
      return [{ type: 'ledger.CommitmentFundingLineChanged', data: { from: s.fundingLine, to: command.fundingLine, date: command.date, reason } }];
    }
    case 'certify':
      requireCommitted(s);
      requireWithinCommitted(l, l.certified, command.amountCents, 'certify-exceeds-committed', 'certified');
      return [{ type: 'ledger.ServiceCertified', data: { amountCents: command.amountCents, date: command.date, reference: command.reference } }];
    case 'order':
      requireCommitted(s);
      requireWithinCommitted(l, l.ordered, command.amountCents, 'order-exceeds-committed', 'ordered');
      return [{ type: 'ledger.PaymentOrdered', data: { amountCents: command.amountCents, date: command.date, reference: command.reference } }];
    case 'pay': {
      requireCommitted(s);
      requireWithinCommitted(l, l.paid, command.amountCents, 'payment-exceeds-committed', 'paid');
      const paid: CommitmentEvent = {
        type: 'ledger.PaymentMade',
        data: { amountCents: command.amountCents, date: command.date, kind: command.kind, reference: command.reference },
      };
      return [paid, ...paymentWarnings(s, command, next)];
    }
    case 'release': {
      requireCommitted(s);
      const reason = requireReason(command.reason);
      const releasable = netCommitted(l) - Math.max(l.paid, l.ordered);
      if (command.amountCents > releasable)
        throw new RuleViolation(
          'release-exceeds-remaining',
          `Only ${formatEuros(releasable)} is committed and not yet ordered or paid; cannot release ${formatEuros(command.amountCents)}`,
          'amountCents',
        );
      return [{ type: 'ledger.CommitmentReleased', data: { amountCents: command.amountCents, date: command.date, reason } }];
    }
    case 'lapse': {
      const reason = requireReason(command.reason);
      return [{ type: 'ledger.CommitmentLapsed', data: { releasedCents: Math.max(0, netCommitted(l) - l.paid), date: command.date, reason } }];
    }
    case 'recover': {
      const reason = requireReason(command.reason);
      if (command.amountCents > l.paid - l.recovered)
        throw new RuleViolation(
          'recovery-exceeds-paid',
          `Only ${formatEuros(l.paid - l.recovered)} was paid and not yet recovered; cannot recover ${formatEuros(command.amountCents)}`,
          'amountCents',
        );
      return [{ type: 'ledger.AmountRecovered', data: { amountCents: command.amountCents, date: command.date, reference: command.reference, reason } }];
    }
    case 'close': {
      const remaining = netCommitted(l) - l.paid;
      if (remaining > 0)
        throw new RuleViolation(
          'close-with-reste-a-payer',
          `${formatEuros(remaining)} is committed and neither paid nor released: pay the balance or release it before closing`,
        );
      return [{ type: 'ledger.CommitmentClosed', data: { date: command.date, ...(command.reason ? { reason: command.reason } : {}) } }];
    }
    case 'correct':
      return decideCorrection(command, s);
    default:
      return assertNever(command);
  }
}

function decideCorrection(command: Extract<CommitmentCommand, { type: 'correct' }>, s: OpenCommitment): CommitmentEvent[] {
  const reason = requireReason(command.reason);
  const target = s.facts[command.revision];
  if (!target || !CORRECTABLE.has(target.type))
    throw new RuleViolation(
      'fact-not-correctable',
      `Revision ${command.revision} is not a fact with an amount, a date or a reference that can be corrected`,
      'revision',
    );
  const before = target.values;
  const after: FactValues = {
    ...before,
    ...(command.amountCents !== undefined ? { amountCents: command.amountCents } : {}),
    ...(command.factDate !== undefined ? { date: command.factDate } : {}),
    ...(command.reference !== undefined ? { reference: command.reference } : {}),
  };
  if (command.amountCents !== undefined && before.amountCents === undefined)
    throw new RuleViolation('fact-not-correctable', `Revision ${command.revision} has no amount to correct`, 'amountCents');
  if (command.reference !== undefined && before.reference === undefined)
    throw new RuleViolation('fact-not-correctable', `Revision ${command.revision} has no reference to correct`, 'reference');
  if (JSON.stringify(after) === JSON.stringify(before))
    throw new RuleViolation('correction-changes-nothing', 'The correction gives the values the fact already has');
  const ledgers = { ...s.ledgers };
  if (target.ledger) ledgers[target.ledger] += (target.sign ?? 1) * ((after.amountCents ?? 0) - (before.amountCents ?? 0));
  const broken = brokenInvariant(ledgers);
  if (broken) throw new RuleViolation('correction-breaks-ledger', `After this correction ${broken}`, 'amountCents');
  return [
    {
      type: 'ledger.CommitmentFactCorrected',
      data: { correctsRevision: command.revision, correctsType: target.type, reason, before, after, date: command.date },
    },
  ];
}

function brokenInvariant(l: Ledgers): string | undefined {
  const net = netCommitted(l);
  if (l.committed < 0 || net < 0) return 'more would be released or reduced than committed';
  if (l.paid > net) return `paid (${formatEuros(l.paid)}) would exceed committed (${formatEuros(net)})`;
  if (l.ordered > net) return `ordered (${formatEuros(l.ordered)}) would exceed committed (${formatEuros(net)})`;
  if (l.certified > net) return `certified (${formatEuros(l.certified)}) would exceed committed (${formatEuros(net)})`;
  if (l.recovered > l.paid) return `recovered (${formatEuros(l.recovered)}) would exceed paid (${formatEuros(l.paid)})`;
  return undefined;
}

function requireCommitted(s: OpenCommitment): void {
  if (s.status !== 'committed') throw new RuleViolation('not-committed', `The commitment is ${s.status}: no legal act commits it yet`);
}

function requireReason(reason: string | undefined): string {
  if (!reason || !reason.trim()) throw new RuleViolation('reason-required', 'An amendment, a release or a correction must say why', 'reason');
  return reason.trim();
}

function requireWithinProgrammed(l: Ledgers, amount: number, withDecision: boolean): void {
  if (withDecision) return;
  if (l.committed + amount > l.programmed)
    throw new RuleViolation(
      'commit-exceeds-programmed',
      `Committing ${formatEuros(amount)} would bring the commitment to ${formatEuros(l.committed + amount)}, above the ${formatEuros(l.programmed)} programmed: name the decision that grants it`,
      'decision',
    );
}

function requireWithinCommitted(l: Ledgers, current: number, amount: number, rule: string, what: string): void {
  const net = netCommitted(l);
  if (current + amount > net)
    throw new RuleViolation(rule, `${formatEuros(current + amount)} would be ${what}, above the ${formatEuros(net)} committed`, 'amountCents');
}

function warning(code: WarningCode, message: string, raisedByRevision: number, amountCents?: number, limitCents?: number): CommitmentEvent {
  return {
    type: 'ledger.CommitmentWarningRaised',
    data: { code, message, raisedByRevision, ...(amountCents !== undefined ? { amountCents } : {}), ...(limitCents !== undefined ? { limitCents } : {}) },
  };
}

function envelopeWarning(l: Ledgers, amount: number, envelope: OperationEnvelope | undefined, revision: number): CommitmentEvent[] {
  if (!envelope) return [];
  const total = envelope.otherCommitmentsCents + netCommitted(l) + amount;
  if (total <= envelope.eligibleCostCents) return [];
  return [
    warning(
      'envelope-over-committed',
      `Les aides engagées sur l'opération (${formatEuros(total)}) dépassent son coût éligible (${formatEuros(envelope.eligibleCostCents)})`,
      revision,
      total,
      envelope.eligibleCostCents,
    ),
  ];
}

function paymentWarnings(s: OpenCommitment, command: Extract<CommitmentCommand, { type: 'pay' }>, revision: number): CommitmentEvent[] {
  const warnings: CommitmentEvent[] = [];
  const base = netCommitted(s.ledgers);
  const paidOfKind = (kinds: string[]) =>
    s.facts.filter((f) => f.paymentKind && kinds.includes(f.paymentKind)).reduce((sum, f) => sum + (f.values.amountCents ?? 0), 0);
  if (command.kind === 'advance') {
    const rate = command.guarantee ? ADVANCE_LIMIT_WITH_GUARANTEE : ADVANCE_LIMIT;
    const limit = Math.floor(base * rate);
    const advances = paidOfKind(['advance']) + command.amountCents;
    if (advances > limit)
      warnings.push(
        warning(
          'advance-above-limit',
          `Avances versées ${formatEuros(advances)} : au-delà de ${rate * 100} % du montant engagé (${formatEuros(limit)})`,
          revision,
          advances,
          limit,
        ),
      );
  }
  if (command.kind === 'interim') {
    const limit = Math.floor(base * INTERIM_LIMIT);
    const beforeBalance = paidOfKind(['advance', 'interim']) + command.amountCents;
    if (beforeBalance > limit)
      warnings.push(
        warning(
          'interim-above-limit',
          `Avances et acomptes versés ${formatEuros(beforeBalance)} : au-delà de 80 % du montant engagé (${formatEuros(limit)})`,
          revision,
          beforeBalance,
          limit,
        ),
      );
  }
  const firstDecision = s.decisions.map((d) => d.date).sort()[0];
  if (firstDecision && command.date < firstDecision)
    warnings.push(warning('payment-before-decision', `Paiement daté du ${command.date}, antérieur à la décision du ${firstDecision}`, revision));
  return warnings;
}

function checkShape(command: CommitmentCommand): void {
  if (!isBusinessDate(command.date)) throw new RuleViolation('invalid-date', `${command.date} is not a date (yyyy-mm-dd)`, 'date');
  if ('amountCents' in command && command.amountCents !== undefined) {
    const zeroAllowed = command.type === 'announce' || command.type === 'correct';
    if (!isAmountCents(command.amountCents) || (!zeroAllowed && command.amountCents === 0))
      throw new RuleViolation('invalid-amount', `${command.amountCents} is not a positive amount in euro cents`, 'amountCents');
  }
}
