import { Global, Module } from '@nestjs/common';
import { CommitmentsController } from './commitments/commitments.controller';
import { AnnounceCommitmentHandler, CommitmentReader, GetCommitmentHandler, RecordCommitmentStepHandler } from './commitments/commitment.handlers';
import { GetMeetingHandler, MeetingService, MeetingsController, RecordMeetingHandler } from './meetings/meetings';
import { OperationDirectories } from './operation-directory';
import { FinancingLinks } from './financing-links';
import { ProgrammeCommitmentHandler } from './commitments/programme-commitment';
import { DecisionProgrammings } from './programmings/decision-programmings';
import { Beneficiaries } from './beneficiaries/beneficiaries';
import { BeneficiariesController } from './beneficiaries/beneficiaries.controller';

/**
 * Commitments, meetings and decisions for every domain a process serves (the DOMAIN_PLUGINS of its DomainsModule):
 * routes of a domain it does not serve answer 404.
 */
@Global()
@Module({
  controllers: [CommitmentsController, MeetingsController, BeneficiariesController],
  providers: [
    OperationDirectories,
    FinancingLinks,
    DecisionProgrammings,
    Beneficiaries,
    CommitmentReader,
    MeetingService,
    AnnounceCommitmentHandler,
    RecordCommitmentStepHandler,
    ProgrammeCommitmentHandler,
    GetCommitmentHandler,
    RecordMeetingHandler,
    GetMeetingHandler,
  ],
  exports: [OperationDirectories, CommitmentReader, FinancingLinks, Beneficiaries],
})
export class LedgerApiModule {}
