export { LedgerApiModule } from './ledger-api.module';
export { OperationDirectories, type OperationDirectory, type OperationFinancing, type FinancingPlanLine } from './operation-directory';
export { CommitmentReader } from './commitments/commitment.handlers';
export { commitmentView, type CommitmentView } from './commitments/commitment-view';
export * from './commitments/commitment.requests';
export { AnnounceCommitment, RecordCommitmentStep, GetCommitment, type CommitmentResult } from './commitments/commitment.handlers';
export { RecordMeeting, GetMeeting, type MeetingView } from './meetings/meetings';
export { COMMITMENT_STEPS, type CommitmentStep, type StepRequest } from './commitments/commitment-steps';
