export { LedgerApiModule } from './ledger-api.module';
export { OperationDirectories } from './operation-directory';
export { FinancingLinks } from './financing-links';
export { CommitmentReader } from './commitments/commitment.handlers';
export { commitmentView, type CommitmentView } from './commitments/commitment-view';
export * from './commitments/commitment.requests';
export { AnnounceCommitment, RecordCommitmentStep, GetCommitment, type CommitmentResult } from './commitments/commitment.handlers';
export { RecordMeeting, GetMeeting, type MeetingView } from './meetings/meetings';
export { steps, type StepBuilder, type StepLookups } from './commitments/commitment-steps';
