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
import { REFERENCE_DATA_SEEDS } from '@erbm/shared/api';
import { AgreementService, AgreementsController } from './programme/agreements';
import { ActionCommitmentService, ActionCommitmentsController } from './programme/action-commitments';
import { PublishedFiguresController, PublishedFiguresService } from './programme/published-figures';
import { ProgrammeRegisterReader } from './programme/programme-register.reader';
import { ProgrammeSeeder } from './programme/programme-seed';
import { ReadScopeGate } from '@erbm/ledger/read-models';
import { readScopeGateProvider } from './read-scope-gate';
import { EnvelopeService, EnvelopesController } from './envelopes/envelopes';
import { Beneficiaries } from './beneficiaries/beneficiaries';
import { BeneficiariesController } from './beneficiaries/beneficiaries.controller';

/**
 * Commitments, meetings and decisions for every domain a process serves (the DOMAIN_PLUGINS of its DomainsModule):
 * routes of a domain it does not serve answer 404.
 */
@Global()
@Module({
  controllers: [
    CommitmentsController,
    MeetingsController,
    DomainMeetingsController,
    ActsController,
    AgreementsController,
    ActionCommitmentsController,
    PublishedFiguresController,
    EnvelopesController,
    BeneficiariesController,
  ],
  providers: [
    OperationDirectories,
    FinancingLinks,
    DecisionProgrammings,
    Beneficiaries,
    CommitmentReader,
    MeetingService,
    EnvelopeService,
    AnnounceCommitmentHandler,
    RecordCommitmentStepHandler,
    ProgrammeCommitmentHandler,
    GetCommitmentHandler,
    RecordMeetingHandler,
    GetMeetingHandler,
    ProgrammeRegisterReader,
    AgreementService,
    ActionCommitmentService,
    PublishedFiguresService,
    ProgrammeSeeder,
    { provide: REFERENCE_DATA_SEEDS, useFactory: (seeder: ProgrammeSeeder) => [seeder], inject: [ProgrammeSeeder] },
    readScopeGateProvider,
    ListMeetingsHandler,
    ActService,
    RecordActHandler,
    GetActHandler,
    ListActsHandler,
  ],
  exports: [
    OperationDirectories,
    CommitmentReader,
    FinancingLinks,
    ProgrammeRegisterReader,
    REFERENCE_DATA_SEEDS,
    ReadScopeGate,
    EnvelopeService,
    Beneficiaries,
  ],
})
export class LedgerApiModule {}
