import type { EventStore, SqlDatabase } from '@erbm/shared/event-store';
import { type ReadModelChecksReport, runReadModelChecks } from './checks';
import type { Projection } from './projection';
import { type ReplayOptions, type ReplayReport, replayReadModels } from './replay';

export interface ReadModelsReport extends ReadModelChecksReport {
  /** The replay of the log compared with the live tables, when asked for. */
  replay?: ReplayReport;
}

export interface VerifyReadModelsOptions {
  /** Also replay the log into shadow schemas and compare them with the live tables (reads the whole log). */
  replay?: Omit<ReplayOptions, 'db'> & { store: EventStore };
}

/**
 * Whether the read models say what the log says: every check the projections declare (cheap: one query each), and
 * when asked, a replay of the log compared with the live tables row by row (what no check sees: a row changed with
 * everything that adds it up).
 */
export async function verifyReadModels(db: SqlDatabase, projections: readonly Projection[], options: VerifyReadModelsOptions = {}): Promise<ReadModelsReport> {
  const checks = await runReadModelChecks(db, projections);
  if (!options.replay) return checks;
  const { store, ...replayOptions } = options.replay;
  const replay = await replayReadModels(projections, store, { db, ...replayOptions });
  return { ...checks, ok: checks.ok && replay.ok, replay, seconds: checks.seconds + replay.seconds };
}
