import {
  type Decider,
  RuleViolation,
  assertNever,
  fiscalYearOf,
  formatBusinessDate,
  formatEuros,
  isAmountCents,
  isBusinessDate,
  requireNotAfterToday,
} from '@erbm/shared/kernel';
import { type ActRef, actRefOf, requireActGrant } from '../governance/act';
import { requireGrant } from '../governance/meeting';
import type { CitedAct, CitedDecision, CommitmentCommand, FundingEnvelopeUse, OperationEnvelope } from './commitment.commands';
import type { CommitmentEvent, DecisionRef, FactValues, Ledger, Ledgers, WarningCode } from './commitment.events';
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

/** How a ledger's amount reads in a sentence ("… seraient payés"). */
const LEDGER_PARTICIPLES: Readonly<Record<Ledger, string>> = {
  announced: 'annoncés',
  programmed: 'programmés',
  committed: 'engagés',
  certified: 'certifiés (service fait)',
  ordered: 'mandatés',
  paid: 'payés',
  released: 'dégagés',
  recovered: 'reversés',
};

const STATUS_LABELS: Readonly<Record<OpenCommitment['status'], string>> = { announced: 'annoncé', programmed: 'programmé', committed: 'engagé' };

/**
 * Decides what a command means for a commitment: the events to record, warnings included, or a RuleViolation.
 * Rules the system enforces refuse; rules real data breaks (décret 2018-514 ceilings, payment before its decision,
 * an over-committed envelope, a payment beyond the service fait or the payment requests) are recorded as warnings
 * beside the fact. The rule set: docs/rules.md.
 */
export function decideCommitment(command: CommitmentCommand, state: CommitmentState): CommitmentEvent[] {
  checkShape(command);
  if (command.type === 'announce') {
    if (state.status !== 'none') throw new RuleViolation('commitment-exists', `L'engagement ${command.commitmentId} existe déjà`);
    const year = fiscalYearOf(command.date);
    if (command.fiscalYear !== year)
      throw new RuleViolation(
        'fiscal-year-not-year-of-date',
        `L'exercice d'un engagement est l'année de la date de son acte (${year}), pas ${command.fiscalYear} : seul un report le fait passer à l'exercice suivant`,
        'fiscalYear',
        { fiscalYear: year },
      );
    const { type: _type, today: _today, ...data } = command;
    return [{ type: 'ledger.CommitmentAnnounced', data }];
  }
  // Who received the money is a fact about the past: it may be set on a closed or lapsed commitment too.
  if (command.type === 'assignBeneficiary') {
    if (state.status === 'none') throw new RuleViolation('commitment-not-announced', "Annoncez d'abord l'engagement");
    const reason = requireReason(command.reason);
    if (command.beneficiaryId === state.beneficiaryId)
      throw new RuleViolation('same-beneficiary', `Le bénéficiaire de l'engagement est déjà ${command.beneficiaryId}`, 'beneficiaryId');
    return [{ type: 'ledger.CommitmentBeneficiaryAssigned', data: { beneficiaryId: command.beneficiaryId, date: command.date, reason } }];
  }
  switch (state.status) {
    case 'none':
      throw new RuleViolation('commitment-not-announced', "Annoncez d'abord l'engagement");
    case 'closed':
    case 'lapsed':
      throw new RuleViolation(
        `commitment-${state.status}`,
        `L'engagement est ${state.status === 'closed' ? 'clos' : 'caduc'} depuis le ${formatBusinessDate(state.endedOn)} : plus rien ne peut y être enregistré`,
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

function decideOpen(command: Exclude<CommitmentCommand, { type: 'announce' | 'assignBeneficiary' }>, s: OpenCommitment): CommitmentEvent[] {
  const l = s.ledgers;
  const next = s.revision + 1;
  switch (command.type) {
    case 'programme': {
      // What the decision or the act granted and what was programmed under it already are checked in its own stream,
      // where they are counted (governance/meeting.ts, governance/act.ts): this programming follows from the one there.
      const { decision, act } = command;
      if ((decision === undefined) === (act === undefined))
        throw new RuleViolation(
          'programming-source',
          "Une programmation cite soit la décision d'une réunion, soit un acte : exactement l'un des deux",
          'decision',
        );
      return [
        {
          type: 'ledger.CommitmentProgrammed',
          data: { amountCents: command.amountCents, date: command.date, ...(decision ? { decision: refOf(decision) } : { act: actRefOf(act as ActRef) }) },
        },
      ];
    }
    case 'commit': {
      const decision = citedDecision(s, command.decision);
      const act = citedAct(s, command.act);
      requireWithinProgrammed(l, command.amountCents, decision !== undefined || act !== undefined);
      const { amountCents, date, legalAct } = command;
      return [
        { type: 'ledger.CommitmentMade', data: { amountCents, date, legalAct, ...(decision ? { decision } : {}), ...(act ? { act } : {}) } },
        ...envelopeWarning(l, amountCents, command.envelope, next),
        ...fundingEnvelopeWarning(amountCents, command.fundingEnvelope, next),
      ];
    }
    case 'increase': {
      requireCommitted(s);
      const reason = requireReason(command.reason);
      const decision = citedDecision(s, command.decision);
      const act = citedAct(s, command.act);
      requireWithinProgrammed(l, command.amountCents, decision !== undefined || act !== undefined);
      const { amountCents, date, legalAct } = command;
      return [
        {
          type: 'ledger.CommitmentIncreased',
          data: { amountCents, date, reason, ...(legalAct ? { legalAct } : {}), ...(decision ? { decision } : {}), ...(act ? { act } : {}) },
        },
        ...envelopeWarning(l, amountCents, command.envelope, next),
        ...fundingEnvelopeWarning(amountCents, command.fundingEnvelope, next),
      ];
    }
    case 'reduce': {
      requireCommitted(s);
      const reason = requireReason(command.reason);
      const floor = Math.max(l.paid, l.ordered, l.certified);
      if (netCommitted(l) - command.amountCents < floor)
        throw new RuleViolation(
          'reduce-below-paid',
          `Réduire de ${formatEuros(command.amountCents)} laisserait ${formatEuros(netCommitted(l) - command.amountCents)} engagés, moins que le déjà certifié, mandaté ou payé (${formatEuros(floor)})`,
          'amountCents',
          { floorCents: floor },
        );
      const { amountCents, date, legalAct } = command;
      return [{ type: 'ledger.CommitmentReduced', data: { amountCents, date, reason, ...(legalAct ? { legalAct } : {}) } }];
    }
    case 'carryOver': {
      const reason = requireReason(command.reason);
      if (command.toFiscalYear !== s.fiscalYear + 1)
        throw new RuleViolation(
          'carry-over-not-next-year',
          `Un engagement de l'exercice ${s.fiscalYear} se reporte sur l'exercice ${s.fiscalYear + 1}, pas sur ${command.toFiscalYear}`,
          'toFiscalYear',
        );
      return [{ type: 'ledger.CommitmentCarriedOver', data: { fromFiscalYear: s.fiscalYear, toFiscalYear: command.toFiscalYear, date: command.date, reason } }];
    }
    case 'changeFundingLine': {
      const reason = requireReason(command.reason);
      if (command.fundingLine === s.fundingLine)
        throw new RuleViolation('same-funding-line', `L'engagement est déjà sur la ligne ${s.fundingLine}`, 'fundingLine');
      return [{ type: 'ledger.CommitmentFundingLineChanged', data: { from: s.fundingLine, to: command.fundingLine, date: command.date, reason } }];
    }
    case 'certify':
      requireCommitted(s);
      requireWithinCommitted(l, l.certified, command.amountCents, 'certified');
      return [{ type: 'ledger.ServiceCertified', data: { amountCents: command.amountCents, date: command.date, reference: command.reference } }];
    case 'order':
      requireCommitted(s);
      requireWithinCommitted(l, l.ordered, command.amountCents, 'ordered');
      return [{ type: 'ledger.PaymentOrdered', data: { amountCents: command.amountCents, date: command.date, reference: command.reference } }];
    case 'pay': {
      requireCommitted(s);
      requireWithinCommitted(l, l.paid, command.amountCents, 'paid');
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
          `Seuls ${formatEuros(releasable)} sont engagés et ni mandatés ni payés : impossible d'en dégager ${formatEuros(command.amountCents)}`,
          'amountCents',
          { remainingCents: releasable },
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
          `Seuls ${formatEuros(l.paid - l.recovered)} ont été payés et non encore reversés : impossible d'en reverser ${formatEuros(command.amountCents)}`,
          'amountCents',
          { remainingCents: l.paid - l.recovered },
        );
      return [{ type: 'ledger.AmountRecovered', data: { amountCents: command.amountCents, date: command.date, reference: command.reference, reason } }];
    }
    case 'close': {
      const remaining = netCommitted(l) - l.paid;
      if (remaining > 0)
        throw new RuleViolation(
          'close-with-reste-a-payer',
          `${formatEuros(remaining)} sont engagés et ni payés ni dégagés : payez le solde ou dégagez-le avant de clore l'engagement`,
          undefined,
          { resteAPayerCents: remaining },
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
      `La révision ${command.revision} n'est pas un fait dont le montant, la date ou la référence se corrige`,
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
    throw new RuleViolation('fact-not-correctable', `La révision ${command.revision} n'a pas de montant à corriger`, 'amountCents');
  if (command.reference !== undefined && before.reference === undefined)
    throw new RuleViolation('fact-not-correctable', `La révision ${command.revision} n'a pas de référence à corriger`, 'reference');
  if (JSON.stringify(after) === JSON.stringify(before))
    throw new RuleViolation('correction-changes-nothing', 'La correction donne les valeurs que le fait a déjà');
  // A programming counts against its decision's amounts, in the meeting's stream: a correction may give back part of
  // it (the meeting then releases it), never take more than the decision was asked for.
  if (target.type === 'ledger.CommitmentProgrammed' && (after.amountCents ?? 0) > (before.amountCents ?? 0))
    throw new RuleViolation(
      'correction-raises-programmed',
      `Une correction peut réduire un montant programmé (${formatEuros(before.amountCents ?? 0)}), pas l'augmenter : programmez la différence par une décision`,
      'amountCents',
    );
  const ledgers = { ...s.ledgers };
  if (target.ledger) ledgers[target.ledger] += (target.sign ?? 1) * ((after.amountCents ?? 0) - (before.amountCents ?? 0));
  const broken = brokenInvariant(ledgers);
  if (broken) throw new RuleViolation('correction-breaks-ledger', `Après cette correction, ${broken}`, 'amountCents');
  return [
    {
      type: 'ledger.CommitmentFactCorrected',
      data: { correctsRevision: command.revision, correctsType: target.type, reason, before, after, date: command.date },
    },
  ];
}

function brokenInvariant(l: Ledgers): string | undefined {
  const net = netCommitted(l);
  if (l.committed < 0 || net < 0) return "plus serait dégagé ou réduit qu'engagé";
  if (l.paid > net) return `le payé (${formatEuros(l.paid)}) dépasserait l'engagé (${formatEuros(net)})`;
  if (l.ordered > net) return `le mandaté (${formatEuros(l.ordered)}) dépasserait l'engagé (${formatEuros(net)})`;
  if (l.certified > net) return `le service fait certifié (${formatEuros(l.certified)}) dépasserait l'engagé (${formatEuros(net)})`;
  if (l.recovered > l.paid) return `le reversé (${formatEuros(l.recovered)}) dépasserait le payé (${formatEuros(l.paid)})`;
  return undefined;
}

function requireCommitted(s: OpenCommitment): void {
  if (s.status !== 'committed')
    throw new RuleViolation('not-committed', `L'engagement est ${STATUS_LABELS[s.status]} : aucun acte juridique ne l'engage encore`);
}

function requireReason(reason: string | undefined): string {
  if (!reason || !reason.trim())
    throw new RuleViolation('reason-required', 'Une modification, un dégagement, une caducité, un reversement ou une correction doit dire pourquoi', 'reason');
  return reason.trim();
}

/** The decision a commit or an increase cites, once checked: approved, and granting this financer's funding line. */
function citedDecision(s: OpenCommitment, decision: CitedDecision | undefined): DecisionRef | undefined {
  if (!decision) return undefined;
  requireGrant(decision, s.financer, s.fundingLine);
  return refOf(decision);
}

/** The act a commit or an increase cites, once checked: granting this financer's funding line. */
function citedAct(s: OpenCommitment, act: CitedAct | undefined): ActRef | undefined {
  if (!act) return undefined;
  requireActGrant(act, s.financer, s.fundingLine);
  return actRefOf(act);
}

const refOf = (d: DecisionRef): DecisionRef => ({ meetingId: d.meetingId, decisionId: d.decisionId, date: d.date, ...(d.body ? { body: d.body } : {}) });

function requireWithinProgrammed(l: Ledgers, amount: number, withDecision: boolean): void {
  if (withDecision) return;
  if (l.committed + amount > l.programmed)
    throw new RuleViolation(
      'commit-exceeds-programmed',
      `Engager ${formatEuros(amount)} porterait l'engagement à ${formatEuros(l.committed + amount)}, au-delà des ${formatEuros(l.programmed)} programmés : citez la décision ou l'acte qui l'accorde`,
      'decision',
      { programmedCents: l.programmed },
    );
}

function requireWithinCommitted(l: Ledgers, current: number, amount: number, ledger: 'certified' | 'ordered' | 'paid'): void {
  const net = netCommitted(l);
  if (current + amount > net)
    throw new RuleViolation(
      ledger === 'certified' ? 'certify-exceeds-committed' : ledger === 'ordered' ? 'order-exceeds-committed' : 'payment-exceeds-committed',
      `${formatEuros(current + amount)} seraient ${LEDGER_PARTICIPLES[ledger]}, au-delà des ${formatEuros(net)} engagés`,
      'amountCents',
      { remainingCents: net - current },
    );
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

function fundingEnvelopeWarning(amount: number, envelope: FundingEnvelopeUse | undefined, revision: number): CommitmentEvent[] {
  if (!envelope) return [];
  const total = envelope.committedCents + amount;
  if (total <= envelope.amountCents) return [];
  const years = envelope.fromYear === envelope.toYear ? `${envelope.fromYear}` : `${envelope.fromYear}–${envelope.toYear}`;
  return [
    warning(
      'funding-envelope-over-committed',
      `Les engagements sur la ligne ${envelope.fundingLine} pour ${years} (${formatEuros(total)}) dépassent l'enveloppe « ${envelope.label} » (${formatEuros(envelope.amountCents)}, ${envelope.envelopeId})`,
      revision,
      total,
      envelope.amountCents,
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
  const firstDecision = [...s.decisions, ...(s.acts ?? [])].map((d) => d.date).sort()[0];
  if (firstDecision && command.date < firstDecision)
    warnings.push(
      warning(
        'payment-before-decision',
        `Paiement daté du ${formatBusinessDate(command.date)}, antérieur à la décision du ${formatBusinessDate(firstDecision)}`,
        revision,
      ),
    );
  // The payment chain: a payment follows a certified service fait and a payment request. Paying beyond either is what
  // a contrôleur looks at first; real extracts do it (a payment keyed before its request), so it is recorded, flagged.
  const paid = s.ledgers.paid + command.amountCents;
  if (paid > s.ledgers.certified)
    warnings.push(
      warning(
        'payment-exceeds-certified',
        `Paiements cumulés ${formatEuros(paid)} : au-delà du service fait certifié (${formatEuros(s.ledgers.certified)})`,
        revision,
        paid,
        s.ledgers.certified,
      ),
    );
  if (paid > s.ledgers.ordered)
    warnings.push(
      warning(
        'payment-exceeds-ordered',
        `Paiements cumulés ${formatEuros(paid)} : au-delà des demandes de paiement mandatées (${formatEuros(s.ledgers.ordered)})`,
        revision,
        paid,
        s.ledgers.ordered,
      ),
    );
  return warnings;
}

/** Well-formed values, and no fact dated after today (Europe/Paris). */
function checkShape(command: CommitmentCommand): void {
  if (!isBusinessDate(command.date)) throw new RuleViolation('invalid-date', `${command.date} n'est pas une date (aaaa-mm-jj)`, 'date');
  if ('amountCents' in command && command.amountCents !== undefined) {
    const zeroAllowed = command.type === 'announce' || command.type === 'correct';
    if (!isAmountCents(command.amountCents) || (!zeroAllowed && command.amountCents === 0))
      throw new RuleViolation('invalid-amount', `${command.amountCents} n'est pas un montant positif en centimes d'euro`, 'amountCents');
  }
  requireNotAfterToday(command.date, command.today, 'date');
  if ('legalAct' in command && command.legalAct) requireNotAfterToday(command.legalAct.date, command.today, 'legalAct.date');
  if (command.type === 'correct' && command.factDate !== undefined) requireNotAfterToday(command.factDate, command.today, 'factDate');
}
