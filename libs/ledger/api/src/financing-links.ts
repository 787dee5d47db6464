import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type CommandContext, EVENT_STORE, SQL_DATABASE } from '@erbm/shared/api';
import type { EventStore, SqlDatabase } from '@erbm/shared/event-store';
import { logOf } from '@erbm/shared/projections';
import type { CommitmentAnnouncedData } from '@erbm/ledger/domain';
import { OperationDirectories } from './operation-directory';
import { DecisionProgrammings } from './programmings/decision-programmings';

const ANNOUNCED = 'ledger.CommitmentAnnounced';
const PAGE = 1_000;
const IDLE_MS = 500;
const SYSTEM: CommandContext = {
  principal: { userId: 'erbm-financing-links', role: 'admin', organisation: 'ERBM (processus interne)' },
  correlationId: 'financing-links',
};

export async function migrateFinancingLinks(db: SqlDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('erbm.api.migrations'))`);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS api`);
    await tx.query(`CREATE TABLE IF NOT EXISTS api.financing_links (domains text PRIMARY KEY, checkpoint text)`);
    // The log the checkpoint is a position of (EventStore.logId); null before it was kept: the store that runs now.
    await tx.query(`ALTER TABLE api.financing_links ADD COLUMN IF NOT EXISTS log_id text`);
  });
}

/**
 * Completes the links between streams that one request writes in two appends, should the process stop between them:
 * - the link from an operation's financing plan to each commitment announced for it. The announcement is the one
 *   source of truth; the attachment in the operation's stream is its consequence;
 * - a commitment's programming by a decision. The programming counted in the decision's meeting is the source of
 *   truth; the commitment's `ledger.CommitmentProgrammed` is its consequence, and a programming corrected downwards
 *   gives the difference back to the meeting (DecisionProgrammings, ADR 0015).
 * The request makes the second append itself; this process makes it after a restart. It follows the global log from
 * a checkpoint kept in the database: what is already made is not made again (derived event ids), so a replay is
 * harmless.
 */
@Injectable()
export class FinancingLinks implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FinancingLinks');
  private running?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    private readonly directories: OperationDirectories,
    private readonly programmings: DecisionProgrammings,
  ) {}

  /** One row per set of domains served: two processes serving the same domains share their progress. */
  private get key(): string {
    return [...this.directories.names()].sort().join(',');
  }

  async onApplicationBootstrap(): Promise<void> {
    await migrateFinancingLinks(this.db);
    if (process.env.ERBM_FINANCING_LINKS === 'false') return;
    this.running = this.follow();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  /**
   * Completes every link pending up to the head of the log; returns how many it made. A checkpoint of another log (the
   * store was changed) means nothing in this one: it starts again from the start of this log, which makes again no
   * attachment already made.
   */
  async completePending(): Promise<number> {
    const [row] = await this.db.query<{ checkpoint: string | null; log_id: string | null }>(
      `SELECT checkpoint, log_id FROM api.financing_links WHERE domains = $1`,
      [this.key],
    );
    const log = await logOf(this.store);
    let checkpoint = row?.checkpoint ?? null;
    if (checkpoint !== null && row?.log_id !== log) {
      // Kept before the tag: a checkpoint of the store that runs now (ADR 0013).
      if (row?.log_id === null) await this.db.query(`UPDATE api.financing_links SET log_id = $2 WHERE domains = $1`, [this.key, log]);
      else {
        this.logger.warn(`the checkpoint ${checkpoint} is a position of the log ${row?.log_id}, not of ${log}: reading this log from its start`);
        checkpoint = null;
        await this.db.query(`UPDATE api.financing_links SET checkpoint = NULL, log_id = $2 WHERE domains = $1`, [this.key, log]);
      }
    }
    let made = 0;
    for (;;) {
      const page = await this.store.readAll(checkpoint, PAGE);
      for (const event of page.events) {
        if (await this.programmings.followUp(event, (domain) => this.directories.served(domain))) made++;
        if (event.type !== ANNOUNCED) continue;
        const d = event.data as CommitmentAnnouncedData;
        if (!this.directories.served(d.domain)) continue;
        const before = await this.directories.financing(d.domain, d.operationId);
        if (!before || before.commitmentIds.includes(d.commitmentId)) continue;
        await this.directories.attach(
          d.domain,
          d.operationId,
          { commitmentId: d.commitmentId, financer: d.financer, fundingLine: d.fundingLine },
          { ...SYSTEM, correlationId: event.envelope.correlationId ?? SYSTEM.correlationId },
          d.date,
        );
        made++;
        this.logger.log(`completed the financing plan of ${d.domain} operation ${d.operationId} with commitment ${d.commitmentId}`);
      }
      if (page.checkpoint !== checkpoint) {
        checkpoint = page.checkpoint;
        await this.db.query(
          `INSERT INTO api.financing_links (domains, checkpoint, log_id) VALUES ($1, $2, $3)
           ON CONFLICT (domains) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, log_id = EXCLUDED.log_id`,
          [this.key, checkpoint, log],
        );
      }
      if (page.isEnd || this.stopped) return made;
    }
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.completePending();
      } catch (error) {
        this.logger.error(`financing links: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, IDLE_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
