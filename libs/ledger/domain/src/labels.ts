import { listOfAll, partitionOf } from '@erbm/shared/kernel';
import type { CommitmentEventMap, CommitmentEventType, PaymentKind } from './commitment/commitment.events';
import type { ActEvent } from './governance/act';
import type { MeetingEvent } from './governance/meeting';
import type { EnvelopeEventType } from './envelope/envelope';
import type { FundingLineEnvelopesEvent } from './envelope/funding-line-envelopes';
import type { BeneficiaryEvent, SiretClaimEvent } from './beneficiary/beneficiary';

/** What an auditor reads for each fact of the ledger and of governance. */
export const LEDGER_EVENT_LABELS: Readonly<
  Record<CommitmentEventType | MeetingEvent['type'] | ActEvent['type'] | BeneficiaryEvent['type'] | SiretClaimEvent['type'], string>
> = {
  'ledger.CommitmentAnnounced': 'Engagement annoncé',
  'ledger.CommitmentProgrammed': 'Engagement programmé par une décision',
  'ledger.CommitmentMade': 'Engagement juridique (acte signé)',
  'ledger.CommitmentIncreased': 'Engagement augmenté (avenant)',
  'ledger.CommitmentReduced': 'Engagement réduit',
  'ledger.CommitmentCarriedOver': "Engagement reporté sur l'exercice suivant",
  'ledger.CommitmentFundingLineChanged': 'Changement de ligne budgétaire',
  'ledger.CommitmentBeneficiaryAssigned': 'Bénéficiaire de l’engagement désigné',
  'ledger.ServiceCertified': 'Service fait certifié',
  'ledger.PaymentOrdered': 'Demande de paiement (mandatement)',
  'ledger.PaymentMade': 'Paiement',
  'ledger.CommitmentReleased': 'Dégagement (retrait d’engagement)',
  'ledger.CommitmentLapsed': 'Caducité de l’engagement',
  'ledger.AmountRecovered': 'Reversement (titre de recette)',
  'ledger.CommitmentClosed': 'Engagement soldé et clos',
  'ledger.CommitmentFactCorrected': 'Correction d’un fait antérieur',
  'ledger.CommitmentWarningRaised': 'Avertissement',
  'governance.MeetingHeld': 'Réunion d’une instance',
  'governance.DecisionTaken': 'Décision',
  'governance.MinutesRecorded': 'Relevé de décisions enregistré',
  'governance.ProgrammingRecorded': 'Engagement programmé au titre de la décision',
  'governance.ProgrammingReleased': 'Programmation rendue à la décision',
  'governance.ActRecorded': 'Acte (arrêté, délibération, convention, notification, sélection d’un jury)',
  'governance.ActAmended': 'Acte modifié',
  'governance.ActProgrammingRecorded': 'Engagement programmé au titre de l’acte',
  'governance.ActProgrammingReleased': 'Programmation rendue à l’acte',
  'beneficiary.Registered': 'Bénéficiaire enregistré',
  'beneficiary.NameAdded': 'Autre nom du bénéficiaire',
  'beneficiary.Resolved': 'Bénéficiaire identifié (SIRET, SIREN ou RNA)',
  'beneficiary.SiretClaimed': 'SIRET attribué au bénéficiaire',
};

/** Read with any payment's `kind`, hence a string index; each kind has its label. */
export const PAYMENT_KIND_LABELS: Readonly<Record<string, string>> = { advance: 'avance', interim: 'acompte', balance: 'solde' } satisfies Record<
  PaymentKind,
  string
>;

/**
 * How the lineage of a commitment (the auditors' trail) groups its facts: every fact in exactly one group, corrections
 * apart (each shows beside the fact it corrects).
 */
export const LINEAGE_GROUPS = partitionOf<CommitmentEventType>()({
  announcement: ['ledger.CommitmentAnnounced', 'ledger.CommitmentProgrammed'],
  commitments: ['ledger.CommitmentMade'],
  amendments: ['ledger.CommitmentIncreased', 'ledger.CommitmentReduced', 'ledger.CommitmentFundingLineChanged', 'ledger.CommitmentBeneficiaryAssigned'],
  carryOvers: ['ledger.CommitmentCarriedOver'],
  payments: ['ledger.ServiceCertified', 'ledger.PaymentOrdered', 'ledger.PaymentMade'],
  releases: ['ledger.CommitmentReleased', 'ledger.CommitmentLapsed'],
  recoveries: ['ledger.AmountRecovered'],
  corrections: ['ledger.CommitmentFactCorrected'],
  warnings: ['ledger.CommitmentWarningRaised'],
  closing: ['ledger.CommitmentClosed'],
});
export type LineageGroup = keyof typeof LINEAGE_GROUPS;

/** The facts whose data may carry a legal act: the lineage's legal acts are theirs. */
type WithLegalAct = { [K in CommitmentEventType]: 'legalAct' extends keyof CommitmentEventMap[K] ? K : never }[CommitmentEventType];
export const LEGAL_ACT_EVENT_TYPES = listOfAll<WithLegalAct>()(['ledger.CommitmentMade', 'ledger.CommitmentIncreased', 'ledger.CommitmentReduced']);

/** What an auditor reads for each fact of an envelope and of a funding line's list of envelopes (ADR 0020). */
export const ENVELOPE_EVENT_LABELS: Readonly<Record<EnvelopeEventType | FundingLineEnvelopesEvent['type'], string>> = {
  'ledger.EnvelopeOpened': 'Enveloppe ouverte (dotation, fonds)',
  'ledger.EnvelopeAmended': 'Enveloppe modifiée par un acte',
  'ledger.EnvelopeListed': 'Enveloppe inscrite sur sa ligne de financement',
};
