import { type Decider, type Today, RuleViolation, assertNever, fold, isBusinessDate, isRna, isSiren, isSiret, requireNotAfterToday } from '@erbm/shared/kernel';

/**
 * A beneficiary (tiers): who receives a commitment's money. Known by a checked identifier (SIRET, SIREN, RNA) and then
 * resolved, or by a name only (the FONJEP file gives names) and unresolved until an editor resolves it, saying why. Its
 * legal name and every other name it goes by are kept: one SIRET, two spellings in two files, both stay.
 */

export const BENEFICIARY_KINDS = ['association', 'company', 'collectivite', 'public-body', 'person', 'unknown'] as const;
export type BeneficiaryKind = (typeof BENEFICIARY_KINDS)[number];

export const BENEFICIARY_KIND_LABELS: Readonly<Record<BeneficiaryKind, string>> = {
  association: 'association',
  company: 'entreprise',
  collectivite: 'collectivité territoriale',
  'public-body': 'établissement ou organisme public',
  person: 'personne physique',
  unknown: 'nature inconnue',
};

export interface BeneficiaryIdentifiers {
  /** 14 digits: one establishment. */
  siret?: string;
  /** 9 digits: the legal unit; the SIRET's first nine when both are known. */
  siren?: string;
  /** `W` and 9 characters: an association's number in the Répertoire national des associations. */
  rna?: string;
}

export type BeneficiaryStatus = 'resolved' | 'unresolved';

export type BeneficiaryEventMap = {
  'beneficiary.Registered': BeneficiaryIdentifiers & { beneficiaryId: string; legalName: string; kind: BeneficiaryKind; date: string };
  'beneficiary.NameAdded': { name: string; date: string };
  /** Who resolved it and when are the event's envelope (actor, recorded at); why is `reason`. */
  'beneficiary.Resolved': BeneficiaryIdentifiers & { reason: string; date: string };
};
export type BeneficiaryEvent = { [K in keyof BeneficiaryEventMap]: { type: K; data: BeneficiaryEventMap[K] } }[keyof BeneficiaryEventMap];

/**
 * The claim of a SIRET by one beneficiary, alone in the stream of that SIRET: appended only where that stream does not
 * exist yet, so two registrations of one SIRET at once cannot both pass. A claim made by a registration carries it,
 * so that whoever finds the claim without its beneficiary (a crash in between) completes it.
 */
export type SiretClaimEventMap = {
  'beneficiary.SiretClaimed': { siret: string; beneficiaryId: string; registration?: BeneficiaryEventMap['beneficiary.Registered'] };
};
export type SiretClaimEvent = { type: 'beneficiary.SiretClaimed'; data: SiretClaimEventMap['beneficiary.SiretClaimed'] };
export type SiretClaimState = { status: 'free' } | { status: 'claimed'; beneficiaryId: string; registration?: BeneficiaryEventMap['beneficiary.Registered'] };

export type BeneficiaryCommand =
  | ({ type: 'register'; beneficiaryId: string; legalName: string; kind: BeneficiaryKind; date: string } & BeneficiaryIdentifiers & Today)
  | ({ type: 'addName'; name: string; date: string } & Today)
  | ({ type: 'resolve'; reason?: string; date: string } & BeneficiaryIdentifiers & Today);

export interface BeneficiaryFacts extends BeneficiaryIdentifiers {
  beneficiaryId: string;
  legalName: string;
  /** Every other name it is known by, in the order they were recorded. */
  otherNames: string[];
  kind: BeneficiaryKind;
  registeredOn: string;
  /** Revision of the last event applied. */
  revision: number;
}

export type BeneficiaryState =
  | { status: 'none' }
  | (BeneficiaryFacts & { status: 'unresolved' })
  | (BeneficiaryFacts & { status: 'resolved'; resolvedOn?: string; resolutionReason?: string });
export type RegisteredBeneficiary = Exclude<BeneficiaryState, { status: 'none' }>;

export const beneficiaryStreamName = (beneficiaryId: string): string => `beneficiary-${beneficiaryId}`;
export const siretClaimStreamName = (siret: string): string => `beneficiary-siret-${siret}`;

const hasIdentifier = (i: BeneficiaryIdentifiers) => Boolean(i.siret || i.siren || i.rna);

/** The identifiers given, checked: a SIRET brings its SIREN, and a SIREN given beside a SIRET must be the SIRET's. */
export function checkedIdentifiers(i: BeneficiaryIdentifiers): BeneficiaryIdentifiers {
  if (i.siret !== undefined && !isSiret(i.siret))
    throw new RuleViolation('invalid-siret', `${i.siret} n'est pas un SIRET : 14 chiffres dont la clé de Luhn est juste (règle de l'Insee)`, 'siret');
  if (i.siren !== undefined && !isSiren(i.siren))
    throw new RuleViolation('invalid-siren', `${i.siren} n'est pas un SIREN : 9 chiffres dont la clé de Luhn est juste (règle de l'Insee)`, 'siren');
  if (i.rna !== undefined && !isRna(i.rna))
    throw new RuleViolation('invalid-rna', `${i.rna} n'est pas un numéro RNA : la lettre W suivie de 9 caractères (W595012345)`, 'rna');
  const siren = i.siret ? i.siret.slice(0, 9) : i.siren;
  if (i.siret && i.siren !== undefined && i.siren !== siren)
    throw new RuleViolation('siret-not-of-siren', `Le SIRET ${i.siret} est un établissement du SIREN ${siren}, pas de ${i.siren}`, 'siren');
  return { ...(i.siret ? { siret: i.siret } : {}), ...(siren ? { siren } : {}), ...(i.rna ? { rna: i.rna } : {}) };
}

const sameName = (a: string, b: string) => a.trim().toLocaleUpperCase('fr') === b.trim().toLocaleUpperCase('fr');

export function decideBeneficiary(command: BeneficiaryCommand, state: BeneficiaryState): BeneficiaryEvent[] {
  if (!isBusinessDate(command.date)) throw new RuleViolation('invalid-date', `${command.date} n'est pas une date (aaaa-mm-jj)`, 'date');
  requireNotAfterToday(command.date, command.today, 'date');
  switch (command.type) {
    case 'register': {
      if (state.status !== 'none') throw new RuleViolation('beneficiary-exists', `Le bénéficiaire ${command.beneficiaryId} est déjà enregistré`);
      const legalName = requireName(command.legalName, 'legalName');
      const identifiers = checkedIdentifiers(command);
      return [
        { type: 'beneficiary.Registered', data: { beneficiaryId: command.beneficiaryId, legalName, kind: command.kind, ...identifiers, date: command.date } },
      ];
    }
    case 'addName': {
      const registered = requireRegistered(state);
      const name = requireName(command.name, 'name');
      if ([registered.legalName, ...registered.otherNames].some((known) => sameName(known, name)))
        throw new RuleViolation('beneficiary-name-known', `${registered.legalName} est déjà connu sous le nom « ${name} »`, 'name');
      return [{ type: 'beneficiary.NameAdded', data: { name, date: command.date } }];
    }
    case 'resolve': {
      const registered = requireRegistered(state);
      if (registered.status === 'resolved')
        throw new RuleViolation(
          'beneficiary-already-resolved',
          `${registered.legalName} est déjà identifié (${identifierText(registered)}) : un identifiant établi ne se remplace pas`,
        );
      const reason = command.reason?.trim();
      if (!reason) throw new RuleViolation('reason-required', "Dites pourquoi ce bénéficiaire est identifié ainsi (la source de l'identifiant)", 'reason');
      const { siret, siren, rna } = command;
      if (!hasIdentifier({ siret, siren, rna }))
        throw new RuleViolation('beneficiary-identifier-required', 'Identifier un bénéficiaire, c’est donner son SIRET, son SIREN ou son numéro RNA', 'siret');
      return [{ type: 'beneficiary.Resolved', data: { ...checkedIdentifiers({ siret, siren, rna }), reason, date: command.date } }];
    }
    default:
      return assertNever(command);
  }
}

/** Refuses a second claim of a SIRET by another beneficiary, naming the one that holds it; the same one claims nothing twice. */
export function decideSiretClaim(claim: SiretClaimEvent['data'], state: SiretClaimState): SiretClaimEvent[] {
  if (state.status === 'claimed') {
    if (state.beneficiaryId === claim.beneficiaryId) return [];
    throw new RuleViolation(
      'beneficiary-siret-exists',
      `Le SIRET ${claim.siret} est déjà celui du bénéficiaire ${state.beneficiaryId} : utilisez-le (ajoutez-lui ce nom s'il en a un autre)`,
      'siret',
      { beneficiaryId: state.beneficiaryId },
    );
  }
  return [{ type: 'beneficiary.SiretClaimed', data: claim }];
}

export function evolveSiretClaim(state: SiretClaimState, event: SiretClaimEvent): SiretClaimState {
  // The first claim holds: a later one is never appended (decideSiretClaim), and would not take it over if it were.
  return state.status === 'claimed' ? state : { status: 'claimed', beneficiaryId: event.data.beneficiaryId, registration: event.data.registration };
}

export const foldSiretClaim = (events: readonly SiretClaimEvent[]): SiretClaimState => events.reduce(evolveSiretClaim, { status: 'free' });

function requireName(name: string, field: string): string {
  const trimmed = name?.trim().replace(/\s+/g, ' ');
  if (!trimmed) throw new RuleViolation('beneficiary-name-required', 'Un bénéficiaire a un nom', field);
  return trimmed;
}

function requireRegistered(state: BeneficiaryState): RegisteredBeneficiary {
  if (state.status === 'none') throw new RuleViolation('beneficiary-not-registered', "Enregistrez d'abord le bénéficiaire");
  return state;
}

function identifierText(i: BeneficiaryIdentifiers): string {
  return [i.siret && `SIRET ${i.siret}`, !i.siret && i.siren && `SIREN ${i.siren}`, i.rna && `RNA ${i.rna}`].filter(Boolean).join(', ');
}

export function evolveBeneficiary(state: BeneficiaryState, event: BeneficiaryEvent): BeneficiaryState {
  if (event.type === 'beneficiary.Registered') {
    const { date, ...data } = event.data;
    return { ...data, status: hasIdentifier(data) ? 'resolved' : 'unresolved', otherNames: [], registeredOn: date, revision: 0 };
  }
  if (state.status === 'none') throw new Error(`${event.type} before beneficiary.Registered`);
  const revision = state.revision + 1;
  switch (event.type) {
    case 'beneficiary.NameAdded':
      return { ...state, otherNames: [...state.otherNames, event.data.name], revision };
    case 'beneficiary.Resolved': {
      const { reason, date, ...identifiers } = event.data;
      return { ...state, ...identifiers, status: 'resolved', resolvedOn: date, resolutionReason: reason, revision };
    }
    default:
      return assertNever(event);
  }
}

export const beneficiaryDecider: Decider<BeneficiaryCommand, BeneficiaryEvent, BeneficiaryState> = {
  decide: decideBeneficiary,
  evolve: evolveBeneficiary,
  initialState: { status: 'none' },
};

export const foldBeneficiary = (events: readonly BeneficiaryEvent[]): BeneficiaryState => fold(beneficiaryDecider, events);
