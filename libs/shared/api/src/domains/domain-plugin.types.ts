import type { DynamicModule, Type } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import type { DataSource } from 'typeorm';
import type { Decider, IndicatorDefinition, IndicatorValue, OperationLocator } from '@erbm/shared/kernel';
import type { Commune, FundingLine } from '@erbm/shared/referentials';
import type { Projection } from '@erbm/shared/projections';
import type { FieldNames } from '../field-names';
import type { ImportSourceProvider } from '../imports/import-source';

/**
 * A domain as the rest of the system sees it: one plain object each domain exports and one registry lists. The apps,
 * the tools, the ledger register, the SGAR views and the audit trail know the domains only through these.
 */
export interface DomainPlugin {
  /** The URL segment, the `domain` value of its commitments and the editors' `erbm_domain` claim. */
  name: string;
  /** Its name in French, for people. */
  label: string;
  /** The Nest module of its API (operations and the rest of its own routes). */
  api: Type<unknown> | DynamicModule;
  /** Its read models; new instances on each call (a rebuild and a live runner never share one). */
  projections(): Projection[];
  operations: {
    /** The stream of one of its operations. */
    streamName(operationId: string): string;
    /** The events that place its operations on the territory, and how to read the place. */
    locator: OperationLocator;
    /**
     * What the ledger needs of one operation, folded from its stream's events: its eligible cost and the commitments of
     * its financing plan (undefined when there is no such operation). The plan's events are the ledger's
     * `<name>.CommitmentAttached`; the ledger appends them.
     */
    financingOf(events: readonly { type: string; data: unknown }[]): { eligibleCostCents?: number; commitmentIds: string[] } | undefined;
  };
  /** What an auditor reads for each of its event types. */
  eventLabels: Readonly<Record<string, string>>;
  /**
   * The names its own views give fields the shared list (`FIELD_NAMES`) does not have, each with what it means: the
   * field-names test holds every view to the two lists together, one name per concept.
   */
  fieldNames: FieldNames;
  indicators: DomainIndicators;
  /** Made-up but valid facts of this domain, for the tests and benchmarks that exercise every domain alike. */
  samples: DomainSamples;
  /**
   * Records marked demo data through its own commands, on the first start of an empty database (the all-in-one
   * process only); says what it recorded.
   */
  seedDemo?(commands: CommandBus): Promise<string>;
  /**
   * The files its team imports (`npm run import -- <source> <file>`, `POST /<name>/imports/<source>`): providers of its
   * API module, resolved from the process's container.
   */
  imports?: readonly ImportSourceProvider[];
}

/** Where a sample operation is, what it is called and when it is registered. */
export interface SamplePlace {
  operationId: string;
  name: string;
  communeInsee: string;
  arrondissement: string;
  /** Business date of the registration (yyyy-mm-dd). */
  date: string;
}

export interface DomainSamples {
  /** The body of `POST /<name>/operations` that registers an operation at that place (its id is the server's). */
  operationRequest(place: Omit<SamplePlace, 'operationId' | 'arrondissement'>): Record<string, unknown>;
  /** The events that register an operation at that place, decided by the domain's own decider, for its stream. */
  operationEvents(place: SamplePlace): { type: string; data: unknown }[];
  /**
   * Simulated operations of this domain, each with its whole life, for the benchmark that generates a realistic log
   * (`npm run bench:read-models`): the domain draws its operations and records their own facts; the benchmark announces
   * and follows their commitments, programmes them in comités, schedules and appends. Optional: a domain without one
   * is left out of that log. Called once per log.
   */
  workload?: (context: WorkloadContext) => DomainWorkload;
}

/** A business day of a simulated log: whole days since 1970-01-01 (UTC). */
export type WorkloadDay = number;

/** What the benchmark lends a domain's workload. */
export interface WorkloadContext {
  /** The log's one seeded sequence: a domain draws from it only, so that a seed gives one log. */
  random: {
    /** In [0, 1). */
    next(): number;
    /** A whole number from min to max. */
    int(min: number, max: number): number;
    chance(p: number): boolean;
    pick<T>(items: readonly T[]): T;
    uuid(): string;
  };
  /** Where the operations are (the territory of the log). */
  communes: readonly Commune[];
  /** Runs `run` on `day`: what is scheduled runs in day order, then in the order scheduled; nothing after the log ends. */
  at(day: WorkloadDay, run: () => void): void;
  /** A stream of the log, decided by `decider` from its initial state: the benchmark appends what it records. */
  stream<C, E extends { type: string; data: unknown }, S>(name: string, decider: Decider<C, E, S>): WorkloadStream<C, S>;
}

export interface WorkloadStream<C, S> {
  readonly state: S;
  /**
   * Decides `command` on the stream's state and records the events, dated `day`, by one of a few made-up agents of
   * `organisation`. False when the decider refuses it: the benchmark counts it by rule and leaves it out.
   */
  record(command: C, day: WorkloadDay, meta: { organisation: string; reason?: string; sourceDocument?: { kind: string; reference: string } }): boolean;
}

export interface DomainWorkload {
  /** Draws a new operation (where, when, what it costs, who finances it); records nothing yet. */
  operation(): WorkloadOperation;
  /** How many operations the read model of its projection `projection` holds, from that projection's data source. */
  readModel: { projection: string; countOperations(dataSource: DataSource): Promise<number> };
}

export interface WorkloadOperation {
  id: string;
  commune: Commune;
  /** The day it is registered: its commitments are announced the same day. */
  registered: WorkloadDay;
  eligibleCostCents: number;
  /** Its financing plan as drawn: the commitment to announce on each funding line, and its amount. */
  financing: readonly { commitmentId: string; fundingLine: FundingLine; amountCents: number }[];
  /** Records its registration (run on its registration day). */
  register(): void;
  /** Records that a commitment, just announced, joins its financing plan. */
  attach(line: { commitmentId: string; financer: string; fundingLine: string }, day: WorkloadDay): void;
  /**
   * Schedules the rest of its own life, once the comité that programmes it meets on `decisionDay`; says when its works
   * start and, if it is to be completed, when it is: its commitments' payments follow these days.
   */
  plan(decisionDay: WorkloadDay): { worksStarted: WorkloadDay; completed?: WorkloadDay };
}

export interface DomainIndicators {
  definitions: readonly IndicatorDefinition[];
  /** The projection whose read model holds them (its freshness is the indicators'). */
  projection: string;
  /** Current values per arrondissement, read from that projection's data source: only the domain names its tables. */
  read(dataSource: DataSource): Promise<IndicatorValue[]>;
}
