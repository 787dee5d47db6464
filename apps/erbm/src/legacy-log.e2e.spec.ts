import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventSourcedRepository, ReadModels } from '@erbm/shared/api';
import { type Json, type TestApp, startTestApp } from '@erbm/shared/api/testing';
import type { EventEnvelope } from '@erbm/shared/event-store';
import { eventUpcasters } from '@erbm/shared/kernel';
import { rebuildProjection } from '@erbm/shared/projections';
import { dumpReadModels, logSettled } from '@erbm/shared/testing';
import { type CommitmentEvent, type Ledger, type Ledgers, type MeetingEvent, LEDGERS, foldCommitment, foldMeeting } from '@erbm/ledger/domain';
import { allProjections, everyDomain } from '@erbm/domains';

/**
 * A log written by main at a3d6236, before issue 14 (libs/shared/testing/fixtures/README.md), read by the code of now:
 * the events already stored keep their meaning. Every expected value is computed here from the fixture's events, by
 * rules written in this file (which ledger each fact moves), not taken from the code under test.
 */

interface LegacyEvent {
  id: string;
  type: string;
  schemaVersion: number;
  stream: string;
  revision: number;
  write: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  metadata: EventEnvelope;
  recordedAt: string;
}

const FIXTURE = join(__dirname, '..', '..', '..', 'libs', 'shared', 'testing', 'fixtures', 'legacy-log-v1.jsonl');
const log: LegacyEvent[] = readFileSync(FIXTURE, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

/** The ledger a fact moves, and which way, as the programme's rules say (docs/glossary.md). */
const MOVES: Record<string, [Ledger, 1 | -1, (data: Json) => number]> = {
  'ledger.CommitmentAnnounced': ['announced', 1, (d) => d.amountCents],
  'ledger.CommitmentProgrammed': ['programmed', 1, (d) => d.amountCents],
  'ledger.CommitmentMade': ['committed', 1, (d) => d.amountCents],
  'ledger.CommitmentIncreased': ['committed', 1, (d) => d.amountCents],
  'ledger.CommitmentReduced': ['committed', -1, (d) => d.amountCents],
  'ledger.ServiceCertified': ['certified', 1, (d) => d.amountCents],
  'ledger.PaymentOrdered': ['ordered', 1, (d) => d.amountCents],
  'ledger.PaymentMade': ['paid', 1, (d) => d.amountCents],
  'ledger.CommitmentReleased': ['released', 1, (d) => d.amountCents],
  // A lapse releases what was not paid.
  'ledger.CommitmentLapsed': ['released', 1, (d) => d.releasedCents],
  'ledger.AmountRecovered': ['recovered', 1, (d) => d.amountCents],
};

const streamOf = (stream: string) => log.filter((e) => e.stream === stream);
const commitmentStreams = [...new Set(log.filter((e) => e.type === 'ledger.CommitmentAnnounced').map((e) => e.stream))];
const meetingStreams = [...new Set(log.filter((e) => e.type === 'governance.MeetingHeld').map((e) => e.stream))];

/** A commitment's ledgers from its events: each fact's amount on its ledger, a correction moving its fact's ledger by the difference. */
function ledgersOf(stream: string): Ledgers {
  const events = streamOf(stream);
  const ledgers = Object.fromEntries(LEDGERS.map((l) => [l, 0])) as Ledgers;
  for (const e of events) {
    const move = MOVES[e.type];
    if (move) ledgers[move[0]] += move[1] * move[2](e.data);
    if (e.type === 'ledger.CommitmentFactCorrected') {
      const [ledger, sign] = MOVES[(events.find((f) => f.revision === e.data.correctsRevision) as LegacyEvent).type];
      ledgers[ledger] += sign * ((e.data.after.amountCents ?? 0) - (e.data.before.amountCents ?? 0));
    }
  }
  return ledgers;
}

const announcedOf = (stream: string) => streamOf(stream)[0].data;
const sum = (ledgers: Ledgers[]) => Object.fromEntries(LEDGERS.map((l) => [l, ledgers.reduce((s, x) => s + x[l], 0)])) as Ledgers;
const resteAPayer = (l: Ledgers) => l.committed - l.released - l.paid;
const statusOf = (stream: string) => {
  const types = streamOf(stream).map((e) => e.type);
  return types.includes('ledger.CommitmentClosed') ? 'closed' : types.includes('ledger.CommitmentLapsed') ? 'lapsed' : 'committed';
};

/** The State's commitment of the cité 9: the one whose life has every kind of fact. */
const stateStream = commitmentStreams.find((s) => streamOf(s).some((e) => e.type === 'ledger.CommitmentFundingLineChanged')) as string;
const stateId = announcedOf(stateStream).commitmentId as string;
/** The Région's commitment, left open with money to pay. */
const regionStream = commitmentStreams.find((s) => announcedOf(s).financer === 'region_hdf') as string;
const regionId = announcedOf(regionStream).commitmentId as string;

describe('a log written by main at a3d6236, read by the code of now', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true }));
    // Each write as it was written: the same events, ids, schema versions and envelopes, in the order of the old log.
    const writes = new Map<number, LegacyEvent[]>();
    for (const e of log) writes.set(e.write, [...(writes.get(e.write) ?? []), e]);
    for (const events of writes.values()) {
      const [first] = events;
      await t.store.append(
        first.stream,
        events.map((e) => ({ id: e.id, type: e.type, schemaVersion: e.schemaVersion, data: e.data, envelope: e.metadata })),
        first.revision === 0 ? 'no_stream' : first.revision - 1,
      );
    }
    // The port lets no caller choose when an event was recorded (the store stamps it); the PostgreSQL store keeps it
    // in a column outside the hash chain, so the old instants are put back there.
    await t.database.db.query(
      `UPDATE event_store.events e SET recorded_at = v.at FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at) WHERE e.event_id = v.id`,
      [log.map((e) => e.id), log.map((e) => e.recordedAt)],
    );
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  }, 120_000);
  afterAll(() => t?.close());

  it('holds every event type the system had, in three commitments, two meetings and two operations', () => {
    expect(new Set(log.map((e) => e.type)).size).toBe(26);
    expect([commitmentStreams.length, meetingStreams.length]).toEqual([3, 2]);
    expect(log.every((e) => e.schemaVersion === 1)).toBe(true);
  });

  it("reads every old event through its type's upcasters, at the schema version the code of now writes", async () => {
    const read = (await t.store.readAll(null, 10_000)).events;
    expect(read.map((e) => [e.id, e.type, e.schemaVersion])).toEqual(log.map((e) => [e.id, e.type, eventUpcasters.currentVersion(e.type)]));
  });

  it('projects every event, parks none, and a rebuild from zero gives the same tables', async () => {
    const health = (await t.request('GET', '/health/projections', { token: null })).body;
    expect(health.projections.map((p: Json) => [p.projection, p.parkedEvents, p.lagEvents])).toEqual(allProjections().map((p) => [p.name, 0, 0]));
    const query = (sql: string) => t.database.db.query<Record<string, unknown>>(sql);
    const live = await dumpReadModels(allProjections(), query);
    for (const p of allProjections()) await rebuildProjection(p, t.store, { db: t.database.db, databaseUrl: t.database.url, batchSize: 7 });
    expect(await dumpReadModels(allProjections(), query)).toEqual(live);
  });

  it("totals every financer's ledgers in the SGAR's register", async () => {
    const { rows, total } = (await t.request('GET', '/sgar/totals?groupBy=financer', { token: t.token('sgar') })).body;
    const financers = [...new Set(commitmentStreams.map((s) => announcedOf(s).financer as string))].sort();
    const expected = financers.map((financer) => {
      const streams = commitmentStreams.filter((s) => announcedOf(s).financer === financer);
      const ledgers = sum(streams.map(ledgersOf));
      return { financer, ...ledgers, resteAPayer: streams.reduce((s, x) => s + resteAPayer(ledgersOf(x)), 0) };
    });
    expect([...rows].sort((a: Json, b: Json) => a.financer.localeCompare(b.financer))).toEqual(expected.map((e) => expect.objectContaining(e)));
    expect(total).toMatchObject(sum(commitmentStreams.map(ledgersOf)));
    // A total counts a commitment once per funding line and year its facts are in; the drill-down names each commitment.
    const behind = (await t.request('GET', '/sgar/totals/commitments?limit=1000', { token: t.token('sgar') })).body;
    for (const financer of financers)
      expect(new Set(behind.rows.filter((r: Json) => r.financer === financer).map((r: Json) => r.id)).size).toBe(
        commitmentStreams.filter((s) => announcedOf(s).financer === financer).length,
      );
    // Paid by the State: 600,000 € advance, 500,000 € interim corrected to 450,000 €, 400,000 € balance, and 50,000 € on the Tilleuls.
    expect(rows.find((r: Json) => r.financer === 'etat').paid).toBe(600_000_00 + 450_000_00 + 400_000_00 + 50_000_00);
  });

  it("shows a commitment's view, history and lineage as its facts were recorded", async () => {
    const ledgers = ledgersOf(stateStream);
    const view = (await t.request('GET', `/habitat/commitments/${stateId}`)).body;
    const carried = streamOf(stateStream).filter((e) => e.type === 'ledger.CommitmentCarriedOver');
    const moved = streamOf(stateStream).find((e) => e.type === 'ledger.CommitmentFundingLineChanged') as LegacyEvent;
    expect(view).toMatchObject({
      status: statusOf(stateStream),
      financer: 'etat',
      fundingLine: moved.data.to,
      fiscalYear: carried[carried.length - 1].data.toFiscalYear,
      ledgers,
      resteAPayer: resteAPayer(ledgers),
      revision: streamOf(stateStream).length - 1,
    });
    const warnings = streamOf(stateStream).filter((e) => e.type === 'ledger.CommitmentWarningRaised');
    expect(view.warnings.map((w: Json) => [w.rule, w.raisedByRevision])).toEqual(warnings.map((w) => [w.data.code, w.data.raisedByRevision]));
    expect(ledgers).toMatchObject({ committed: 1_500_000_00 + 200_000_00 - 150_000_00, paid: 1_450_000_00, recovered: 30_000_00 });

    const history = (await t.request('GET', `/audit/history/commitment/${stateId}`)).body;
    expect(history.history.map((h: Json) => [h.revision, h.type, h.occurredAt, h.recordedAt, h.recordedBy, h.correlationId])).toEqual(
      streamOf(stateStream).map((e) => [e.revision, e.type, e.metadata.occurredAt, e.recordedAt, e.metadata.actor.userId, e.metadata.correlationId]),
    );
    // As the system knew it when its last carry-over was recorded: the facts up to it, by their old recording instants.
    const asKnownAt = carried[carried.length - 1].recordedAt;
    const then = (await t.request('GET', `/audit/history/commitment/${stateId}?asKnownAt=${asKnownAt}`)).body;
    expect(then.history.map((h: Json) => h.revision)).toEqual(
      streamOf(stateStream)
        .filter((e) => e.recordedAt <= asKnownAt)
        .map((e) => e.revision),
    );

    const lineage = (await t.request('GET', `/audit/lineage/commitment/${stateId}`)).body;
    const cited = streamOf(stateStream).filter((e) => e.data.decision);
    expect(lineage.decisions.map((d: Json) => [d.meetingId, d.decisionId, d.decision.outcome, d.meeting.body])).toEqual(
      cited.map((e) => {
        const meeting = streamOf(`meeting-${e.data.decision.meetingId}`);
        const decision = meeting.find((m) => m.type === 'governance.DecisionTaken' && m.data.decisionId === e.data.decision.decisionId) as LegacyEvent;
        return [e.data.decision.meetingId, e.data.decision.decisionId, decision.data.outcome, meeting[0].data.body];
      }),
    );
    expect(lineage.legalActs.map((a: Json) => a.reference)).toEqual(
      streamOf(stateStream)
        .filter((e) => e.data.legalAct)
        .map((e) => e.data.legalAct.reference),
    );
  });

  it('shows the meetings with their decisions, minutes and what was programmed under them, net of releases', async () => {
    for (const stream of meetingStreams) {
      const events = streamOf(stream);
      const id = events[0].data.meetingId as string;
      // Meetings were read under a domain's URL before issue 14; every body's meetings are under /meetings since.
      let meeting = await t.request('GET', `/meetings/${id}`);
      if (meeting.status === 404) meeting = await t.request('GET', `/habitat/meetings/${id}`);
      expect(meeting.status).toBe(200);
      const minutes = events.filter((e) => e.type === 'governance.MinutesRecorded').pop()?.data.minutesReference ?? events[0].data.minutesReference;
      expect(meeting.body).toMatchObject({ body: events[0].data.body, date: events[0].data.date, minutesReference: minutes });
      expect(meeting.body.decisions.map((d: Json) => [d.decisionId, d.outcome])).toEqual(
        events.filter((e) => e.type === 'governance.DecisionTaken').map((e) => [e.data.decisionId, e.data.outcome]),
      );
      const net = new Map<string, number>();
      for (const e of events) {
        const sign = e.type === 'governance.ProgrammingRecorded' ? 1 : e.type === 'governance.ProgrammingReleased' ? -1 : 0;
        if (sign) net.set(e.data.commitmentId, (net.get(e.data.commitmentId) ?? 0) + sign * e.data.amountCents);
      }
      expect(Object.fromEntries((meeting.body.programmings ?? []).map((p: Json) => [p.commitmentId, p.amountCents]))).toEqual(Object.fromEntries(net));
    }
  });

  it("lists the operations in habitat's register, amended, delivered and financed", async () => {
    const { operations } = (await t.request('GET', '/habitat/operations')).body;
    const registered = log.filter((e) => e.type === 'habitat.OperationRegistered');
    expect(operations.map((o: Json) => o.id).sort()).toEqual(registered.map((e) => e.data.operationId).sort());
    for (const r of registered) {
      const events = streamOf(r.stream);
      const amended = events.filter((e) => e.type === 'habitat.OperationAmended').reduce((d, e) => ({ ...d, ...e.data.changes }), r.data);
      const delivered = events.filter((e) => e.type === 'habitat.DwellingsDelivered').reduce((s, e) => s + e.data.dwellings, 0);
      const commitments = commitmentStreams.filter((s) => announcedOf(s).operationId === r.data.operationId);
      const operation = operations.find((o: Json) => o.id === r.data.operationId);
      expect(operation).toMatchObject({
        name: amended.name,
        communeInsee: amended.communeInsee,
        dwellingsPlanned: amended.dwellingsPlanned,
        dwellingsDelivered: delivered,
        financing: { commitmentCount: commitments.length, total: expect.objectContaining(sum(commitments.map(ledgersOf))) },
      });
    }
  });

  it('folds every commitment and meeting stream with the deciders, read as a command reads it', async () => {
    const repository = t.app.get(EventSourcedRepository);
    for (const stream of commitmentStreams) {
      const { state, revision } = await repository.load(stream, (events: CommitmentEvent[]) => foldCommitment(events));
      expect([stream, revision, state.status === 'none' ? undefined : state.ledgers]).toEqual([stream, streamOf(stream).length - 1, ledgersOf(stream)]);
      expect(state.status).toBe(statusOf(stream));
    }
    for (const stream of meetingStreams) {
      const { state } = await repository.load(stream, (events: MeetingEvent[]) => foldMeeting(events));
      expect(state).toMatchObject({ status: 'held', meetingId: streamOf(stream)[0].data.meetingId });
    }
  });

  it('records a new payment on an old commitment, and the register counts it', async () => {
    const before = ledgersOf(regionStream);
    const region = t.token('editor', 'habitat', { party: 'region_hdf' });
    const path = `/habitat/commitments/${regionId}`;
    // Each step against the revision the old stream ends on, then the one the step before made.
    let revision = streamOf(regionStream).length - 1;
    for (const [step, body] of [
      ['certify', { amountCents: 100_000_00, reference: 'SF-R-2025-01', date: '2025-01-10' }],
      ['order', { amountCents: 100_000_00, reference: 'DP-R-2025-01', date: '2025-01-13' }],
      ['pay', { amountCents: 100_000_00, kind: 'interim', reference: 'DP-R-2025-01', date: '2025-01-15' }],
    ] as const) {
      const res = await t.request('POST', `${path}/${step}`, { token: region, body, headers: { 'If-Match': `"${revision}"` } });
      expect([step, res.status, res.body.detail, res.headers.get('etag')]).toEqual([step, 200, undefined, `"${revision + 1}"`]);
      revision += 1;
    }
    const view = (await t.request('GET', path)).body;
    expect(view.ledgers).toEqual({ ...before, certified: before.certified + 100_000_00, ordered: before.ordered + 100_000_00, paid: before.paid + 100_000_00 });
    expect(view.warnings).toEqual([]);
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
    const { total } = (await t.request('GET', '/sgar/totals?groupBy=financer', { token: t.token('sgar') })).body;
    expect(total.paid).toBe(sum(commitmentStreams.map(ledgersOf)).paid + 100_000_00);
  });
});
