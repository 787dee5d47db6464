/** What an auditor reads for each fact of the ledger and of governance. */
export const LEDGER_EVENT_LABELS: Record<string, string> = {
  'ledger.CommitmentAnnounced': 'Engagement annoncé',
  'ledger.CommitmentProgrammed': 'Engagement programmé par une décision',
  'ledger.CommitmentMade': 'Engagement juridique (acte signé)',
  'ledger.CommitmentIncreased': 'Engagement augmenté (avenant)',
  'ledger.CommitmentReduced': 'Engagement réduit',
  'ledger.CommitmentCarriedOver': "Engagement reporté sur l'exercice suivant",
  'ledger.CommitmentFundingLineChanged': 'Changement de ligne budgétaire',
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
};

export const PAYMENT_KIND_LABELS: Record<string, string> = { advance: 'avance', interim: 'acompte', balance: 'solde' };
