/**
 * Benchmark of the read models at scale: full rebuild of both projections from a realistic habitat log, then the
 * queries the consolidated views run.
 *
 *   npm run bench:read-models -- [--events 1000000] [--batch-size 5000] [--seed 1] [--runs 200] [--warmup 20]
 *
 * Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): a server where the user may create
 * databases. The bench creates its own database `erbm_bench_<hex>` and drops it (WITH (FORCE)) at the end, even on
 * error or Ctrl-C; with BENCH_KEEP_DATABASE=1 it keeps it, and one projection's rebuild can then be run again alone:
 *   npm run bench:read-models -- --child-rebuild ledger-register --url postgres://…/erbm_bench_<hex>
 *
 * 1. Generation. Operations in the four arrondissements (communes.csv), each with 3 to 5 financers (funding_lines.csv,
 *    financer = the line's owner), comités partenariaux that programme them, legal acts, payments (some advances above
 *    30 %, some interim payments above 80 %), phases, deliveries, and now and then amendments, carry-overs, funding line
 *    changes, increases, reductions, releases, corrections, recoveries, lapses and closings. Every event comes from the
 *    real deciders (decideOperation, decideCommitment, decideMeeting), each stream's state evolved as it goes; commands a
 *    decider refuses are counted and left out. The log is written with `store.append` through the event store adapter,
 *    one append per stream per window of the log, streams of a window written concurrently (operations and meetings
 *    before commitments, so that an operation is always registered before its commitments' facts). The generating
 *    connections use `synchronous_commit = off` (faster, nothing else differs); the rebuilds and queries do not.
 * 2. Rebuild. Each projection is rebuilt with `rebuildProjection` in a child process of its own, so that its peak RSS
 *    (sampled every 100 ms, and `process.resourceUsage().maxRSS`) is the rebuild's and not the generator's.
 * 3. Consistency: committed (and every other ledger, and the count) summed over the commitment rows equals the sum over
 *    the consolidated totals; no event parked; one row per commitment and per operation generated.
 * 4. Queries on the live schemas (openReadModelDataSource): p50/p95/max over `--runs` runs after `--warmup` runs.
 *
 * Progress goes to stderr; the report goes to stdout and ends with one JSON line. Exit code 0 whether or not the
 * targets are met; 1 when the bench failed or the read model is inconsistent.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { type EventEnvelope, type ExpectedRevision, type NewEvent, type SqlDatabase, migrateEventStore, openSqlDatabase, PostgresEventStore } from '@erbm/shared/event-store';
import { DEFAULT_BATCH_SIZE, type Projection, openReadModelDataSource, rebuildProjection } from '@erbm/shared/projections';
import { type Commune, type FundingLine, loadReferentials } from '@erbm/shared/referentials';
import { type CommitmentCommand, type CommitmentState, type LegalAct, type MeetingCommand, type MeetingState, commitmentStreamName, decideCommitment, decideMeeting, evolveCommitment, evolveMeeting, meetingStreamName, netCommitted, resteAPayer } from '@erbm/ledger/domain';
import { RuleViolation } from '@erbm/shared/kernel';
import { type OperationCommand, type OperationState, decideOperation, evolveOperation, operationStreamName } from '@erbm/habitat/domain';
import { commitmentsBehind, consolidatedTotals, consolidatedTotalsKnownAt, freshness } from '@erbm/ledger/read-models';
import { allProjections } from '@erbm/domains';

const ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const TARGET_RATE = 20_000;
const TARGET_RSS_MB = 512;
const TARGET_P95_MS = 50;
/** "Well under a second" (issue 5), for the views as known at a past time. */
const TARGET_AS_OF_P95_MS = 500;
const MB = 1024 * 1024;

const log = (message: string) => process.stderr.write(`${message}\n`);

function intFlag(value: string | undefined, name: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------------------
// Deterministic randomness and business dates (days since 1970-01-01)

class Rng {
  constructor(private state: number) {}
  /** mulberry32 */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  next(): number {
    return this.u32() / 4_294_967_296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  uuid(): string {
    const h = () => this.u32().toString(16).padStart(8, '0');
    const a = h();
    const b = h();
    const c = h();
    const d = h();
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${(8 + (parseInt(c[0], 16) & 3)).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}

type Day = number;
const DAY_MS = 86_400_000;
const dayOf = (isoDate: string): Day => Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
const isoOf = (day: Day): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const yearOf = (day: Day): number => new Date(day * DAY_MS).getUTCFullYear();
const FIRST_REGISTRATION = dayOf('2017-04-01');
const LAST_REGISTRATION = dayOf('2025-06-30');
/** Facts dated after this day are not generated: recent operations are still in progress. */
const LOG_END = dayOf('2026-03-31');

// ---------------------------------------------------------------------------------------------------------------------
// Generation: simulated streams, planned commands, executed through the deciders

interface Sim<S> {
  stream: string;
  state: S;
  /** 0: written first in a window (operations, meetings); 1: then (commitments). */
  phase: 0 | 1;
  /** Events appended so far: the expected revision of the next append. */
  appended: number;
}

interface OpSim extends Sim<OperationState> {
  id: string;
  registered: Day;
  meetingDay: Day;
  worksDay: Day;
  commune: Commune;
  dwellings: number;
  eligibleCostCents: number;
  commitments: CommitmentSim[];
  meeting?: MeetingSim;
  decisionId: string;
  /** Last delivery day when the operation is to be delivered in full. */
  deliveredDay?: Day;
}

interface CommitmentSim extends Sim<CommitmentState> {
  id: string;
  op: OpSim;
  line: FundingLine;
  amountCents: number;
}

type MeetingSim = Sim<MeetingState> & { id: string };

interface Planned {
  day: Day;
  seq: number;
  run: () => void;
}

interface OutEvent {
  sim: Sim<unknown>;
  event: NewEvent;
}

interface Actor {
  userId: string;
  role: string;
  organisation: string;
}

interface Meta {
  actor: Actor;
  reason?: string;
  sourceDocument?: { kind: string; reference: string };
}

const LEGAL_ACT_KIND: Record<string, LegalAct['kind']> = {
  'state-programme': 'ej',
  'joint-fund': 'convention',
  region: 'deliberation',
  departement: 'deliberation',
  epci: 'deliberation',
  'eu-fund': 'convention',
  'landlord-own-funds': 'convention',
  loan: 'convention',
};

/** Share of the eligible cost each kind of funding line usually brings. */
const SHARE: Record<string, number> = {
  'state-programme': 0.2,
  'joint-fund': 0.05,
  region: 0.1,
  departement: 0.04,
  epci: 0.03,
  'eu-fund': 0.08,
  'landlord-own-funds': 0.3,
  loan: 0.2,
};

export interface GenerationStats {
  events: number;
  operations: number;
  commitments: number;
  meetings: number;
  appends: number;
  refused: Record<string, number>;
  byType: Record<string, number>;
  seconds: number;
  rate: number;
}

class Generator {
  private readonly rng: Rng;
  private readonly communes: Commune[];
  private readonly referentials = loadReferentials();
  private readonly actors: Map<string, Actor[]> = new Map();
  private seq = 0;
  private out: OutEvent[] = [];
  /** Commands the deciders refused (left out of the log), by rule. */
  readonly refused: Record<string, number> = {};

  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.communes = this.referentials.communes.all.filter((c) => ['622', '625', '593', '596'].includes(c.arrondissement));
  }

  private actor(organisation: string): Actor {
    let pool = this.actors.get(organisation);
    if (!pool) {
      pool = Array.from({ length: 6 }, (_, i) => ({ userId: `${organisation}-agent-${i + 1}`, role: 'gestionnaire', organisation }));
      this.actors.set(organisation, pool);
    }
    return this.rng.pick(pool);
  }

  private emit<S, C, E extends { type: string; data: unknown }>(sim: Sim<S>, decide: (c: C, s: S) => E[], evolve: (s: S, e: E) => S, command: C, day: Day, meta: Meta): boolean {
    let events: E[];
    try {
      events = decide(command, sim.state);
    } catch (error) {
      if (!(error instanceof RuleViolation)) throw error;
      this.refused[error.rule] = (this.refused[error.rule] ?? 0) + 1;
      return false;
    }
    const correlationId = this.rng.uuid();
    const occurredAt = isoOf(day);
    for (const e of events) {
      sim.state = evolve(sim.state, e);
      const envelope: EventEnvelope = {
        actor: meta.actor,
        occurredAt,
        ...(meta.reason ? { reason: meta.reason } : {}),
        ...(meta.sourceDocument ? { sourceDocument: meta.sourceDocument } : {}),
        correlationId,
      };
      // As the API's repository does: optional fields a decider leaves undefined are absent in JSON.
      this.out.push({ sim: sim as Sim<unknown>, event: { id: this.rng.uuid(), type: e.type, schemaVersion: 1, data: JSON.parse(JSON.stringify(e.data)), envelope } });
    }
    return true;
  }

  private op(sim: OpSim, command: OperationCommand, day: Day, meta: Partial<Meta> = {}): boolean {
    return this.emit(sim, decideOperation, evolveOperation, command, day, { actor: this.actor('mission-erbm'), ...meta });
  }

  private commitment(sim: CommitmentSim, command: CommitmentCommand, day: Day, meta: Partial<Meta> = {}): boolean {
    return this.emit(sim, decideCommitment, evolveCommitment, command, day, { actor: this.actor(sim.line.owner), ...meta });
  }

  private meetingFact(sim: MeetingSim, command: MeetingCommand, day: Day): boolean {
    return this.emit(sim, decideMeeting, evolveMeeting, command, day, { actor: this.actor('secretariat-commun'), sourceDocument: { kind: 'minutes', reference: `PV-${sim.id}` } });
  }

  /** Plans `count` operations with everything that happens to them, executes them in date order, returns the events. */
  chunk(count: number): OutEvent[] {
    const plan: Planned[] = [];
    const at = (day: Day, run: () => void) => plan.push({ day, seq: this.seq++, run });
    const ops = Array.from({ length: count }, () => this.newOperation());

    // Each arrondissement's comité partenarial programmes its operations in sessions of 6 to 10.
    for (const arrondissement of ['622', '625', '593', '596']) {
      const local = ops.filter((o) => o.commune.arrondissement === arrondissement).sort((a, b) => a.registered - b.registered);
      for (let i = 0; i < local.length; ) {
        const group = local.slice(i, i + this.rng.int(6, 10));
        i += group.length;
        const meetingDay = Math.max(...group.map((o) => o.registered)) + this.rng.int(14, 60);
        const id = this.rng.uuid();
        const meeting: MeetingSim = { id, stream: meetingStreamName(id), state: { status: 'none' }, phase: 0, appended: 0 };
        at(meetingDay, () => this.meetingFact(meeting, { type: 'hold', meetingId: id, body: `comite-partenarial-${arrondissement}`, date: isoOf(meetingDay), place: `Sous-préfecture (${arrondissement})` }, meetingDay));
        group.forEach((o, k) => {
          o.meeting = meeting;
          o.meetingDay = meetingDay;
          o.decisionId = `D${k + 1}`;
          const decision: MeetingCommand = {
            type: 'takeDecision',
            decisionId: o.decisionId,
            subject: `Programmation : ${o.commune.name}, opération ${o.id.slice(0, 8)}`,
            outcome: 'approved',
            operationId: o.id,
            amounts: o.commitments.map((c) => ({ financer: c.line.owner, fundingLine: c.line.id, amountCents: c.amountCents })),
          };
          at(meetingDay, () => this.meetingFact(meeting, decision, meetingDay));
        });
        const minutesDay = meetingDay + this.rng.int(15, 30);
        at(minutesDay, () => this.meetingFact(meeting, { type: 'recordMinutes', minutesReference: `PV-CP-${arrondissement}-${isoOf(meetingDay)}` }, minutesDay));
      }
    }
    for (const o of ops) this.planOperation(o, at);

    plan.sort((a, b) => a.day - b.day || a.seq - b.seq);
    this.out = [];
    for (const p of plan) if (p.day <= LOG_END) p.run();
    return this.out;
  }

  private newOperation(): OpSim {
    const r = this.rng;
    const commune = r.pick(this.communes);
    const registered = r.int(FIRST_REGISTRATION, LAST_REGISTRATION);
    const dwellings = r.int(12, 320);
    const eligibleCostCents = dwellings * r.int(38_000, 62_000) * 100;
    const id = r.uuid();
    const op: OpSim = {
      id,
      stream: operationStreamName(id),
      state: { status: 'none' },
      phase: 0,
      appended: 0,
      registered,
      meetingDay: registered,
      worksDay: registered,
      commune,
      dwellings,
      eligibleCostCents,
      commitments: [],
      decisionId: 'D1',
    };
    const date = isoOf(registered);
    const lines = (ids: string[]) => ids.map((i) => this.referentials.fundingLines.at(i, date)).filter((l): l is FundingLine => l !== undefined);
    const landlordLine = `fonds-propres-${r.chance(0.85) ? 'maisons_et_cites' : 'sia_habitat'}`;
    const mandatory = lines(['etat-p135', 'region-erbm']);
    const optional = lines([
      `cd${commune.departement}-habitat`,
      `epci-${commune.epci}`,
      landlordLine,
      r.chance(0.5) ? 'feder-2021-2027' : 'feder-2014-2020',
      'pret-banque_des_territoires',
      'fonds-etat-region-erbm',
    ]);
    const wanted = r.next() < 0.45 ? 3 : r.next() < 0.64 ? 4 : 5;
    const chosen = [...mandatory];
    while (chosen.length < wanted && optional.length) chosen.push(optional.splice(Math.floor(r.next() * optional.length), 1)[0]);
    for (const line of chosen) {
      const share = SHARE[line.kind] * (0.7 + 0.6 * r.next());
      const cid = r.uuid();
      op.commitments.push({
        id: cid,
        stream: commitmentStreamName(cid),
        state: { status: 'none' },
        phase: 1,
        appended: 0,
        op,
        line,
        // Whole thousands of euros.
        amountCents: Math.max(1, Math.round((eligibleCostCents * share) / 100_000)) * 100_000,
      });
    }
    return op;
  }

  private planOperation(o: OpSim, at: (day: Day, run: () => void) => void): void {
    const r = this.rng;
    const R = o.registered;
    at(R, () =>
      this.op(o, {
        type: 'register',
        operationId: o.id,
        date: isoOf(R),
        name: `Cité ${o.commune.name} ${o.id.slice(0, 4).toUpperCase()}`,
        cite: `Cité n° ${r.int(1, 90)} de ${o.commune.name}`,
        communeInsee: o.commune.insee,
        arrondissement: o.commune.arrondissement,
        landlord: o.commitments.find((c) => c.line.kind === 'landlord-own-funds')?.line.owner ?? 'maisons_et_cites',
        dwellingsPlanned: o.dwellings,
        energyLabelBefore: r.pick(['E', 'F', 'G'] as const),
        energyLabelTarget: r.pick(['A', 'B', 'C'] as const),
        eligibleCostCents: o.eligibleCostCents,
      }, R),
    );
    for (const c of o.commitments) {
      at(R, () =>
        this.commitment(
          c,
          { type: 'announce', commitmentId: c.id, operationId: o.id, domain: 'habitat', financer: c.line.owner, fundingLine: c.line.id, fiscalYear: yearOf(R), amountCents: c.amountCents, date: isoOf(R) },
          R,
          { sourceDocument: { kind: 'import', reference: `Plan de financement ${o.id.slice(0, 8)}` } },
        ),
      );
      at(R, () => this.op(o, { type: 'attachCommitment', commitmentId: c.id, financer: c.line.owner, fundingLine: c.line.id, date: isoOf(R) }, R));
    }
    const M = o.meetingDay;
    o.worksDay = M + r.int(120, 540);
    const W = o.worksDay;
    // Amendments before the works: a new name, more dwellings, a commune corrected (rarely into another arrondissement).
    if (r.chance(0.04)) {
      const day = r.int(R + 1, W - 1);
      const kind = r.next();
      const other = r.pick(this.communes.filter((c) => (kind < 0.9 ? c.arrondissement === o.commune.arrondissement : c.arrondissement !== o.commune.arrondissement) && c.insee !== o.commune.insee));
      const changes =
        kind < 0.4
          ? { name: `Cité ${o.commune.name} ${o.id.slice(0, 4).toUpperCase()} (tranche 2)` }
          : kind < 0.75
            ? { dwellingsPlanned: o.dwellings + r.int(1, 30) }
            : { communeInsee: other.insee, arrondissement: other.arrondissement };
      at(day, () => this.op(o, { type: 'amend', changes, reason: 'Correction du programme après visite de terrain', date: isoOf(day) }, day, { reason: 'Correction du programme après visite de terrain' }));
    }
    at(M, () => this.op(o, { type: 'recordPhase', phase: 'studies', date: isoOf(M) }, M));
    at(W, () => this.op(o, { type: 'recordPhase', phase: 'works-started', date: isoOf(W) }, W));
    const deliveries = r.int(1, 3);
    const complete = r.chance(0.85);
    let day = W + r.int(180, 500);
    for (let k = 0; k < deliveries; k++) {
      const last = k === deliveries - 1;
      const d = day;
      at(d, () => {
        const s = o.state;
        if (s.status === 'none') return;
        const remaining = s.dwellingsPlanned - s.dwellingsDelivered;
        const dwellings = last ? (complete ? remaining : Math.floor(remaining * 0.6)) : Math.floor(remaining / (deliveries - k));
        if (dwellings > 0) this.op(o, { type: 'recordDelivery', dwellings, date: isoOf(d) }, d);
      });
      if (!last) day += r.int(60, 300);
    }
    if (complete) {
      const d = day + r.int(0, 30);
      o.deliveredDay = d;
      at(d, () => {
        const s = o.state;
        if (s.status !== 'none' && s.dwellingsDelivered === s.dwellingsPlanned) this.op(o, { type: 'recordPhase', phase: 'delivered', date: isoOf(d) }, d);
      });
    }
    for (const c of o.commitments) this.planCommitment(c, at);
  }

  private planCommitment(c: CommitmentSim, at: (day: Day, run: () => void) => void): void {
    const r = this.rng;
    const o = c.op;
    const M = o.meetingDay;
    const meeting = o.meeting as MeetingSim;
    const decision = { meetingId: meeting.id, decisionId: o.decisionId, date: isoOf(M) };
    const open = () => c.state.status !== 'none' && c.state.status !== 'closed' && c.state.status !== 'lapsed';
    const ledgers = () => (c.state.status === 'none' ? undefined : c.state.ledgers);
    at(M, () => this.commitment(c, { type: 'programme', amountCents: c.amountCents, date: isoOf(M), decision }, M));
    let t = M;
    if (r.chance(0.01)) {
      // Never committed: lapses.
      const d = M + r.int(300, 700);
      at(d, () => this.commitment(c, { type: 'lapse', date: isoOf(d), reason: 'Opération abandonnée par le bailleur' }, d, { reason: 'Opération abandonnée par le bailleur' }));
      return;
    }
    if (c.line.id === 'etat-p135' && r.chance(0.03)) {
      const d = (t += r.int(1, 20));
      const to = d >= dayOf('2021-01-01') ? 'fonds-etat-region-erbm' : 'etat-p147';
      at(d, () => this.commitment(c, { type: 'changeFundingLine', fundingLine: to, date: isoOf(d), reason: 'Imputation sur une autre ligne de crédits' }, d, { reason: 'Imputation sur une autre ligne de crédits' }));
    }
    const C = t + r.int(30, 300);
    const fiscalYear = yearOf(o.registered);
    if (yearOf(C) > fiscalYear && r.chance(0.25)) {
      const d = Math.max(t, dayOf(`${fiscalYear}-12-31`));
      if (d < C) {
        at(d, () => this.commitment(c, { type: 'carryOver', toFiscalYear: fiscalYear + 1, date: isoOf(d), reason: 'Acte juridique non signé avant la clôture de l’exercice' }, d));
        t = d;
      }
    }
    const overProgrammed = r.chance(0.015);
    const reference = `${c.line.owner.toUpperCase()}-${yearOf(C)}-${c.id.slice(0, 6)}`;
    const legalAct: LegalAct = { kind: LEGAL_ACT_KIND[c.line.kind] ?? 'convention', reference: c.line.kind === 'state-programme' ? String(2_100_000_000 + r.int(0, 99_999_999)) : reference, date: isoOf(C) };
    at(C, () => {
      const others = o.commitments.filter((x) => x !== c).reduce((s, x) => s + (x.state.status === 'none' ? 0 : netCommitted(x.state.ledgers)), 0);
      const amountCents = overProgrammed ? Math.round(c.amountCents * 1.1) : c.amountCents;
      this.commitment(
        c,
        { type: 'commit', amountCents, date: isoOf(C), legalAct, ...(overProgrammed ? { decision } : {}), envelope: { eligibleCostCents: o.eligibleCostCents, otherCommitmentsCents: others } },
        C,
        { sourceDocument: { kind: legalAct.kind, reference: legalAct.reference } },
      );
    });
    t = C;
    if (r.chance(0.03)) {
      const d = (t += r.int(20, 200));
      const amountCents = Math.max(100, Math.round(c.amountCents * 0.1));
      at(d, () =>
        this.commitment(c, { type: 'increase', amountCents, date: isoOf(d), reason: 'Surcoût des travaux', decision, legalAct: { kind: 'avenant', reference: `AV-${reference}`, date: isoOf(d) } }, d, { reason: 'Surcoût des travaux' }),
      );
    }
    if (r.chance(0.02)) {
      const d = (t += r.int(20, 120));
      at(d, () => {
        const l = ledgers();
        if (l) this.commitment(c, { type: 'reduce', amountCents: Math.max(100, Math.round(netCommitted(l) * 0.07)), date: isoOf(d), reason: 'Assiette révisée' }, d, { reason: 'Assiette révisée' });
      });
    }
    // Payments: the State's lines certify and order before paying; the others pay directly.
    const chain = c.line.kind === 'state-programme' || c.line.kind === 'joint-fund';
    const pay = (day: Day, kind: 'advance' | 'interim' | 'balance', amount: () => number, guarantee = false) => {
      const ref = `DP-${c.id.slice(0, 6)}-${day}`;
      if (chain) {
        const certifyDay = day - 20;
        const orderDay = day - 10;
        let cents = 0;
        at(certifyDay, () => {
          cents = open() ? amount() : 0;
          if (cents > 0) this.commitment(c, { type: 'certify', amountCents: cents, date: isoOf(certifyDay), reference: `SF-${ref}` }, certifyDay);
        });
        at(orderDay, () => cents > 0 && this.commitment(c, { type: 'order', amountCents: cents, date: isoOf(orderDay), reference: `OP-${ref}` }, orderDay));
        at(day, () => cents > 0 && this.commitment(c, { type: 'pay', amountCents: cents, date: isoOf(day), kind, reference: ref, ...(guarantee ? { guarantee } : {}) }, day));
      } else {
        at(day, () => {
          const cents = open() ? amount() : 0;
          if (cents > 0) this.commitment(c, { type: 'pay', amountCents: cents, date: isoOf(day), kind, reference: ref, ...(guarantee ? { guarantee } : {}) }, day);
        });
      }
    };
    const paid = () => ledgers()?.paid ?? 0;
    const net = () => {
      const l = ledgers();
      return l ? netCommitted(l) : 0;
    };
    if (r.chance(0.75)) {
      const d = (t += r.int(40, 150));
      const roll = r.next();
      // Mostly within the 30 % ceiling; some above it (a warning), a few with a bank guarantee (60 %).
      const rate = roll < 0.08 ? 0.35 + 0.15 * r.next() : roll < 0.1 ? 0.5 : 0.1 + 0.2 * r.next();
      pay(d, 'advance', () => Math.floor(net() * rate), roll >= 0.08 && roll < 0.1);
    }
    if (r.chance(0.03)) {
      const d = (t += r.int(10, 60));
      at(d, () => {
        if (c.state.status === 'none' || !open()) return;
        const facts = c.state.facts;
        const made = facts.find((f) => f.type === 'ledger.CommitmentMade');
        const payment = facts.find((f) => f.type === 'ledger.PaymentMade');
        const roll = r.next();
        const meta = { reason: 'Erreur de saisie' };
        if (payment && roll < 0.3) this.commitment(c, { type: 'correct', revision: payment.revision, factDate: isoOf(dayOf(payment.values.date) - 1), date: isoOf(d), reason: meta.reason }, d, meta);
        else if (roll < 0.5) this.commitment(c, { type: 'correct', revision: 0, amountCents: c.amountCents + 100_000, date: isoOf(d), reason: meta.reason }, d, meta);
        else if (made) this.commitment(c, { type: 'correct', revision: made.revision, reference: `${made.values.reference}-R`, date: isoOf(d), reason: meta.reason }, d, meta);
      });
    }
    const interims = r.chance(0.7) ? r.int(1, 2) : 0;
    const over80 = r.chance(0.03);
    for (let k = 0; k < interims; k++) {
      const d = (t = Math.max(t, o.worksDay) + r.int(90, 400));
      const last = k === interims - 1;
      pay(d, 'interim', () => {
        const ceiling = Math.floor(net() * (last ? (over80 ? 0.85 : 0.8) : 0.55));
        return ceiling - paid();
      });
    }
    if (o.deliveredDay === undefined) return;
    const balanceDay = (t = Math.max(t, o.deliveredDay) + r.int(30, 180));
    const releases = r.chance(0.05);
    pay(balanceDay, 'balance', () => {
      const remaining = net() - paid();
      return releases ? Math.floor(remaining * 0.9) : remaining;
    });
    if (releases) {
      const d = (t += r.int(30, 90));
      at(d, () => {
        const l = ledgers();
        const releasable = l ? netCommitted(l) - Math.max(l.paid, l.ordered) : 0;
        if (open() && releasable > 0) this.commitment(c, { type: 'release', amountCents: releasable, date: isoOf(d), reason: 'Solde inférieur au montant engagé' }, d, { reason: 'Solde inférieur au montant engagé' });
      });
    }
    if (r.chance(0.005)) {
      const d = (t += r.int(60, 300));
      at(d, () => {
        const amount = Math.floor(paid() * 0.02);
        if (open() && amount > 0) this.commitment(c, { type: 'recover', amountCents: amount, date: isoOf(d), reference: `TR-${c.id.slice(0, 6)}`, reason: 'Trop-perçu' }, d, { reason: 'Trop-perçu' });
      });
    }
    if (r.chance(0.7)) {
      const d = (t += r.int(30, 120));
      at(d, () => {
        const l = ledgers();
        if (open() && l && resteAPayer(l) <= 0) this.commitment(c, { type: 'close', date: isoOf(d), reason: 'Opération soldée' }, d);
      });
    }
  }
}

/** Appends a slice of the log: one append per stream, operations and meetings first, `concurrency` streams at a time. */
async function appendWindow(store: PostgresEventStore, window: OutEvent[], concurrency: number): Promise<number> {
  const byStream = new Map<Sim<unknown>, NewEvent[]>();
  for (const { sim, event } of window) {
    const list = byStream.get(sim);
    if (list) list.push(event);
    else byStream.set(sim, [event]);
  }
  let appends = 0;
  for (const phase of [0, 1]) {
    const jobs = [...byStream].filter(([sim]) => sim.phase === phase);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const [sim, events] = jobs[next++];
        const expected: ExpectedRevision = sim.appended === 0 ? 'no_stream' : sim.appended - 1;
        await store.append(sim.stream, events, expected);
        sim.appended += events.length;
        appends++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  }
  return appends;
}

async function generate(store: PostgresEventStore, total: number, seed: number, windowSize: number, concurrency: number): Promise<GenerationStats> {
  const generator = new Generator(seed);
  const started = performance.now();
  let written = 0;
  let appends = 0;
  let lastReport = 0;
  while (written < total) {
    const events = generator.chunk(1_000);
    const take = events.slice(0, total - written);
    for (let i = 0; i < take.length; i += windowSize) appends += await appendWindow(store, take.slice(i, i + windowSize), concurrency);
    written += take.length;
    const seconds = (performance.now() - started) / 1000;
    if (seconds - lastReport > 5 || written >= total) {
      lastReport = seconds;
      log(`  generated ${written.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} events, ${Math.round(written / seconds)} events/s, ${appends} appends`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { events: written, operations: 0, commitments: 0, meetings: 0, appends, refused: generator.refused, byType: {}, seconds, rate: written / seconds };
}

// ---------------------------------------------------------------------------------------------------------------------
// Rebuild (in a child process per projection)

interface RebuildFigures {
  projection: string;
  eventsRead: number;
  seconds: number;
  rate: number;
  /** Highest RSS sampled every 100 ms during the rebuild. */
  peakRssMB: number;
  /** process.resourceUsage().maxRSS of the child process at the end (its whole life). */
  maxRssMB: number;
  rssBeforeMB: number;
}

const PROJECTIONS: Record<string, () => Projection> = Object.fromEntries(allProjections().map((p) => [p.name, () => allProjections().find((q) => q.name === p.name) as Projection]));

async function rebuildChild(name: string, url: string, batchSize: number | undefined): Promise<void> {
  const projection = PROJECTIONS[name]();
  const db = await openSqlDatabase({ databaseUrl: url });
  const store = new PostgresEventStore(db);
  try {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    let lastLog = 0;
    try {
      const result = await rebuildProjection(projection, store, {
        db,
        databaseUrl: url,
        batchSize,
        onProgress: (p) => {
          if (!p.done && p.elapsedSeconds - lastLog < 5) return;
          lastLog = p.elapsedSeconds;
          log(`  ${p.projection}: ${p.eventsRead.toLocaleString('en-US')} events read, ${Math.round(p.rate)} events/s, rss ${Math.round(process.memoryUsage().rss / MB)} MB`);
        },
      });
      peak = Math.max(peak, process.memoryUsage().rss);
      const figures: RebuildFigures = {
        projection: name,
        eventsRead: result.eventsRead,
        seconds: result.seconds,
        rate: result.eventsRead / result.seconds,
        peakRssMB: peak / MB,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
        rssBeforeMB: rssBefore / MB,
      };
      process.stdout.write(`${JSON.stringify(figures)}\n`);
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await store.close();
  }
}

/**
 * The Node flags `npm run rebuild` runs with (its heap budget): the benchmark measures the rebuild as the tool runs it.
 * Read from package.json, so that the two cannot differ.
 */
function rebuildToolFlags(): string[] {
  const script: string = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).scripts.rebuild;
  return script.split(/\s+/).filter((word) => word.startsWith('--max-old-space-size='));
}

function runRebuildChild(name: string, url: string, batchSize: number | undefined): Promise<RebuildFigures> {
  const args = [...rebuildToolFlags(), path.join(__dirname, '..', 'run-ts.cjs'), __filename, '--child-rebuild', name, '--url', url, ...(batchSize ? ['--batch-size', String(batchSize)] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`rebuild of ${name} exited with code ${code}`));
      try {
        resolve(JSON.parse(last) as RebuildFigures);
      } catch {
        reject(new Error(`rebuild of ${name} printed no result: ${stdout}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Consistency and queries

interface Consistency {
  ok: boolean;
  commitmentRows: number;
  operationRows: number;
  totalRows: number;
  committedRows: string;
  committedTotals: string;
  everyLedgerEqual: boolean;
  parkedLedger: number;
  parkedHabitat: number;
  eventsAppliedLedger: number;
  eventsAppliedHabitat: number;
}

async function checkConsistency(db: SqlDatabase, commitments: number, operations: number): Promise<Consistency> {
  const ledgers = ['announced', 'programmed', 'committed', 'certified', 'ordered', 'paid', 'released', 'recovered', 'reste_a_payer'];
  const sums = (table: string, count: string) => `SELECT ${count}::text AS commitments, ${ledgers.map((l) => `coalesce(sum(${l}), 0)::text AS ${l}`).join(', ')} FROM rm_ledger.${table}`;
  const [rows] = await db.query<Record<string, string>>(sums('commitments', 'count(*)'));
  const [totals] = await db.query<Record<string, string>>(sums('consolidated_totals', 'coalesce(sum(commitments), 0)'));
  const [counts] = await db.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM rm_ledger.consolidated_totals)::int AS total_rows,
            (SELECT count(*) FROM rm_habitat.operations)::int AS operation_rows,
            (SELECT count(*) FROM rm_ledger.parked_events)::int AS parked_ledger,
            (SELECT count(*) FROM rm_habitat.parked_events)::int AS parked_habitat,
            (SELECT events_applied FROM rm_ledger.projection_state)::int AS applied_ledger,
            (SELECT events_applied FROM rm_habitat.projection_state)::int AS applied_habitat`,
  );
  const everyLedgerEqual = ['commitments', ...ledgers].every((l) => rows[l] === totals[l]);
  const result: Consistency = {
    ok: false,
    commitmentRows: Number(rows.commitments),
    operationRows: Number(counts.operation_rows),
    totalRows: Number(counts.total_rows),
    committedRows: rows.committed,
    committedTotals: totals.committed,
    everyLedgerEqual,
    parkedLedger: Number(counts.parked_ledger),
    parkedHabitat: Number(counts.parked_habitat),
    eventsAppliedLedger: Number(counts.applied_ledger),
    eventsAppliedHabitat: Number(counts.applied_habitat),
  };
  result.ok =
    rows.committed === totals.committed && everyLedgerEqual && result.parkedLedger === 0 && result.parkedHabitat === 0 && result.commitmentRows === commitments && result.operationRows === operations;
  return result;
}

interface QueryFigures {
  label: string;
  rows: number;
  p50: number;
  p95: number;
  max: number;
  /** p95 target of this query (ms). */
  target: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function timeQuery(label: string, runs: number, warmup: number, query: () => Promise<number>, target = TARGET_P95_MS): Promise<QueryFigures> {
  let rows = 0;
  for (let i = 0; i < warmup; i++) rows = await query();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    rows = await query();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const figures = { label, rows, p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1], target };
  log(`  ${label}: p50 ${figures.p50.toFixed(2)} ms, p95 ${figures.p95.toFixed(2)} ms, max ${figures.max.toFixed(2)} ms (${rows} rows)`);
  return figures;
}

async function queryBench(ds: DataSource, store: PostgresEventStore, runs: number, warmup: number): Promise<Record<string, QueryFigures>> {
  const all = ['financer', 'domain', 'fundingLine', 'arrondissement', 'fiscalYear'] as const;
  return {
    byFinancer: await timeQuery('totals by financer', runs, warmup, async () => (await consolidatedTotals(ds, ['financer'], {})).rows.length),
    byArrondissementYear: await timeQuery('totals by arrondissement, fiscal year', runs, warmup, async () => (await consolidatedTotals(ds, ['arrondissement', 'fiscalYear'], {})).rows.length),
    allAxes: await timeQuery('totals by all five axes', runs, warmup, async () => (await consolidatedTotals(ds, [...all], {})).rows.length),
    filtered: await timeQuery("totals by funding line, arrondissement; financer='etat', fiscalYear=2021", runs, warmup, async () =>
      (await consolidatedTotals(ds, ['fundingLine', 'arrondissement'], { financer: 'etat', fiscalYear: 2021 })).rows.length,
    ),
    commitmentsBehind: await timeQuery("commitmentsBehind financer='etat', fiscalYear=2021, limit 100", runs, warmup, async () =>
      (await commitmentsBehind(ds, { financer: 'etat', fiscalYear: 2021 }, { limit: 100, offset: 0 })).rows.length,
    ),
    freshness: await timeQuery('freshness', runs, warmup, async () => ((await freshness(ds, 'ledger-register')).checkpoint ? 1 : 0)),
    ...(await asOfBench(ds, store, Math.max(20, Math.floor(runs / 4)), Math.min(warmup, 5))),
  };
}

/**
 * The consolidated views as known at a past time (issue 5: what the COPIL of that date saw), from the row versions:
 * at the time the middle event of the log was recorded, and at the position of that event.
 */
async function asOfBench(ds: DataSource, store: PostgresEventStore, runs: number, warmup: number): Promise<Record<string, QueryFigures>> {
  const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM event_store.events`);
  const [middle] = await ds.query(
    `SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at, stream_name, revision::int AS revision
       FROM event_store.events ORDER BY transaction_id, global_position OFFSET $1 LIMIT 1`,
    [Math.floor(count / 2)],
  );
  // Its position as the store gives it out: positions are the store's to write.
  const [event] = await store.readStream(middle.stream_name as string, { from: middle.revision as number, to: middle.revision as number });
  const known = { recordedAt: middle.recorded_at as string };
  const at = { checkpoint: event.position };
  return {
    asKnownAtByFinancer: await timeQuery(`as known at ${known.recordedAt}, by financer`, runs, warmup, async () => (await consolidatedTotalsKnownAt(ds, ['financer'], {}, known)).rows.length, TARGET_AS_OF_P95_MS),
    asKnownAtAllAxes: await timeQuery(`as known at ${known.recordedAt}, by all five axes`, runs, warmup, async () =>
      (await consolidatedTotalsKnownAt(ds, ['financer', 'domain', 'fundingLine', 'arrondissement', 'fiscalYear'], {}, known)).rows.length, TARGET_AS_OF_P95_MS,
    ),
    asOfCheckpointByArrondissement: await timeQuery(`as of checkpoint ${at.checkpoint}, by arrondissement, fiscal year`, runs, warmup, async () =>
      (await consolidatedTotalsKnownAt(ds, ['arrondissement', 'fiscalYear'], {}, at)).rows.length, TARGET_AS_OF_P95_MS,
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------------------

interface Options {
  events: number;
  batchSize: number | undefined;
  seed: number;
  runs: number;
  warmup: number;
  window: number;
  concurrency: number;
}

async function run(benchUrl: string, serverVersion: string, options: Options): Promise<boolean> {
  // Generation: its own pool, without waiting for each commit's WAL flush.
  const genUrl = new URL(benchUrl);
  genUrl.searchParams.set('options', '-c synchronous_commit=off');
  const genDb = await openSqlDatabase({ databaseUrl: genUrl.toString(), poolSize: options.concurrency });
  const genStore = new PostgresEventStore(genDb);
  let generation: GenerationStats;
  try {
    await migrateEventStore(genDb);
    log(`Generating ${options.events.toLocaleString('en-US')} events (seed ${options.seed}, windows of ${options.window}, ${options.concurrency} concurrent appends)…`);
    generation = await generate(genStore, options.events, options.seed, options.window, options.concurrency);
  } finally {
    await genStore.close();
  }
  const db = await openSqlDatabase({ databaseUrl: benchUrl });
  try {
    // What the log holds (a chunk's last operations may be cut at N events, and facts after 2026-03-31 are left out).
    const types = await db.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM event_store.events GROUP BY type ORDER BY type');
    generation.byType = Object.fromEntries(types.map((t) => [t.type, t.n]));
    generation.operations = generation.byType['habitat.OperationRegistered'] ?? 0;
    generation.commitments = generation.byType['ledger.CommitmentAnnounced'] ?? 0;
    generation.meetings = generation.byType['governance.MeetingHeld'] ?? 0;
    log(`Generated ${generation.events} events in ${generation.seconds.toFixed(1)} s (${Math.round(generation.rate)} events/s): ${generation.operations} operations, ${generation.commitments} commitments, ${generation.meetings} meetings`);
    await db.query('VACUUM ANALYZE');
    const rebuilds: RebuildFigures[] = [];
    for (const name of Object.keys(PROJECTIONS)) {
      log(`Rebuilding ${name}…`);
      const figures = await runRebuildChild(name, benchUrl, options.batchSize);
      log(`  ${name}: ${figures.eventsRead} events in ${figures.seconds.toFixed(1)} s = ${Math.round(figures.rate)} events/s, peak RSS ${figures.peakRssMB.toFixed(0)} MB (maxRSS ${figures.maxRssMB.toFixed(0)} MB)`);
      rebuilds.push(figures);
    }
    const consistency = await checkConsistency(db, generation.commitments, generation.operations);
    log(`Consistency: ${consistency.ok ? 'OK' : 'FAILED'} ${JSON.stringify(consistency)}`);

    log(`Queries (${options.runs} runs after ${options.warmup} warm-up runs each)…`);
    const ledger = PROJECTIONS['ledger-register']();
    const ds = await openReadModelDataSource({ db, databaseUrl: benchUrl, schema: ledger.schema, entities: ledger.entities, migrations: ledger.migrations });
    let queries: Record<string, QueryFigures>;
    try {
      queries = await queryBench(ds, new PostgresEventStore(db), options.runs, options.warmup);
    } finally {
      await ds.destroy();
    }

    const [sizes] = await db.query<Record<string, string>>(
      `SELECT pg_size_pretty(pg_database_size(current_database())) AS database, pg_size_pretty(pg_total_relation_size('event_store.events')) AS events,
              pg_size_pretty(pg_total_relation_size('rm_ledger.commitments')) AS commitments, (SELECT count(*) FROM rm_ledger.commitments)::text AS commitment_rows`,
    );
    report(options, serverVersion, generation, rebuilds, consistency, queries, sizes);
    return consistency.ok;
  } finally {
    await db.close();
  }
}

function report(
  options: Options,
  serverVersion: string,
  generation: GenerationStats,
  rebuilds: RebuildFigures[],
  consistency: Consistency,
  queries: Record<string, QueryFigures>,
  sizes: Record<string, string>,
): void {
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    ramGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()}`,
    postgres: serverVersion,
    node: process.version,
  };
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const rebuildMet = (f: RebuildFigures) => f.rate >= TARGET_RATE && Math.max(f.peakRssMB, f.maxRssMB) < TARGET_RSS_MB;
  const out: string[] = [];
  out.push('');
  out.push(`## Read models benchmark (${n(generation.events)} events)`);
  out.push('');
  out.push(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, ${machine.os}; PostgreSQL ${serverVersion}; Node ${process.version}`);
  out.push('');
  out.push(
    `Log: ${n(generation.events)} events, ${n(generation.operations)} operations, ${n(generation.commitments)} commitments, ${n(generation.meetings)} meetings; ` +
      `generated and appended in ${generation.seconds.toFixed(1)} s = ${n(generation.rate)} events/s (${n(generation.appends)} appends). ` +
      `Sizes: database ${sizes.database}, event_store.events ${sizes.events}, rm_ledger.commitments ${sizes.commitments}.`,
  );
  const warnings = generation.byType['ledger.CommitmentWarningRaised'] ?? 0;
  const refused = Object.entries(generation.refused).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  out.push(`Warnings raised: ${n(warnings)}; commands refused by the deciders (left out): ${refused}.`);
  out.push('');
  out.push(`### Rebuild (batch size ${options.batchSize ?? `${DEFAULT_BATCH_SIZE}, rebuildProjection's default`})`);
  out.push('');
  out.push('| projection | events read | seconds | events/s | peak RSS sampled (MB) | maxRSS (MB) | target |');
  out.push('|---|---:|---:|---:|---:|---:|---|');
  for (const f of rebuilds)
    out.push(`| ${f.projection} | ${n(f.eventsRead)} | ${f.seconds.toFixed(1)} | ${n(f.rate)} | ${f.peakRssMB.toFixed(0)} | ${f.maxRssMB.toFixed(0)} | ${rebuildMet(f) ? 'MET' : 'NOT MET'} |`);
  out.push('');
  out.push(`Targets: ≥ ${n(TARGET_RATE)} events/s and < ${TARGET_RSS_MB} MB peak RSS per rebuild.`);
  out.push('');
  out.push('### Consistency');
  out.push('');
  out.push(`- sum(committed) over rm_ledger.commitments = ${consistency.committedRows}; over rm_ledger.consolidated_totals = ${consistency.committedTotals}: ${consistency.committedRows === consistency.committedTotals ? 'equal' : 'DIFFERENT'}`);
  out.push(`- every ledger and the commitment count equal between rows and totals: ${consistency.everyLedgerEqual ? 'yes' : 'NO'}`);
  out.push(`- parked events: ledger ${consistency.parkedLedger}, habitat ${consistency.parkedHabitat}`);
  out.push(`- rows: ${n(consistency.commitmentRows)} commitments, ${n(consistency.operationRows)} operations, ${n(consistency.totalRows)} consolidated totals`);
  out.push(`- ${consistency.ok ? 'CONSISTENT' : 'INCONSISTENT'}`);
  out.push('');
  out.push(`### Queries (${options.runs} runs after ${options.warmup} warm-up runs; ms)`);
  out.push('');
  out.push('| query | rows | p50 | p95 | max | target p95 |');
  out.push('|---|---:|---:|---:|---:|---|');
  for (const q of Object.values(queries)) out.push(`| ${q.label} | ${q.rows} | ${q.p50.toFixed(2)} | ${q.p95.toFixed(2)} | ${q.max.toFixed(2)} | < ${q.target} ms ${q.p95 < q.target ? 'MET' : 'NOT MET'} |`);
  out.push('');
  out.push(`Targets: p95 < ${TARGET_P95_MS} ms for the live views, < ${TARGET_AS_OF_P95_MS} ms for the views as known at a past time (fewer runs).`);
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);
  const round = (x: number, digits = 2) => Number(x.toFixed(digits));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'read-models',
      events: generation.events,
      seed: options.seed,
      batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
      generation: {
        operations: generation.operations,
        commitments: generation.commitments,
        meetings: generation.meetings,
        appends: generation.appends,
        warnings,
        refused: generation.refused,
        seconds: round(generation.seconds, 1),
        eventsPerSecond: Math.round(generation.rate),
      },
      rebuild: Object.fromEntries(
        rebuilds.map((f) => [
          f.projection,
          { eventsRead: f.eventsRead, seconds: round(f.seconds), eventsPerSecond: Math.round(f.rate), peakRssMB: Math.round(f.peakRssMB), maxRssMB: Math.round(f.maxRssMB), met: rebuildMet(f) },
        ]),
      ),
      consistency,
      queries: Object.fromEntries(Object.entries(queries).map(([k, q]) => [k, { rows: q.rows, p50: round(q.p50), p95: round(q.p95), max: round(q.max), target: q.target, met: q.p95 < q.target }])),
      targets: { eventsPerSecond: TARGET_RATE, peakRssMB: TARGET_RSS_MB, p95Ms: TARGET_P95_MS, asOfP95Ms: TARGET_AS_OF_P95_MS },
      machine,
    })}\n`,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      'batch-size': { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      window: { type: 'string' },
      concurrency: { type: 'string' },
      'child-rebuild': { type: 'string' },
      url: { type: 'string' },
    },
  });
  const batchSize = intFlag(values['batch-size'], 'batch-size', undefined);
  if (values['child-rebuild']) {
    await rebuildChild(values['child-rebuild'], values.url ?? ADMIN_URL, batchSize);
    return 0;
  }
  const options: Options = {
    events: intFlag(values.events, 'events', 1_000_000) as number,
    batchSize,
    seed: intFlag(values.seed, 'seed', 1) as number,
    runs: intFlag(values.runs, 'runs', 200) as number,
    warmup: intFlag(values.warmup, 'warmup', 20) as number,
    window: intFlag(values.window, 'window', 2_000) as number,
    concurrency: intFlag(values.concurrency, 'concurrency', 8) as number,
  };

  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const dbName = `erbm_bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  let created = false;
  const drop = async () => {
    if (!created) return;
    created = false;
    if (process.env.BENCH_KEEP_DATABASE) {
      log(`Kept database ${url.toString()} (BENCH_KEEP_DATABASE)`);
      return;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    log(`Dropped database ${dbName}`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    drop()
      .catch((e) => log(`could not drop ${dbName}: ${String(e)}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    await admin.query(`CREATE DATABASE ${dbName}`);
    created = true;
    log(`Created database ${dbName} on ${url.host}`);
    return (await run(url.toString(), version, options)) ? 0 : 1;
  } catch (error) {
    log(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await drop().catch((e) => log(`could not drop ${dbName}: ${String(e)}`));
    await admin.end().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`Benchmark failed: ${String(error)}`);
    process.exit(1);
  },
);
