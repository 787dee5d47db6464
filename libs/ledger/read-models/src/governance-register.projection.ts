import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { type Projection, schemaOf } from '@erbm/shared/projections';
import type { ActEventMap, DecisionAmount, MeetingEventMap } from '@erbm/ledger/domain';

/** The name of the governance register: meetings of every body and acts that are not meetings, listable by body and date. */
export const GOVERNANCE_REGISTER = 'governance-register';

const MEETING = /^meeting-(.+)$/;
const ACT = /^act-(.+)$/;

export class GovernanceRegister1732200000101 implements MigrationInterface {
  name = 'GovernanceRegister1732200000101';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.meetings (
      id text PRIMARY KEY,
      body text NOT NULL,
      date date NOT NULL,
      place text NOT NULL,
      minutes_reference text,
      decisions jsonb NOT NULL,
      revision int NOT NULL,
      recorded_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX meetings_body_date ON ${s}.meetings (body, date)`);
    await q.query(`CREATE INDEX meetings_date ON ${s}.meetings (date)`);
    await q.query(`CREATE TABLE ${s}.acts (
      id text PRIMARY KEY,
      kind text NOT NULL,
      issuer text NOT NULL,
      reference text NOT NULL,
      date date NOT NULL,
      document text,
      subject text NOT NULL,
      operation_id text,
      amounts jsonb NOT NULL,
      amended_on date,
      revision int NOT NULL,
      recorded_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX acts_issuer_date ON ${s}.acts (issuer, date)`);
    await q.query(`CREATE INDEX acts_kind_date ON ${s}.acts (kind, date)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.acts`);
    await q.query(`DROP TABLE ${s}.meetings`);
  }
}

/**
 * Meetings and acts as lists: who sat or signed, when, what was decided. What commitments programmed under them stays
 * in their streams (read there, fresh); a row keeps the revision of its stream it reflects, so that an event applied
 * twice changes nothing.
 */
export class GovernanceRegisterProjection implements Projection {
  readonly name = GOVERNANCE_REGISTER;
  readonly schema = 'rm_governance';
  readonly handles = new Set([
    'governance.MeetingHeld',
    'governance.DecisionTaken',
    'governance.MinutesRecorded',
    'governance.ActRecorded',
    'governance.ActAmended',
  ]);
  readonly entities = [];
  readonly migrations = [GovernanceRegister1732200000101];

  async apply(events: StoredEvent[], manager: EntityManager): Promise<void> {
    const s = schemaOf(manager);
    for (const e of events) {
      const meetingId = MEETING.exec(e.streamName)?.[1];
      const actId = ACT.exec(e.streamName)?.[1];
      switch (e.type) {
        case 'governance.MeetingHeld': {
          if (!meetingId) break;
          const d = e.data as MeetingEventMap['governance.MeetingHeld'];
          await manager.query(
            `INSERT INTO ${s}.meetings (id, body, date, place, minutes_reference, decisions, revision, recorded_at)
             VALUES ($1, $2, $3, $4, $5, '[]'::jsonb, $6, $7) ON CONFLICT (id) DO NOTHING`,
            [meetingId, d.body, d.date, d.place, d.minutesReference ?? null, e.revision, e.recordedAt],
          );
          break;
        }
        case 'governance.DecisionTaken': {
          if (!meetingId) break;
          const { meetingId: _m, date: _d, ...decision } = e.data as MeetingEventMap['governance.DecisionTaken'];
          await manager.query(`UPDATE ${s}.meetings SET decisions = decisions || $2::jsonb, revision = $3 WHERE id = $1 AND revision < $3`, [
            meetingId,
            JSON.stringify([decision]),
            e.revision,
          ]);
          break;
        }
        case 'governance.MinutesRecorded':
          if (!meetingId) break;
          await manager.query(`UPDATE ${s}.meetings SET minutes_reference = $2, revision = $3 WHERE id = $1 AND revision < $3`, [
            meetingId,
            (e.data as MeetingEventMap['governance.MinutesRecorded']).minutesReference,
            e.revision,
          ]);
          break;
        case 'governance.ActRecorded': {
          if (!actId) break;
          const d = e.data as ActEventMap['governance.ActRecorded'];
          await manager.query(
            `INSERT INTO ${s}.acts (id, kind, issuer, reference, date, document, subject, operation_id, amounts, revision, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) ON CONFLICT (id) DO NOTHING`,
            [
              actId,
              d.kind,
              d.issuer,
              d.reference,
              d.date,
              d.document ?? null,
              d.subject,
              d.operationId ?? null,
              JSON.stringify(d.amounts),
              e.revision,
              e.recordedAt,
            ],
          );
          break;
        }
        case 'governance.ActAmended': {
          if (!actId) break;
          const d = e.data as ActEventMap['governance.ActAmended'];
          await manager.query(
            `UPDATE ${s}.acts SET reference = COALESCE($2, reference), document = COALESCE($3, document), amounts = COALESCE($4::jsonb, amounts),
               amended_on = $5, revision = $6 WHERE id = $1 AND revision < $6`,
            [actId, d.reference ?? null, d.document ?? null, d.amounts ? JSON.stringify(d.amounts) : null, d.date, e.revision],
          );
          break;
        }
      }
    }
  }
}

const schemaOfSource = (ds: DataSource) => `"${(ds.options as { schema: string }).schema}"`;

export interface MeetingSummary {
  id: string;
  body: string;
  date: string;
  place: string;
  minutesReference: string | null;
  decisions: { decisionId: string; subject: string; outcome: string; operationId?: string; amounts: DecisionAmount[] }[];
  revision: number;
  recordedAt: string;
}

export interface ActSummary {
  id: string;
  kind: string;
  issuer: string;
  reference: string;
  date: string;
  document: string | null;
  subject: string;
  operationId: string | null;
  amounts: DecisionAmount[];
  amendedOn: string | null;
  revision: number;
  recordedAt: string;
}

export interface GovernanceListFilters {
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

const DATE = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`;
const RECORDED_AT = `to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

async function listOf<T>(
  ds: DataSource,
  table: string,
  select: string,
  equal: Record<string, string | undefined>,
  f: GovernanceListFilters,
): Promise<{ total: number; rows: T[] }> {
  const params: unknown[] = [];
  const clauses: string[] = [];
  for (const [column, value] of Object.entries(equal))
    if (value !== undefined) {
      params.push(value);
      clauses.push(`${column} = $${params.length}`);
    }
  if (f.from !== undefined) {
    params.push(f.from);
    clauses.push(`date >= $${params.length}::date`);
  }
  if (f.to !== undefined) {
    params.push(f.to);
    clauses.push(`date <= $${params.length}::date`);
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const s = schemaOfSource(ds);
  const [{ total }] = await ds.query(`SELECT count(*)::int AS total FROM ${s}.${table} ${where}`, params);
  const rows = await ds.query(`SELECT ${select} FROM ${s}.${table} ${where} ORDER BY date, id LIMIT ${f.limit} OFFSET ${f.offset}`, params);
  return { total: Number(total), rows };
}

/** Meetings of a body (or of every body), by date. */
export function meetingsOf(ds: DataSource, body: string | undefined, f: GovernanceListFilters): Promise<{ total: number; rows: MeetingSummary[] }> {
  return listOf<MeetingSummary>(
    ds,
    'meetings',
    `id, body, ${DATE('date')} AS date, place, minutes_reference AS "minutesReference", decisions, revision, ${RECORDED_AT} AS "recordedAt"`,
    { body },
    f,
  );
}

/** Acts of an issuer or of a kind (or all), by date. */
export function actsOf(ds: DataSource, filters: { issuer?: string; kind?: string }, f: GovernanceListFilters): Promise<{ total: number; rows: ActSummary[] }> {
  return listOf<ActSummary>(
    ds,
    'acts',
    `id, kind, issuer, reference, ${DATE('date')} AS date, document, subject, operation_id AS "operationId", amounts, ${DATE('amended_on')} AS "amendedOn", revision, ${RECORDED_AT} AS "recordedAt"`,
    { issuer: filters.issuer, kind: filters.kind },
    f,
  );
}
