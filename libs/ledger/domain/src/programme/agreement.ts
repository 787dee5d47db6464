import { type Decider, type Today, RuleViolation, assertNever, fold, formatBusinessDate, isBusinessDate, requireNotAfterToday } from '@erbm/shared/kernel';

/**
 * A framework agreement of the programme (the ERBM contract signed on 7 March 2017, its amendments, a successor): its
 * period, its scope, its signatories by date. A successor names the agreement it succeeds and the day it takes over;
 * that link lives on the successor's stream only, so that one append records it.
 */

export interface AgreementSignedData {
  agreementId: string;
  title: string;
  signedOn: string;
  periodFrom: string;
  periodTo: string;
  scope: string;
  /** The agreement this one succeeds, from `inForceFrom`. */
  succeeds?: string;
  /** The day it takes effect (default: the start of its period). */
  inForceFrom?: string;
}

export interface AmendmentData {
  amendmentId: string;
  /** The amendment's reference (avenant n°). */
  reference: string;
  signedOn: string;
  effectiveFrom: string;
  subject: string;
  /** A new end of the period. */
  periodTo?: string;
  /** A new scope. */
  scope?: string;
}

export type AgreementEventMap = {
  'programme.AgreementSigned': AgreementSignedData;
  'programme.AgreementAmended': AmendmentData;
  'programme.SignatoryJoined': { party: string; date: string };
  'programme.SignatoryLeft': { party: string; date: string; reason: string };
};
export type AgreementEventType = keyof AgreementEventMap;
export type AgreementEvent = { [K in AgreementEventType]: { type: K; data: AgreementEventMap[K] } }[AgreementEventType];
export const AGREEMENT_EVENT_TYPES: readonly AgreementEventType[] = [
  'programme.AgreementSigned',
  'programme.AgreementAmended',
  'programme.SignatoryJoined',
  'programme.SignatoryLeft',
];

/** An agreement's predecessor as its stream says, when a successor is signed. */
export interface Predecessor {
  agreementId: string;
  periodFrom: string;
  periodTo: string;
}

export type AgreementCommand =
  | ({ type: 'sign'; signatories: string[]; predecessor?: Predecessor } & AgreementSignedData & Today)
  | ({ type: 'amend'; joining: string[]; leaving: { party: string; reason: string }[] } & AmendmentData & Today);

export interface SignatoryPeriod {
  party: string;
  from: string;
  /** The day it left (it no longer signs from then). */
  until?: string;
  leaveReason?: string;
}

export type AgreementState =
  | { status: 'none' }
  | (AgreementSignedData & {
      status: 'signed';
      /** The end of the period as signed (`periodTo` is as amended since). */
      signedPeriodTo: string;
      amendments: AmendmentData[];
      signatories: SignatoryPeriod[];
      revision: number;
    });
export type SignedAgreement = Extract<AgreementState, { status: 'signed' }>;

export const agreementStreamName = (agreementId: string): string => `agreement-${agreementId}`;
export const agreementIdOf = (streamName: string): string | undefined =>
  streamName.startsWith('agreement-') ? streamName.slice('agreement-'.length) : undefined;

const requireDate = (date: string, field: string) => {
  if (!isBusinessDate(date)) throw new RuleViolation('invalid-date', `${date} n'est pas une date (aaaa-mm-jj)`, field);
};

function requirePeriod(from: string, to: string, field: string): void {
  if (to < from)
    throw new RuleViolation(
      'agreement-period-invalid',
      `La période se termine le ${formatBusinessDate(to)}, avant son début le ${formatBusinessDate(from)}`,
      field,
    );
}

/** The parties that sign the agreement on a day. */
export const signatoriesAt = (state: SignedAgreement, date: string): string[] =>
  state.signatories.filter((s) => s.from <= date && (s.until === undefined || date < s.until)).map((s) => s.party);

export function decideAgreement(command: AgreementCommand, state: AgreementState): AgreementEvent[] {
  switch (command.type) {
    case 'sign':
      return sign(command, state);
    case 'amend':
      return amend(command, state);
    default:
      return assertNever(command);
  }
}

function sign(command: Extract<AgreementCommand, { type: 'sign' }>, state: AgreementState): AgreementEvent[] {
  if (state.status !== 'none') throw new RuleViolation('agreement-exists', `L'accord-cadre ${command.agreementId} est déjà enregistré`, 'agreementId');
  requireDate(command.signedOn, 'signedOn');
  requireNotAfterToday(command.signedOn, command.today, 'signedOn');
  requirePeriod(command.periodFrom, command.periodTo, 'periodTo');
  const inForceFrom = command.inForceFrom ?? command.periodFrom;
  if (inForceFrom < command.periodFrom || inForceFrom > command.periodTo)
    throw new RuleViolation(
      'agreement-period-invalid',
      `L'accord prend effet le ${formatBusinessDate(inForceFrom)}, hors de sa période (${formatBusinessDate(command.periodFrom)} – ${formatBusinessDate(command.periodTo)})`,
      'inForceFrom',
    );
  if (command.signatories.length === 0) throw new RuleViolation('agreement-without-signatory', 'Un accord-cadre a au moins un signataire', 'signatories');
  const duplicate = command.signatories.find((p, i) => command.signatories.indexOf(p) !== i);
  if (duplicate) throw new RuleViolation('already-a-signatory', `${duplicate} est cité deux fois parmi les signataires`, 'signatories');
  if (command.succeeds !== undefined) {
    if (command.succeeds === command.agreementId || !command.predecessor || command.predecessor.agreementId !== command.succeeds)
      throw new RuleViolation(
        'unknown-agreement',
        `Aucun accord-cadre ${command.succeeds} n'est enregistré : un successeur succède à un accord connu`,
        'succeeds',
      );
    if (inForceFrom <= command.predecessor.periodFrom)
      throw new RuleViolation(
        'successor-before-predecessor',
        `Le successeur prend effet le ${formatBusinessDate(inForceFrom)}, pas après le début de l'accord ${command.succeeds} (${formatBusinessDate(command.predecessor.periodFrom)})`,
        'inForceFrom',
      );
  }
  const { type: _t, today: _today, signatories, predecessor: _p, ...data } = command;
  return [
    { type: 'programme.AgreementSigned', data: { ...data, ...(command.succeeds !== undefined ? { inForceFrom } : {}) } },
    ...signatories.map((party): AgreementEvent => ({ type: 'programme.SignatoryJoined', data: { party, date: command.signedOn } })),
  ];
}

function amend(command: Extract<AgreementCommand, { type: 'amend' }>, state: AgreementState): AgreementEvent[] {
  if (state.status !== 'signed') throw new RuleViolation('agreement-not-signed', "Enregistrez la signature de l'accord-cadre avant ses avenants");
  if (state.amendments.some((a) => a.amendmentId === command.amendmentId || a.reference === command.reference))
    throw new RuleViolation('amendment-exists', `L'avenant ${command.reference} est déjà enregistré`, 'reference');
  requireDate(command.signedOn, 'signedOn');
  requireDate(command.effectiveFrom, 'effectiveFrom');
  requireNotAfterToday(command.signedOn, command.today, 'signedOn');
  if (command.effectiveFrom < state.signedOn)
    throw new RuleViolation(
      'amendment-before-agreement',
      `L'avenant prendrait effet le ${formatBusinessDate(command.effectiveFrom)}, avant la signature de l'accord (${formatBusinessDate(state.signedOn)})`,
      'effectiveFrom',
    );
  if (command.periodTo !== undefined) requirePeriod(state.periodFrom, command.periodTo, 'periodTo');
  const current = signatoriesAt(state, command.effectiveFrom);
  for (const [i, party] of command.joining.entries())
    if (current.includes(party) || command.joining.indexOf(party) !== i)
      throw new RuleViolation('already-a-signatory', `${party} signe déjà l'accord au ${formatBusinessDate(command.effectiveFrom)}`, `joining[${i}]`);
  for (const [i, { party }] of command.leaving.entries())
    if (!current.includes(party) || command.leaving.findIndex((l) => l.party === party) !== i)
      throw new RuleViolation('not-a-signatory', `${party} ne signe pas l'accord au ${formatBusinessDate(command.effectiveFrom)}`, `leaving[${i}].party`);
  const { type: _t, today: _today, joining, leaving, ...data } = command;
  return [
    { type: 'programme.AgreementAmended', data },
    ...joining.map((party): AgreementEvent => ({ type: 'programme.SignatoryJoined', data: { party, date: command.effectiveFrom } })),
    ...leaving.map(({ party, reason }): AgreementEvent => ({ type: 'programme.SignatoryLeft', data: { party, date: command.effectiveFrom, reason } })),
  ];
}

export function evolveAgreement(state: AgreementState, event: AgreementEvent): AgreementState {
  if (event.type === 'programme.AgreementSigned')
    return { status: 'signed', ...event.data, signedPeriodTo: event.data.periodTo, amendments: [], signatories: [], revision: 0 };
  if (state.status !== 'signed') throw new Error(`${event.type} before AgreementSigned`);
  const next = { ...state, revision: state.revision + 1 };
  switch (event.type) {
    case 'programme.AgreementAmended':
      return {
        ...next,
        amendments: [...state.amendments, event.data],
        ...(event.data.periodTo !== undefined ? { periodTo: event.data.periodTo } : {}),
        ...(event.data.scope !== undefined ? { scope: event.data.scope } : {}),
      };
    case 'programme.SignatoryJoined':
      return { ...next, signatories: [...state.signatories, { party: event.data.party, from: event.data.date }] };
    case 'programme.SignatoryLeft':
      return {
        ...next,
        signatories: state.signatories.map((s) =>
          s.party === event.data.party && s.until === undefined ? { ...s, until: event.data.date, leaveReason: event.data.reason } : s,
        ),
      };
    default:
      return assertNever(event);
  }
}

export const agreementDecider: Decider<AgreementCommand, AgreementEvent, AgreementState> = {
  decide: decideAgreement,
  evolve: evolveAgreement,
  initialState: { status: 'none' },
};

export const foldAgreement = (events: readonly AgreementEvent[]): AgreementState => fold(agreementDecider, events);

/** The version of an agreement in force on a day: 1 as signed, one more for each amendment in effect by then. */
export const versionAt = (amendments: readonly Pick<AmendmentData, 'effectiveFrom'>[], date: string): number =>
  1 + amendments.filter((a) => a.effectiveFrom <= date).length;

/** What deciding which agreement is in force on a day needs of each agreement. */
export interface AgreementPeriod {
  agreementId: string;
  periodFrom: string;
  periodTo: string;
  inForceFrom?: string;
  succeeds?: string;
  amendments: readonly Pick<AmendmentData, 'effectiveFrom' | 'periodTo'>[];
}

export const agreementPeriodOf = (state: SignedAgreement): AgreementPeriod => ({
  agreementId: state.agreementId,
  periodFrom: state.periodFrom,
  periodTo: state.signedPeriodTo,
  inForceFrom: state.inForceFrom,
  succeeds: state.succeeds,
  amendments: state.amendments,
});

/**
 * The agreement (and its version) a fact of that day belongs to: the one whose period holds the day, unless a successor
 * has taken over by then; null when none does.
 */
export function agreementInForce(agreements: readonly AgreementPeriod[], date: string): { id: string; version: number } | null {
  const start = (a: AgreementPeriod) => a.inForceFrom ?? a.periodFrom;
  // The end as amended by the day in question: a later amendment that extends the period counts from its own effect.
  const end = (a: AgreementPeriod) => a.amendments.filter((m) => m.effectiveFrom <= date && m.periodTo !== undefined).at(-1)?.periodTo ?? a.periodTo;
  const succeeded = (a: AgreementPeriod) => agreements.some((s) => s.succeeds === a.agreementId && start(s) <= date);
  const candidates = agreements
    .filter((a) => start(a) <= date && date <= end(a) && !succeeded(a))
    .sort((a, b) => start(b).localeCompare(start(a)) || a.agreementId.localeCompare(b.agreementId));
  const chosen = candidates[0];
  return chosen ? { id: chosen.agreementId, version: versionAt(chosen.amendments, date) } : null;
}

/** The ERBM contract as signed on 7 March 2017 (préfecture de région Hauts-de-France), seeded on the first start. */
export const ERBM_2017 = {
  agreementId: 'erbm-2017',
  title: 'Engagement pour le renouveau du bassin minier du Nord et du Pas-de-Calais',
  signedOn: '2017-03-07',
  periodFrom: '2017-03-07',
  periodTo: '2027-12-31',
  scope:
    "Le bassin minier du Nord et du Pas-de-Calais (environ 250 communes) : toutes les politiques publiques civiles de l'État et de ses 11 partenaires signataires",
  sourceDocument: { kind: 'convention', reference: 'Engagement pour le renouveau du bassin minier du Nord et du Pas-de-Calais, signé le 7 mars 2017' },
} as const;
