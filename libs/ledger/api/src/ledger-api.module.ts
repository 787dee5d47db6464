import { Global, Module } from '@nestjs/common';
import { CommitmentsController } from './commitments/commitments.controller';
import { AnnounceCommitmentHandler, CommitmentReader, GetCommitmentHandler, RecordCommitmentStepHandler } from './commitments/commitment.handlers';
import { GetMeetingHandler, MeetingService, MeetingsController, RecordMeetingHandler } from './meetings/meetings';
import { OperationDirectories } from './operation-directory';
import { FinancingLinks } from './financing-links';
import { ProgrammeCommitmentHandler } from './commitments/programme-commitment';
import { DecisionProgrammings } from './programmings/decision-programmings';
import { EnvelopeService, EnvelopesController } from './envelopes/envelopes';

/**
 * Commitments, meetings and decisions for every domain a process serves (the DOMAIN_PLUGINS of its DomainsModule):
 * routes of a domain it does not serve answer 404.
 */
@Global()
@Module({
  controllers: [CommitmentsController, MeetingsController, EnvelopesController],
  providers: [
    OperationDirectories,
    FinancingLinks,
    DecisionProgrammings,
    CommitmentReader,
    MeetingService,
    EnvelopeService,
    AnnounceCommitmentHandler,
    RecordCommitmentStepHandler,
    ProgrammeCommitmentHandler,
    GetCommitmentHandler,
    RecordMeetingHandler,
    GetMeetingHandler,
  ],
  exports: [OperationDirectories, CommitmentReader, FinancingLinks, EnvelopeService],
})
export class LedgerApiModule {}
