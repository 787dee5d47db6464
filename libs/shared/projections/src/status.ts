import type { DataSource } from 'typeorm';
import type { EventStore } from '@erbm/shared/event-store';
import { CheckpointOfAnotherLogError, logOf } from './runner';

export interface ProjectionStatus {
  projection: string;
  checkpoint: string | null;
  /** The log the checkpoint is a position of (`EventStore.logId`); null with no checkpoint, or one not tagged yet. */
  checkpointLog: string | null;
  head: string | null;
  /** Events in the log after the checkpoint (all types); null when the checkpoint is of another log (`refusal`). */
  lagEvents: number | null;
  /** How long the oldest event not yet applied has been waiting; 0 when caught up; null as `lagEvents`. */
  lagSeconds: number | null;
  eventsApplied: number;
  parkedEvents: number;
  /** recordedAt of the last event applied: the read model reflects the log as recorded up to then. */
  reflectsRecordedUpTo: string | null;
  updatedAt: string | null;
  /** Why the projection does not run: its checkpoint is a position of another log (see CheckpointOfAnotherLogError). */
  refusal: string | null;
}

export async function projectionStatus(name: string, dataSource: DataSource, store: EventStore): Promise<ProjectionStatus> {
  const schema = (dataSource.options as { schema: string }).schema;
  const [state] = (await dataSource.query(
    `SELECT checkpoint, log_id, events_applied::text AS events_applied, to_char(last_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_recorded_at,
            to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at FROM "${schema}".projection_state WHERE projection = $1`,
    [name],
  )) as { checkpoint: string | null; log_id: string | null; events_applied: string; last_recorded_at: string | null; updated_at: string }[];
  const [{ parked }] = (await dataSource.query(`SELECT count(*)::int AS parked FROM "${schema}".parked_events`)) as { parked: number }[];
  const checkpoint = state?.checkpoint ?? null;
  const checkpointLog = checkpoint === null ? null : (state?.log_id ?? null);
  const log = await logOf(store);
  const head = await store.head();
  const base = {
    projection: name,
    checkpoint,
    checkpointLog,
    head,
    eventsApplied: Number(state?.events_applied ?? 0),
    parkedEvents: Number(parked),
    reflectsRecordedUpTo: state?.last_recorded_at ?? null,
    updatedAt: state?.updated_at ?? null,
  };
  // A position of another log means nothing in this one: no lag is measured from it.
  if (checkpointLog !== null && checkpointLog !== log)
    return { ...base, lagEvents: null, lagSeconds: null, refusal: new CheckpointOfAnotherLogError(name, checkpointLog, log).message };
  const next = head === checkpoint ? undefined : (await store.readAll(checkpoint, 1)).events[0];
  return {
    ...base,
    lagEvents: next ? await store.countAfter(checkpoint) : 0,
    lagSeconds: next ? Math.max(0, (Date.now() - Date.parse(next.recordedAt)) / 1000) : 0,
    refusal: null,
  };
}
