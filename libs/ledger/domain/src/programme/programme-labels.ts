import type { ActionCommitmentEventType } from './action-commitment';
import type { AgreementEventType } from './agreement';
import type { PublishedFiguresEvent } from './published-figures';

/** What an auditor reads for each fact of the programme itself. */
export const PROGRAMME_EVENT_LABELS: Readonly<Record<AgreementEventType | ActionCommitmentEventType | PublishedFiguresEvent['type'], string>> = {
  'programme.AgreementSigned': 'Accord-cadre signé',
  'programme.AgreementAmended': 'Avenant à l’accord-cadre',
  'programme.SignatoryJoined': 'Signataire entré dans l’accord-cadre',
  'programme.SignatoryLeft': 'Signataire sorti de l’accord-cadre',
  'programme.ActionCommitmentPromised': 'Engagement d’action pris',
  'programme.ActionCommitmentProgressed': 'Engagement d’action en cours (avancement)',
  'programme.ActionCommitmentCompleted': 'Engagement d’action réalisé (preuve)',
  'programme.ActionCommitmentAbandoned': 'Engagement d’action abandonné',
  'programme.FigurePublished': 'Chiffre publié enregistré',
};
