import { Controller, Get, Inject, Logger, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { type EventStore, EventStoreDbEventStore, type SqlDatabase, unreachableStore } from '@erbm/shared/event-store';
import { Public } from './auth/auth';
import { EVENT_STORE, SQL_DATABASE } from './event-store.module';
import { ProblemException, STORE_RETRY_AFTER_SECONDS } from './problem-details';
import { READ_MODELS, type ReadModels } from './projections.module';

/** A dependency that has not answered by then is reported down: a probe must answer before its own timeout. */
const CHECK_TIMEOUT_MS = 4_000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    private readonly healthChecks: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    // Present in the services that read or run projections.
    @Optional() @Inject(READ_MODELS) private readonly readModels?: ReadModels,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Database mode and head of the event log (503 while a store cannot be reached)' })
  async health() {
    const head = await this.store.head();
    return { status: 'ok', database: this.db.mode, eventStore: { kind: this.eventStoreKind, head } };
  }

  @Get('live')
  @Public({ alwaysAnswers: true })
  @ApiOperation({ summary: 'Liveness: 200 while the process runs, whatever its dependencies' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: 200 when the database, the event store (and the projections, where read) answer; 503 naming those that do not',
  })
  async ready(): Promise<HealthCheckResult> {
    const checks = [
      () =>
        this.check('database', async () => {
          await this.db.query('SELECT 1');
          return { mode: this.db.mode };
        }),
      () => this.check('eventStore', async () => ({ kind: this.eventStoreKind, head: await this.store.head() })),
    ];
    const readModels = this.readModels;
    if (readModels) checks.push(() => this.check('projections', async () => ({ projections: await projectionsReadiness(readModels) })));
    try {
      return await this.healthChecks.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      throw new ProblemException(
        {
          type: 'https://erbm.gouv.fr/problems/not-ready',
          title: 'Service pas prêt',
          status: 503,
          detail: `Injoignable : ${down.map((d) => DEPENDENCY_LABELS[d] ?? d).join(', ')}.`,
          down,
          info: result.info,
          error: result.error,
          details: result.details,
        },
        { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
      );
    }
  }

  private get eventStoreKind(): 'eventstoredb' | 'postgresql' {
    return this.store instanceof EventStoreDbEventStore ? 'eventstoredb' : 'postgresql';
  }

  /** One dependency's check. What is down says why in words, not with the error's internals (hosts, ports): the log has those. */
  private check(key: string, probe: () => Promise<Record<string, unknown>>) {
    return this.indicator
      .check(key)
      .attempt(async () => {
        try {
          return await probe();
        } catch (error) {
          this.logger.warn(`${key}: ${String((error as Error)?.message ?? error)}`);
          throw new Error(unreachableStore(error) ? 'injoignable' : 'en erreur');
        }
      })
      .withTimeout(CHECK_TIMEOUT_MS);
  }
}

const DEPENDENCY_LABELS: Record<string, string> = {
  database: 'la base de données',
  eventStore: "le magasin d'événements",
  projections: 'les projections',
};

/** Per projection: its lag, its parked events and, where it runs here, whether this process leads it or stands by. */
async function projectionsReadiness(readModels: ReadModels) {
  const status = await readModels.status();
  // Views of another log are not ready, however small their lag looks.
  const refusals = status.flatMap((s) => (s.refusal ? [s.refusal] : []));
  if (refusals.length) throw new Error(refusals.join(' '));
  const runners = new Map(readModels.runners.map((r) => [r.projection.name, r]));
  return status.map((s) => {
    const runner = runners.get(s.projection);
    return {
      projection: s.projection,
      lagEvents: s.lagEvents,
      lagSeconds: s.lagSeconds,
      parkedEvents: s.parkedEvents,
      ...(runner ? { runsHere: runner.leader ? 'leader' : 'standby' } : {}),
    };
  });
}
