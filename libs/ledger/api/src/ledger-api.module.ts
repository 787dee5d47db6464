import { Global, Module } from '@nestjs/common';
import { CommitmentsController } from './commitments/commitments.controller';
import { AnnounceCommitmentHandler, CommitmentReader, GetCommitmentHandler, RecordCommitmentStepHandler } from './commitments/commitment.handlers';
import {
  DomainMeetingsController,
  GetMeetingHandler,
  ListMeetingsHandler,
  MeetingService,
  MeetingsController,
  RecordMeetingHandler,
} from './meetings/meetings';
import { ActService, ActsController, GetActHandler, ListActsHandler, RecordActHandler } from './acts/acts';
import { OperationDirectories } from './operation-directory';
import { FinancingLinks } from './financing-links';
import { ProgrammeCommitmentHandler } from './commitments/programme-commitment';
import { DecisionProgrammings } from './programmings/decision-programmings';

/**
 * Commitments, meetings and decisions for every domain a process serves (the DOMAIN_PLUGINS of its DomainsModule):
 * routes of a domain it does not serve answer 404.
 */
@Global()
@Module({
  controllers: [CommitmentsController, MeetingsController, DomainMeetingsController, ActsController],
  providers: [
    OperationDirectories,
    FinancingLinks,
    DecisionProgrammings,
    CommitmentReader,
    MeetingService,
    AnnounceCommitmentHandler,
    RecordCommitmentStepHandler,
    ProgrammeCommitmentHandler,
    GetCommitmentHandler,
    RecordMeetingHandler,
    GetMeetingHandler,
    ListMeetingsHandler,
    ActService,
    RecordActHandler,
    GetActHandler,
    ListActsHandler,
  ],
  exports: [OperationDirectories, CommitmentReader, FinancingLinks],
})
export class LedgerApiModule {}
