/**
 * Benchmark of the read models at scale: full rebuild of every projection from a realistic log of the registered
 * domains, then the queries the consolidated views run.
 *
 *   npm run bench:read-models -- [--events 1000000] [--batch-size 5000] [--seed 1] [--runs 200] [--warmup 20]
 *
 * Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): a server where the user may create
 * databases. The bench creates its own database `erbm_bench_<hex>` and drops it (WITH (FORCE)) at the end, even on
 * error or Ctrl-C; with BENCH_KEEP_DATABASE=1 it keeps it, and one projection's rebuild can then be run again alone:
 *   npm run bench:read-models -- --child-rebuild ledger-register --url postgres://…/erbm_bench_<hex>
 *
 * 1. Generation. Operations in the ERBM communes of the four arrondissements, drawn in turn from each registered domain that
 *    has a workload (`samples.workload` of its plugin, in the domain's folder: where, when and what each operation is,
 *    who finances it on which funding lines of funding_lines.csv, its own facts such as phases and deliveries), then
 *    ours: its commitments (financer = the line's owner) announced and attached to it, comités partenariaux that
 *    programme them (counted in the meeting first, as the API does), legal acts, payments after their service fait and
 *    payment request (some advances above 30 %, some interim payments above 80 %, a few paid directly, following the
 *    operation's works and completion), and now and then carry-overs, funding line changes, increases, reductions,
 *    releases, corrections, recoveries, lapses and closings. Every event comes from the real deciders (the domain's,
 *    decideCommitment, decideMeeting), each stream's state evolved as it goes, all drawn from one seeded sequence;
 *    commands a decider refuses are counted and left out. The log is written with `store.append` through the event
 *    store adapter, one append per stream per window of the log, streams of a window written concurrently (operations
 *    and meetings before commitments, so that an operation is always registered before its commitments' facts). The
 *    generating connections use `synchronous_commit = off` (faster, nothing else differs); the rebuilds and queries do
 *    not.
 * 2. Rebuild. Each projection is rebuilt with `rebuildProjection` in a child process of its own, so that its peak RSS
 *    (sampled every 100 ms, and `process.resourceUsage().maxRSS`) is the rebuild's and not the generator's.
 * 3. Consistency: committed (and every other ledger, and the count) summed over the commitment rows equals the sum over
 *    the consolidated totals; no event parked (every projection of `allProjections()`); one row per commitment and, in
 *    each domain's read model (counted by the domain), per operation generated.
 * 4. Verification, as `npm run verify` does it: the checks the projections declare, then a replay of the whole log into
 *    shadow schemas compared with the live tables (`verifyReadModels` with `replay`); both timed, both must find nothing.
 * 5. Queries on the live schemas (openReadModelDataSource): p50/p95/max over `--runs` runs after `--warmup` runs.
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
import {
  type EventEnvelope,
  type ExpectedRevision,
  type NewEvent,
  type SqlDatabase,
  migrateEventStore,
  openSqlDatabase,
  PostgresEventStore,
} from '@erbm/shared/event-store';
import {
  DEFAULT_BATCH_SIZE,
  type Projection,
  openReadModelDataSource,
  rebuildProjection,
  replayReadModels,
  runReadModelChecks,
} from '@erbm/shared/projections';
import { type Commune, type FundingLine, loadReferentials } from '@erbm/shared/referentials';
import {
  type CommitmentCommand,
  type CommitmentState,
  type LegalAct,
  type MeetingCommand,
  type MeetingState,
  commitmentStreamName,
  decideCommitment,
  decideMeeting,
  evolveCommitment,
  evolveMeeting,
  meetingStreamName,
  netCommitted,
  resteAPayer,
} from '@erbm/ledger/domain';
import { RuleViolation, type WithoutToday } from '@erbm/shared/kernel';
import type { DomainPlugin, DomainWorkload, WorkloadContext, WorkloadOperation } from '@erbm/shared/api';
import { LEDGER_REGISTER, commitmentsBehind, consolidatedTotals, consolidatedTotalsKnownAt, freshness } from '@erbm/ledger/read-models';
import { DOMAINS, allProjections } from '@erbm/domains';

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

/** An operation of a domain, drawn and lived by the domain's workload; its commitments and its programming are ours. */
interface OpSim {
  domain: string;
  op: WorkloadOperation;
  meetingDay: Day;
  worksDay: Day;
  commitments: CommitmentSim[];
  meeting?: MeetingSim;
  decisionId: string;
  /** Last delivery day when the operation is to be completed. */
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

/** What an operation's programming decision approves: each of its commitments' amounts, on its funding line. */
const decisionAmounts = (o: OpSim) => o.commitments.map((c) => ({ financer: c.line.owner, fundingLine: c.line.id, amountCents: c.amountCents }));

/** The territory of the log: the four arrondissements, each with its comité partenarial. */
const ARRONDISSEMENTS = ['622', '627', '593', '596'];

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

/** A registered domain that simulates its operations, with its workload for this log. */
interface DomainAtWork {
  plugin: DomainPlugin;
  workload: DomainWorkload;
}

class Generator {
  private readonly rng: Rng;
  private readonly communes: Commune[];
  /** The comité partenarial of each arrondissement. */
  private readonly bodies: Map<string, string>;
  private readonly actors: Map<string, Actor[]> = new Map();
  private readonly domains: DomainAtWork[];
  private seq = 0;
  private plan: Planned[] = [];
  private out: OutEvent[] = [];
  /** Commands the deciders refused (left out of the log), by rule. */
  readonly refused: Record<string, number> = {};
  /** The stream of every operation drawn, to count those the log holds. */
  readonly operationStreams: string[] = [];

  constructor(seed: number, plugins: readonly DomainPlugin[]) {
    this.rng = new Rng(seed);
    const referentials = loadReferentials();
    this.communes = referentials.communes.all.filter((c) => ARRONDISSEMENTS.includes(c.arrondissement) && referentials.erbmPerimeter.has(c.insee));
    this.bodies = new Map(referentials.governanceBodies.all.filter((b) => b.kind === 'comite-partenarial').map((b) => [b.arrondissement ?? '', b.id]));
    const context: WorkloadContext = {
      random: this.rng,
      communes: this.communes,
      at: (day, run) => this.at(day, run),
      stream: (name, decider) => {
        const sim = { stream: name, state: decider.initialState, phase: 0 as const, appended: 0 };
        return {
          get state() {
            return sim.state;
          },
          record: (command, day, meta) =>
            this.emit(sim, decider.decide, decider.evolve, command, day, {
              actor: this.actor(meta.organisation),
              reason: meta.reason,
              sourceDocument: meta.sourceDocument,
            }),
        };
      },
    };
    this.domains = plugins.flatMap((plugin) => (plugin.samples.workload ? [{ plugin, workload: plugin.samples.workload(context) }] : []));
    if (this.domains.length === 0) throw new Error('no registered domain has a workload (samples.workload)');
  }

  /** The domains whose operations make the log, with their workloads (for the consistency check). */
  get workloads(): readonly DomainAtWork[] {
    return this.domains;
  }

  private at(day: Day, run: () => void): void {
    this.plan.push({ day, seq: this.seq++, run });
  }

  private actor(organisation: string): Actor {
    let pool = this.actors.get(organisation);
    if (!pool) {
      pool = Array.from({ length: 6 }, (_, i) => ({ userId: `${organisation}-agent-${i + 1}`, role: 'gestionnaire', organisation }));
      this.actors.set(organisation, pool);
    }
    return this.rng.pick(pool);
  }

  private emit<S, C, E extends { type: string; data: unknown }>(
    sim: Sim<S>,
    decide: (c: C, s: S) => E[],
    evolve: (s: S, e: E) => S,
    command: C,
    day: Day,
    meta: Meta,
  ): boolean {
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
      this.out.push({
        sim: sim as Sim<unknown>,
        event: { id: this.rng.uuid(), type: e.type, schemaVersion: 1, data: JSON.parse(JSON.stringify(e.data)), envelope },
      });
    }
    return true;
  }

  /** A commitment's fact, recorded on the day it happens (that day is the command's today). */
  private commitment(sim: CommitmentSim, command: WithoutToday<CommitmentCommand>, day: Day, meta: Partial<Meta> = {}): boolean {
    const dated = { ...command, today: isoOf(day) } as CommitmentCommand;
    return this.emit(sim, decideCommitment, evolveCommitment, dated, day, { actor: this.actor(sim.line.owner), ...meta });
  }

  private meetingFact(sim: MeetingSim, command: MeetingCommand, day: Day): boolean {
    return this.emit(sim, decideMeeting, evolveMeeting, command, day, {
      actor: this.actor('secretariat-commun'),
      sourceDocument: { kind: 'minutes', reference: `PV-${sim.id}` },
    });
  }

  /**
   * Plans `count` operations (the domains' in turn) with everything that happens to them, executes them in date order,
   * returns the events.
   */
  chunk(count: number): OutEvent[] {
    this.plan = [];
    const at = (day: Day, run: () => void) => this.at(day, run);
    const ops = Array.from({ length: count }, (_, i) => this.newOperation(this.domains[i % this.domains.length]));

    // Each arrondissement's comité partenarial programmes its operations in sessions of 6 to 10.
    for (const arrondissement of ARRONDISSEMENTS) {
      const local = ops.filter((o) => o.op.commune.arrondissement === arrondissement).sort((a, b) => a.op.registered - b.op.registered);
      for (let i = 0; i < local.length;) {
        const group = local.slice(i, i + this.rng.int(6, 10));
        i += group.length;
        const meetingDay = Math.max(...group.map((o) => o.op.registered)) + this.rng.int(14, 60);
        const id = this.rng.uuid();
        const meeting: MeetingSim = { id, stream: meetingStreamName(id), state: { status: 'none' }, phase: 0, appended: 0 };
        at(meetingDay, () =>
          this.meetingFact(
            meeting,
            {
              type: 'hold',
              meetingId: id,
              body: this.bodies.get(arrondissement) ?? `comite-partenarial-${arrondissement}`,
              date: isoOf(meetingDay),
              place: `Sous-préfecture (${arrondissement})`,
              today: isoOf(meetingDay),
            },
            meetingDay,
          ),
        );
        group.forEach((o, k) => {
          o.meeting = meeting;
          o.meetingDay = meetingDay;
          o.decisionId = `D${k + 1}`;
          const decision: MeetingCommand = {
            type: 'takeDecision',
            decisionId: o.decisionId,
            subject: `Programmation : ${o.op.commune.name}, opération ${o.op.id.slice(0, 8)}`,
            outcome: 'approved',
            operationId: o.op.id,
            amounts: decisionAmounts(o),
          };
          at(meetingDay, () => this.meetingFact(meeting, decision, meetingDay));
        });
        const minutesDay = meetingDay + this.rng.int(15, 30);
        at(minutesDay, () =>
          this.meetingFact(meeting, { type: 'recordMinutes', minutesReference: `PV-CP-${arrondissement}-${isoOf(meetingDay)}` }, minutesDay),
        );
      }
    }
    for (const o of ops) this.planOperation(o, at);

    const plan = this.plan.sort((a, b) => a.day - b.day || a.seq - b.seq);
    this.plan = [];
    this.out = [];
    for (const p of plan) if (p.day <= LOG_END) p.run();
    return this.out;
  }

  private newOperation({ plugin, workload }: DomainAtWork): OpSim {
    const op = workload.operation();
    this.operationStreams.push(plugin.operations.streamName(op.id));
    const o: OpSim = { domain: plugin.name, op, meetingDay: op.registered, worksDay: op.registered, commitments: [], decisionId: 'D1' };
    o.commitments = op.financing.map((f) => ({
      id: f.commitmentId,
      stream: commitmentStreamName(f.commitmentId),
      state: { status: 'none' },
      phase: 1,
      appended: 0,
      op: o,
      line: f.fundingLine,
      amountCents: f.amountCents,
    }));
    return o;
  }

  private planOperation(o: OpSim, at: (day: Day, run: () => void) => void): void {
    const R = o.op.registered;
    at(R, () => o.op.register());
    for (const c of o.commitments) {
      at(R, () =>
        this.commitment(
          c,
          {
            type: 'announce',
            commitmentId: c.id,
            operationId: o.op.id,
            domain: o.domain,
            financer: c.line.owner,
            fundingLine: c.line.id,
            fiscalYear: yearOf(R),
            amountCents: c.amountCents,
            date: isoOf(R),
          },
          R,
          { sourceDocument: { kind: 'import', reference: `Plan de financement ${o.op.id.slice(0, 8)}` } },
        ),
      );
      at(R, () => o.op.attach({ commitmentId: c.id, financer: c.line.owner, fundingLine: c.line.id }, R));
    }
    // The operation's own life (the domain's), then its commitments' (ours), which follow its works and completion.
    const life = o.op.plan(o.meetingDay);
    o.worksDay = life.worksStarted;
    o.deliveredDay = life.completed;
    for (const c of o.commitments) this.planCommitment(c, at);
  }

  private planCommitment(c: CommitmentSim, at: (day: Day, run: () => void) => void): void {
    const r = this.rng;
    const o = c.op;
    const M = o.meetingDay;
    const meeting = o.meeting as MeetingSim;
    const decision = { meetingId: meeting.id, decisionId: o.decisionId, date: isoOf(M), outcome: 'approved' as const, amounts: decisionAmounts(o) };
    const open = () => c.state.status !== 'none' && c.state.status !== 'closed' && c.state.status !== 'lapsed';
    const ledgers = () => (c.state.status === 'none' ? undefined : c.state.ledgers);
    // As the API programmes: counted in the decision's meeting first, then on the commitment.
    at(M, () => {
      const programming = { decisionId: o.decisionId, commitmentId: c.id, financer: c.line.owner, fundingLine: c.line.id, amountCents: c.amountCents };
      const counted = this.meetingFact(meeting, { type: 'programme', ...programming, domain: o.domain, date: isoOf(M), today: isoOf(M) }, M);
      if (counted) this.commitment(c, { type: 'programme', amountCents: c.amountCents, date: isoOf(M), decision }, M);
    });
    let t = M;
    if (r.chance(0.01)) {
      // Never committed: lapses.
      const d = M + r.int(300, 700);
      at(d, () =>
        this.commitment(c, { type: 'lapse', date: isoOf(d), reason: 'Opération abandonnée par le bailleur' }, d, {
          reason: 'Opération abandonnée par le bailleur',
        }),
      );
      return;
    }
    if (c.line.id === 'etat-p135' && r.chance(0.03)) {
      const d = (t += r.int(1, 20));
      const to = d >= dayOf('2021-01-01') ? 'fonds-etat-region-erbm' : 'etat-p147';
      at(d, () =>
        this.commitment(c, { type: 'changeFundingLine', fundingLine: to, date: isoOf(d), reason: 'Imputation sur une autre ligne de crédits' }, d, {
          reason: 'Imputation sur une autre ligne de crédits',
        }),
      );
    }
    const C = t + r.int(30, 300);
    const fiscalYear = yearOf(o.op.registered);
    if (yearOf(C) > fiscalYear && r.chance(0.25)) {
      const d = Math.max(t, dayOf(`${fiscalYear}-12-31`));
      if (d < C) {
        at(d, () =>
          this.commitment(
            c,
            { type: 'carryOver', toFiscalYear: fiscalYear + 1, date: isoOf(d), reason: 'Acte juridique non signé avant la clôture de l’exercice' },
            d,
          ),
        );
        t = d;
      }
    }
    const overProgrammed = r.chance(0.015);
    const reference = `${c.line.owner.toUpperCase()}-${yearOf(C)}-${c.id.slice(0, 6)}`;
    const legalAct: LegalAct = {
      kind: LEGAL_ACT_KIND[c.line.kind] ?? 'convention',
      reference: c.line.kind === 'state-programme' ? String(2_100_000_000 + r.int(0, 99_999_999)) : reference,
      date: isoOf(C),
    };
    at(C, () => {
      const others = o.commitments.filter((x) => x !== c).reduce((s, x) => s + (x.state.status === 'none' ? 0 : netCommitted(x.state.ledgers)), 0);
      const amountCents = overProgrammed ? Math.round(c.amountCents * 1.1) : c.amountCents;
      this.commitment(
        c,
        {
          type: 'commit',
          amountCents,
          date: isoOf(C),
          legalAct,
          ...(overProgrammed ? { decision } : {}),
          envelope: { eligibleCostCents: o.op.eligibleCostCents, otherCommitmentsCents: others },
        },
        C,
        { sourceDocument: { kind: legalAct.kind, reference: legalAct.reference } },
      );
    });
    t = C;
    if (r.chance(0.03)) {
      const d = (t += r.int(20, 200));
      const amountCents = Math.max(100, Math.round(c.amountCents * 0.1));
      at(d, () =>
        this.commitment(
          c,
          {
            type: 'increase',
            amountCents,
            date: isoOf(d),
            reason: 'Surcoût des travaux',
            decision,
            legalAct: { kind: 'avenant', reference: `AV-${reference}`, date: isoOf(d) },
          },
          d,
          { reason: 'Surcoût des travaux' },
        ),
      );
    }
    if (r.chance(0.02)) {
      const d = (t += r.int(20, 120));
      at(d, () => {
        const l = ledgers();
        if (l)
          this.commitment(
            c,
            { type: 'reduce', amountCents: Math.max(100, Math.round(netCommitted(l) * 0.07)), date: isoOf(d), reason: 'Assiette révisée' },
            d,
            { reason: 'Assiette révisée' },
          );
      });
    }
    // Payments follow a certified service fait and a payment request; a few of the partners' lines pay directly (a
    // warning on each payment).
    const chain = c.line.kind === 'state-programme' || c.line.kind === 'joint-fund' || !r.chance(0.05);
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
        at(
          day,
          () =>
            cents > 0 &&
            this.commitment(c, { type: 'pay', amountCents: cents, date: isoOf(day), kind, reference: ref, ...(guarantee ? { guarantee } : {}) }, day),
        );
      } else {
        at(day, () => {
          const cents = open() ? amount() : 0;
          if (cents > 0)
            this.commitment(c, { type: 'pay', amountCents: cents, date: isoOf(day), kind, reference: ref, ...(guarantee ? { guarantee } : {}) }, day);
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
        if (payment && roll < 0.3)
          this.commitment(
            c,
            { type: 'correct', revision: payment.revision, factDate: isoOf(dayOf(payment.values.date) - 1), date: isoOf(d), reason: meta.reason },
            d,
            meta,
          );
        else if (roll < 0.5)
          this.commitment(c, { type: 'correct', revision: 0, amountCents: c.amountCents + 100_000, date: isoOf(d), reason: meta.reason }, d, meta);
        else if (made)
          this.commitment(
            c,
            { type: 'correct', revision: made.revision, reference: `${made.values.reference}-R`, date: isoOf(d), reason: meta.reason },
            d,
            meta,
          );
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
        if (open() && releasable > 0)
          this.commitment(c, { type: 'release', amountCents: releasable, date: isoOf(d), reason: 'Solde inférieur au montant engagé' }, d, {
            reason: 'Solde inférieur au montant engagé',
          });
      });
    }
    if (r.chance(0.005)) {
      const d = (t += r.int(60, 300));
      at(d, () => {
        const amount = Math.floor(paid() * 0.02);
        if (open() && amount > 0)
          this.commitment(c, { type: 'recover', amountCents: amount, date: isoOf(d), reference: `TR-${c.id.slice(0, 6)}`, reason: 'Trop-perçu' }, d, {
            reason: 'Trop-perçu',
          });
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

async function generate(
  store: PostgresEventStore,
  total: number,
  seed: number,
  windowSize: number,
  concurrency: number,
): Promise<{ stats: GenerationStats; generator: Generator }> {
  const generator = new Generator(seed, DOMAINS);
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
      log(
        `  generated ${written.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} events, ${Math.round(written / seconds)} events/s, ${appends} appends`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    stats: { events: written, operations: 0, commitments: 0, meetings: 0, appends, refused: generator.refused, byType: {}, seconds, rate: written / seconds },
    generator,
  };
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

const PROJECTIONS: Record<string, () => Projection> = Object.fromEntries(
  allProjections().map((p) => [p.name, () => allProjections().find((q) => q.name === p.name) as Projection]),
);

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
          log(
            `  ${p.projection}: ${p.eventsRead.toLocaleString('en-US')} events read, ${Math.round(p.rate)} events/s, rss ${Math.round(process.memoryUsage().rss / MB)} MB`,
          );
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
  const args = [
    ...rebuildToolFlags(),
    path.join(__dirname, '..', 'run-ts.cjs'),
    __filename,
    '--child-rebuild',
    name,
    '--url',
    url,
    ...(batchSize ? ['--batch-size', String(batchSize)] : []),
  ];
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
  /** Rows of the operations in the domains' read models (each domain counts its own). */
  operationRows: number;
  totalRows: number;
  committedRows: string;
  committedTotals: string;
  everyLedgerEqual: boolean;
  parkedLedger: number;
  /** Parked events of the domains' projections (every projection but the ledger register). */
  parkedDomains: number;
  eventsAppliedLedger: number;
  eventsAppliedDomains: number;
}

async function checkConsistency(db: SqlDatabase, url: string, domains: readonly DomainAtWork[], commitments: number, operations: number): Promise<Consistency> {
  const ledgers = ['announced', 'programmed', 'committed', 'certified', 'ordered', 'paid', 'released', 'recovered', 'reste_a_payer'];
  const sums = (table: string, count: string) =>
    `SELECT ${count}::text AS commitments, ${ledgers.map((l) => `coalesce(sum(${l}), 0)::text AS ${l}`).join(', ')} FROM rm_ledger.${table}`;
  // A total counts a commitment once per funding line and year its facts are in (its buckets, ADR 0016): totals hold to
  // the buckets, count and money, and the buckets' money to the commitments'.
  const [commitmentSums] = await db.query<Record<string, string>>(sums('commitments', 'count(*)'));
  const [rows] = await db.query<Record<string, string>>(sums('commitment_buckets', 'count(*)'));
  const [totals] = await db.query<Record<string, string>>(sums('consolidated_totals', 'coalesce(sum(commitments), 0)'));
  const [{ total_rows }] = await db.query<{ total_rows: number }>('SELECT count(*)::int AS total_rows FROM rm_ledger.consolidated_totals');
  // Every projection's schema has its checkpoint and its parked events; the ledger register's apart, the domains' summed.
  const projections = allProjections();
  const bookkeeping = { parkedLedger: 0, parkedDomains: 0, eventsAppliedLedger: 0, eventsAppliedDomains: 0 };
  for (const p of projections) {
    const [state] = await db.query<{ parked: number; applied: number }>(
      `SELECT (SELECT count(*) FROM "${p.schema}".parked_events)::int AS parked, (SELECT coalesce(sum(events_applied), 0) FROM "${p.schema}".projection_state)::int AS applied`,
    );
    const ledger = p.name === LEDGER_REGISTER;
    bookkeeping[ledger ? 'parkedLedger' : 'parkedDomains'] += state.parked;
    bookkeeping[ledger ? 'eventsAppliedLedger' : 'eventsAppliedDomains'] += state.applied;
  }
  // Each domain counts the operations its read model holds.
  let operationRows = 0;
  for (const { plugin, workload } of domains) {
    const projection = projections.find((p) => p.name === workload.readModel.projection);
    if (!projection) throw new Error(`${plugin.name}: no projection ${workload.readModel.projection}`);
    const ds = await openReadModelDataSource({
      db,
      databaseUrl: url,
      schema: projection.schema,
      entities: projection.entities,
      migrations: projection.migrations,
    });
    try {
      operationRows += await workload.readModel.countOperations(ds);
    } finally {
      await ds.destroy();
    }
  }
  const everyLedgerEqual = ['commitments', ...ledgers].every((l) => rows[l] === totals[l]) && ledgers.every((l) => commitmentSums[l] === rows[l]);
  const result: Consistency = {
    ok: false,
    commitmentRows: Number(commitmentSums.commitments),
    operationRows,
    totalRows: Number(total_rows),
    committedRows: rows.committed,
    committedTotals: totals.committed,
    everyLedgerEqual,
    ...bookkeeping,
  };
  result.ok =
    rows.committed === totals.committed &&
    everyLedgerEqual &&
    result.parkedLedger === 0 &&
    result.parkedDomains === 0 &&
    result.commitmentRows === commitments &&
    result.operationRows === operations;
  return result;
}

interface VerificationFigures {
  ok: boolean;
  checksRun: number;
  breaksFound: number;
  checksSeconds: number;
  tablesCompared: number;
  differences: number;
  replaySeconds: number;
  /** Of which the comparison, the live tables held (a live batch waits that long at most). */
  heldSeconds: number;
}

/** What `npm run verify -- --replay` does to the read models, timed: the checks, then the replay and the comparison. */
async function verifyBench(db: SqlDatabase, url: string): Promise<VerificationFigures> {
  const checks = await runReadModelChecks(db, allProjections());
  const replay = await replayReadModels(allProjections(), new PostgresEventStore(db), { db, databaseUrl: url });
  return {
    ok: checks.ok && replay.ok,
    checksRun: checks.checksRun,
    breaksFound: checks.breaksFound,
    checksSeconds: checks.seconds,
    tablesCompared: replay.projections.reduce((n, p) => n + p.tablesCompared, 0),
    differences: replay.projections.reduce((n, p) => n + p.differences.length, 0),
    replaySeconds: replay.seconds,
    heldSeconds: replay.projections.reduce((n, p) => n + p.heldSeconds, 0),
  };
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
    byArrondissementYear: await timeQuery(
      'totals by arrondissement, fiscal year',
      runs,
      warmup,
      async () => (await consolidatedTotals(ds, ['arrondissement', 'fiscalYear'], {})).rows.length,
    ),
    allAxes: await timeQuery('totals by all five axes', runs, warmup, async () => (await consolidatedTotals(ds, [...all], {})).rows.length),
    filtered: await timeQuery(
      "totals by funding line, arrondissement; financer='etat', fiscalYear=2021",
      runs,
      warmup,
      async () => (await consolidatedTotals(ds, ['fundingLine', 'arrondissement'], { financer: 'etat', fiscalYear: 2021 })).rows.length,
    ),
    commitmentsBehind: await timeQuery(
      "commitmentsBehind financer='etat', fiscalYear=2021, limit 100",
      runs,
      warmup,
      async () => (await commitmentsBehind(ds, { financer: 'etat', fiscalYear: 2021 }, { limit: 100, offset: 0 })).rows.length,
    ),
    freshness: await timeQuery('freshness', runs, warmup, async () => ((await freshness(ds, LEDGER_REGISTER)).checkpoint ? 1 : 0)),
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
    asKnownAtByFinancer: await timeQuery(
      `as known at ${known.recordedAt}, by financer`,
      runs,
      warmup,
      async () => (await consolidatedTotalsKnownAt(ds, ['financer'], {}, known)).rows.length,
      TARGET_AS_OF_P95_MS,
    ),
    asKnownAtAllAxes: await timeQuery(
      `as known at ${known.recordedAt}, by all five axes`,
      runs,
      warmup,
      async () => (await consolidatedTotalsKnownAt(ds, ['financer', 'domain', 'fundingLine', 'arrondissement', 'fiscalYear'], {}, known)).rows.length,
      TARGET_AS_OF_P95_MS,
    ),
    asOfCheckpointByArrondissement: await timeQuery(
      `as of checkpoint ${at.checkpoint}, by arrondissement, fiscal year`,
      runs,
      warmup,
      async () => (await consolidatedTotalsKnownAt(ds, ['arrondissement', 'fiscalYear'], {}, at)).rows.length,
      TARGET_AS_OF_P95_MS,
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
  let generator: Generator;
  try {
    await migrateEventStore(genDb);
    log(
      `Generating ${options.events.toLocaleString('en-US')} events (seed ${options.seed}, windows of ${options.window}, ${options.concurrency} concurrent appends)…`,
    );
    ({ stats: generation, generator } = await generate(genStore, options.events, options.seed, options.window, options.concurrency));
  } finally {
    await genStore.close();
  }
  const db = await openSqlDatabase({ databaseUrl: benchUrl });
  try {
    // What the log holds (a chunk's last operations may be cut at N events, and facts after 2026-03-31 are left out).
    const types = await db.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM event_store.events GROUP BY type ORDER BY type');
    generation.byType = Object.fromEntries(types.map((t) => [t.type, t.n]));
    // An operation is in the log when its stream is: its registration is its stream's first event.
    const [{ operations }] = await db.query<{ operations: number }>(
      'SELECT count(*)::int AS operations FROM event_store.streams WHERE stream_name = ANY($1::text[])',
      [generator.operationStreams],
    );
    generation.operations = operations;
    generation.commitments = generation.byType['ledger.CommitmentAnnounced'] ?? 0;
    generation.meetings = generation.byType['governance.MeetingHeld'] ?? 0;
    log(
      `Generated ${generation.events} events in ${generation.seconds.toFixed(1)} s (${Math.round(generation.rate)} events/s): ${generation.operations} operations, ${generation.commitments} commitments, ${generation.meetings} meetings`,
    );
    await db.query('VACUUM ANALYZE');
    const rebuilds: RebuildFigures[] = [];
    for (const name of Object.keys(PROJECTIONS)) {
      log(`Rebuilding ${name}…`);
      const figures = await runRebuildChild(name, benchUrl, options.batchSize);
      log(
        `  ${name}: ${figures.eventsRead} events in ${figures.seconds.toFixed(1)} s = ${Math.round(figures.rate)} events/s, peak RSS ${figures.peakRssMB.toFixed(0)} MB (maxRSS ${figures.maxRssMB.toFixed(0)} MB)`,
      );
      rebuilds.push(figures);
    }
    const consistency = await checkConsistency(db, benchUrl, generator.workloads, generation.commitments, generation.operations);
    log(`Consistency: ${consistency.ok ? 'OK' : 'FAILED'} ${JSON.stringify(consistency)}`);
    log('Verifying the read models: checks, then a replay of the log compared with the live tables…');
    const verification = await verifyBench(db, benchUrl);
    log(`Verification: ${verification.ok ? 'OK' : 'FAILED'} ${JSON.stringify(verification)}`);

    log(`Queries (${options.runs} runs after ${options.warmup} warm-up runs each)…`);
    const ledger = PROJECTIONS[LEDGER_REGISTER]();
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
    report(options, serverVersion, generation, rebuilds, consistency, verification, queries, sizes);
    return consistency.ok && verification.ok;
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
  verification: VerificationFigures,
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
  const refused =
    Object.entries(generation.refused)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  out.push(`Warnings raised: ${n(warnings)}; commands refused by the deciders (left out): ${refused}.`);
  out.push('');
  out.push(`### Rebuild (batch size ${options.batchSize ?? `${DEFAULT_BATCH_SIZE}, rebuildProjection's default`})`);
  out.push('');
  out.push('| projection | events read | seconds | events/s | peak RSS sampled (MB) | maxRSS (MB) | target |');
  out.push('|---|---:|---:|---:|---:|---:|---|');
  for (const f of rebuilds)
    out.push(
      `| ${f.projection} | ${n(f.eventsRead)} | ${f.seconds.toFixed(1)} | ${n(f.rate)} | ${f.peakRssMB.toFixed(0)} | ${f.maxRssMB.toFixed(0)} | ${rebuildMet(f) ? 'MET' : 'NOT MET'} |`,
    );
  out.push('');
  out.push(`Targets: ≥ ${n(TARGET_RATE)} events/s and < ${TARGET_RSS_MB} MB peak RSS per rebuild.`);
  out.push('');
  out.push('### Consistency');
  out.push('');
  out.push(
    `- sum(committed) over rm_ledger.commitments = ${consistency.committedRows}; over rm_ledger.consolidated_totals = ${consistency.committedTotals}: ${consistency.committedRows === consistency.committedTotals ? 'equal' : 'DIFFERENT'}`,
  );
  out.push(
    `- every ledger and the count of rows (commitment × line × year) equal between the register and its totals: ${consistency.everyLedgerEqual ? 'yes' : 'NO'}`,
  );
  out.push(`- parked events: ledger ${consistency.parkedLedger}, domains ${consistency.parkedDomains}`);
  out.push(`- rows: ${n(consistency.commitmentRows)} commitments, ${n(consistency.operationRows)} operations, ${n(consistency.totalRows)} consolidated totals`);
  out.push(`- ${consistency.ok ? 'CONSISTENT' : 'INCONSISTENT'}`);
  out.push('');
  out.push('### Verification of the read models (`npm run verify -- --replay`)');
  out.push('');
  out.push(`- ${verification.checksRun} checks in ${verification.checksSeconds.toFixed(2)} s: ${verification.breaksFound} breaks`);
  out.push(
    `- replay of the log into shadow schemas and comparison of ${verification.tablesCompared} tables in ${verification.replaySeconds.toFixed(1)} s, of which ${verification.heldSeconds.toFixed(1)} s comparing with the live tables held: ${verification.differences} tables differ`,
  );
  out.push('');
  out.push(`### Queries (${options.runs} runs after ${options.warmup} warm-up runs; ms)`);
  out.push('');
  out.push('| query | rows | p50 | p95 | max | target p95 |');
  out.push('|---|---:|---:|---:|---:|---|');
  for (const q of Object.values(queries))
    out.push(
      `| ${q.label} | ${q.rows} | ${q.p50.toFixed(2)} | ${q.p95.toFixed(2)} | ${q.max.toFixed(2)} | < ${q.target} ms ${q.p95 < q.target ? 'MET' : 'NOT MET'} |`,
    );
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
          {
            eventsRead: f.eventsRead,
            seconds: round(f.seconds),
            eventsPerSecond: Math.round(f.rate),
            peakRssMB: Math.round(f.peakRssMB),
            maxRssMB: Math.round(f.maxRssMB),
            met: rebuildMet(f),
          },
        ]),
      ),
      consistency,
      verification: {
        ...verification,
        checksSeconds: round(verification.checksSeconds),
        replaySeconds: round(verification.replaySeconds, 1),
        heldSeconds: round(verification.heldSeconds),
      },
      queries: Object.fromEntries(
        Object.entries(queries).map(([k, q]) => [
          k,
          { rows: q.rows, p50: round(q.p50), p95: round(q.p95), max: round(q.max), target: q.target, met: q.p95 < q.target },
        ]),
      ),
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
