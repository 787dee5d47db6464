import {
  Controller,
  type DynamicModule,
  Get,
  Global,
  Header,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import type { EventStore, SqlDatabase } from '@erbm/shared/event-store';
import {
  CheckpointOfAnotherLogError,
  type Projection,
  ProjectionRunner,
  type ProjectionStatus,
  type ReadModelsReport,
  openReadModelDataSource,
  projectionStatus,
  verifyReadModels,
} from '@erbm/shared/projections';
import { Public } from './auth/auth';
import { EVENT_STORE, SQL_DATABASE, eventStoreConfigFromEnv } from './event-store.module';
import { PeriodicSealer } from './sealer';

export const READ_MODELS = Symbol('READ_MODELS');
const PROJECTIONS = Symbol('PROJECTIONS');
const OPTIONS = Symbol('PROJECTIONS_OPTIONS');

export interface ProjectionsOptions {
  /** Run the projections in this process (the projector, the all-in-one process) or only read their tables. */
  run: boolean;
  /** Server only: a session lock keeps a second projector process on standby. */
  exclusive?: boolean;
  batchSize?: number;
  databaseUrl?: string;
}

/** The read-model data sources of a process, and the runners when it runs the projections. */
@Injectable()
export class ReadModels implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly dataSources = new Map<string, DataSource>();
  readonly runners: ProjectionRunner[] = [];
  private closing = false;
  private readonly logger = new Logger('Projections');

  constructor(
    @Inject(PROJECTIONS) private readonly projections: Projection[],
    @Inject(OPTIONS) private readonly options: ProjectionsOptions,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
  ) {}

  private get databaseUrl(): string | undefined {
    return this.options.databaseUrl ?? eventStoreConfigFromEnv().databaseUrl;
  }

  async open(): Promise<void> {
    const databaseUrl = this.databaseUrl;
    for (const p of this.projections)
      this.dataSources.set(
        p.name,
        await openReadModelDataSource({ db: this.db, databaseUrl, schema: p.schema, entities: p.entities, migrations: p.migrations }),
      );
  }

  dataSource(projection: string): DataSource {
    const ds = this.dataSources.get(projection);
    if (!ds) throw new Error(`projection ${projection} is not open in this process`);
    return ds;
  }

  onApplicationBootstrap(): void {
    if (!this.options.run) return;
    // The session lock needs a connection of its own: only a server has more than one.
    const exclusive = this.options.exclusive === true && this.db.mode === 'server';
    for (const p of this.projections) {
      const runner = new ProjectionRunner(p, this.store, this.dataSource(p.name), { exclusive, batchSize: this.options.batchSize });
      this.runners.push(runner);
      runner.start();
      // A runner that refuses its checkpoint says so in its errors (health) at every attempt; the log says it once.
      runner.checkpoint().catch((error: unknown) => {
        if (error instanceof CheckpointOfAnotherLogError) this.logger.error(error.message);
      });
    }
  }

  /** Runs every projection up to the head of the log now (tests, tools). */
  async catchUp(): Promise<void> {
    for (const p of this.projections) await new ProjectionRunner(p, this.store, this.dataSource(p.name)).catchUp();
  }

  /** The projections' checks on the live tables; with `replay`, the log replayed into shadow schemas and compared too. */
  verify(options: { replay?: boolean } = {}): Promise<ReadModelsReport> {
    if (!options.replay) return verifyReadModels(this.db, this.projections);
    // On a server the replay holds the live tables with a lock, whichever process projects; the embedded database's
    // projector is this process, paused for the replay's last steps.
    const holdLive = this.db.mode === 'embedded' ? <T>(work: () => Promise<T>) => this.paused(work) : undefined;
    return verifyReadModels(this.db, this.projections, { replay: { store: this.store, databaseUrl: this.databaseUrl, holdLive } });
  }

  private async paused<T>(work: () => Promise<T>): Promise<T> {
    const running = this.runners.filter((r) => r.isRunning);
    await Promise.all(running.map((r) => r.stop()));
    try {
      return await work();
    } finally {
      if (!this.closing) for (const r of running) r.start();
    }
  }

  status(): Promise<ProjectionStatus[]> {
    return Promise.all(this.projections.map((p) => projectionStatus(p.name, this.dataSource(p.name), this.store)));
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.all(this.runners.map((r) => r.stop()));
    for (const ds of this.dataSources.values()) await ds.destroy();
  }
}

@ApiTags('health')
@Controller()
export class ProjectionsHealthController {
  constructor(private readonly readModels: ReadModels) {}

  @Get('health/projections')
  @Public()
  @ApiOperation({ summary: 'Per projection: checkpoint, head of the log, lag in events and seconds, parked events' })
  async health() {
    const projections = await this.readModels.status();
    const errors = this.readModels.runners
      .filter((r) => r.lastError)
      .map((r) => ({ projection: r.projection.name, error: String((r.lastError as Error).message ?? r.lastError) }));
    return { status: projections.some((p) => p.parkedEvents > 0 || p.refusal) || errors.length ? 'degraded' : 'ok', projections, errors };
  }

  @Get('metrics')
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics of the projections' })
  async metrics(): Promise<string> {
    const lines: string[] = [];
    const metric = (name: string, help: string, values: [string, number | null][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [projection, value] of values) if (value !== null) lines.push(`${name}{projection="${projection}"} ${value}`);
    };
    const status = await this.readModels.status();
    metric(
      'erbm_projection_lag_events',
      'Events in the log not yet applied',
      status.map((s) => [s.projection, s.lagEvents]),
    );
    metric(
      'erbm_projection_lag_seconds',
      'Age of the oldest event not yet applied',
      status.map((s) => [s.projection, s.lagSeconds]),
    );
    metric(
      'erbm_projection_parked_events',
      'Events the projection could not apply',
      status.map((s) => [s.projection, s.parkedEvents]),
    );
    metric(
      'erbm_projection_events_applied',
      'Events applied since the projection was (re)built',
      status.map((s) => [s.projection, s.eventsApplied]),
    );
    return `${lines.join('\n')}\n`;
  }
}

@Global()
@Module({})
export class ProjectionsModule {
  static forRoot(projections: Projection[], options: ProjectionsOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      controllers: [ProjectionsHealthController],
      providers: [
        { provide: PROJECTIONS, useValue: projections },
        { provide: OPTIONS, useValue: options },
        {
          provide: ReadModels,
          useFactory: async (p: Projection[], o: ProjectionsOptions, store: EventStore, db: SqlDatabase) => {
            const readModels = new ReadModels(p, o, store, db);
            await readModels.open();
            return readModels;
          },
          inject: [PROJECTIONS, OPTIONS, EVENT_STORE, SQL_DATABASE],
        },
        { provide: READ_MODELS, useExisting: ReadModels },
        // The processes that follow the log also seal it.
        ...(options.run ? [PeriodicSealer] : []),
      ],
      exports: [ReadModels, READ_MODELS],
    };
  }
}
