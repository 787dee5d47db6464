import { Global, Module } from '@nestjs/common';
import { CommitmentsController } from './commitments/commitments.controller';
import { AnnounceCommitmentHandler, CommitmentReader, GetCommitmentHandler, RecordCommitmentStepHandler } from './commitments/commitment.handlers';
import { GetMeetingHandler, MeetingService, MeetingsController, RecordMeetingHandler } from './meetings/meetings';
import { OperationDirectories } from './operation-directory';

/**
 * Commitments, meetings and decisions for every domain a process serves: each domain module registers its
 * operations in OperationDirectories, and routes of a domain no module registered answer 404.
 */
@Global()
@Module({
  controllers: [CommitmentsController, MeetingsController],
  providers: [OperationDirectories, CommitmentReader, MeetingService, AnnounceCommitmentHandler, RecordCommitmentStepHandler, GetCommitmentHandler, RecordMeetingHandler, GetMeetingHandler],
  exports: [OperationDirectories, CommitmentReader],
})
export class LedgerApiModule {}
