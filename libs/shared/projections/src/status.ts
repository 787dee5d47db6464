import type { DataSource } from 'typeorm';
import type { EventStore } from '@erbm/shared/event-store';

export interface ProjectionStatus {
  projection: string;
  checkpoint: string | null;
  head: string | null;
  /** Events in the log after the checkpoint (all types). */
  lagEvents: number;
  /** How long the oldest event not yet applied has been waiting; 0 when caught up. */
  lagSeconds: number;
  eventsApplied: number;
  parkedEvents: number;
  /** recordedAt of the last event applied: the read model reflects the log as recorded up to then. */
  reflectsRecordedUpTo: string | null;
  updatedAt: string | null;
}

export async function projectionStatus(name: string, dataSource: DataSource, store: EventStore): Promise<ProjectionStatus> {
  const schema = (dataSource.options as { schema: string }).schema;
  const [state] = (await dataSource.query(
    `SELECT checkpoint, events_applied::text AS events_applied, to_char(last_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_recorded_at,
            to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at FROM "${schema}".projection_state WHERE projection = $1`,
    [name],
  )) as { checkpoint: string | null; events_applied: string; last_recorded_at: string | null; updated_at: string }[];
  const [{ parked }] = (await dataSource.query(`SELECT count(*)::int AS parked FROM "${schema}".parked_events`)) as { parked: number }[];
  const checkpoint = state?.checkpoint ?? null;
  const head = await store.head();
  const next = head === checkpoint ? undefined : (await store.readAll(checkpoint, 1)).events[0];
  return {
    projection: name,
    checkpoint,
    head,
    lagEvents: next ? await store.countAfter(checkpoint) : 0,
    lagSeconds: next ? Math.max(0, (Date.now() - Date.parse(next.recordedAt)) / 1000) : 0,
    eventsApplied: Number(state?.events_applied ?? 0),
    parkedEvents: Number(parked),
    reflectsRecordedUpTo: state?.last_recorded_at ?? null,
    updatedAt: state?.updated_at ?? null,
  };
}
