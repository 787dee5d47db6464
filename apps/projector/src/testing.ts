import { randomUUID } from 'node:crypto';
import type { DynamicModule, Type } from '@nestjs/common';
import type { DomainPlugin } from '@erbm/shared/api';
import type { Json, TestApp } from '@erbm/shared/api/testing';
import type { EventStore, NewEvent } from '@erbm/shared/event-store';
import type { TestDatabase } from '@erbm/shared/event-store/testing';
import { DOMAINS, allProjections, everyDomain } from '@erbm/domains';
import type { WithoutToday } from '@erbm/shared/kernel';
import {
  type CommitmentCommand,
  type CommitmentEvent,
  type FinancingPlanLine,
  commitmentAttachedType,
  commitmentStreamName,
  decideAttachment,
  decideCommitment,
  foldCommitment,
} from '@erbm/ledger/domain';

export const projections = () => allProjections();

/** Every domain's API, the SGAR views and the read models on the test database; the test drives the projections. */
export const withReadModels = (database: TestDatabase): (Type<unknown> | DynamicModule)[] =>
  everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true });

const envelope = (date: string) => ({ actor: { userId: 'generator', role: 'admin', organisation: 'tests' }, occurredAt: date });
const toNew = (events: { type: string; data: unknown }[], date: string): NewEvent[] =>
  events.map((e) => ({ id: randomUUID(), type: e.type, schemaVersion: 1, data: JSON.parse(JSON.stringify(e.data)), envelope: envelope(date) }));

const COMMUNES = [
  ['62498', '627'],
  ['59178', '593'],
  ['59606', '596'],
  ['62119', '622'],
] as const;
const FINANCERS = [
  ['etat', 'etat-p135'],
  ['region_hdf', 'region-erbm'],
  ['ca_lens_lievin', 'epci-ca_lens_lievin'],
] as const;

/** The event that adds a commitment to an operation's financing plan, in the shape every domain's financing plan composes. */
export const commitmentAttached = (domain: DomainPlugin, line: FinancingPlanLine & { date: string }) => ({
  type: commitmentAttachedType(domain.name),
  data: decideAttachment([], line, line.date)[0],
});

export interface GeneratedOperation {
  domain: DomainPlugin;
  operationId: string;
  commitmentIds: string[];
}

/**
 * Operations spread over the registered domains, with three commitments each: each domain's sample operation, and
 * commitments decided by the real ledger deciders, every event appended to the store.
 */
export async function generateOperations(store: EventStore, operations: number): Promise<GeneratedOperation[]> {
  const generated: GeneratedOperation[] = [];
  for (let i = 0; i < operations; i++) {
    const domain = DOMAINS[i % DOMAINS.length];
    const operationId = randomUUID();
    const [communeInsee, arrondissement] = COMMUNES[i % COMMUNES.length];
    const opEvents = [...domain.samples.operationEvents({ operationId, name: `Opération ${i}`, communeInsee, arrondissement, date: '2020-01-10' })];
    const commitmentIds: string[] = [];
    for (const [f, [financer, fundingLine]] of FINANCERS.entries()) {
      const commitmentId = randomUUID();
      const amount = (i + 1) * 1_000_00 + f;
      // The fiscal year is the year of the announcement; every fact is recorded on its own date.
      const year = 2020 + (i % 4);
      let c = foldCommitment([]);
      const events: CommitmentEvent[] = [];
      const step = (command: WithoutToday<CommitmentCommand>) => {
        const decided = decideCommitment({ ...command, today: command.date } as CommitmentCommand, c);
        events.push(...decided);
        c = foldCommitment(events);
      };
      step({
        type: 'announce',
        commitmentId,
        operationId,
        domain: domain.name,
        financer,
        fundingLine,
        fiscalYear: year,
        amountCents: amount,
        date: `${year}-01-15`,
      });
      step({ type: 'programme', amountCents: amount, date: `${year}-02-01`, decision: { meetingId: 'm', decisionId: 'd', date: `${year}-02-01` } });
      step({ type: 'commit', amountCents: amount, date: `${year}-03-01`, legalAct: { kind: 'convention', reference: `C-${i}-${f}`, date: `${year}-03-01` } });
      if (i % 2 === 0) step({ type: 'pay', amountCents: Math.floor(amount / 2), kind: 'advance', reference: `DP-${i}-${f}`, date: `${year}-04-01` });
      if (i % 5 === 0) step({ type: 'release', amountCents: 1_00, date: `${year + 1}-01-01`, reason: 'moins-value' });
      await store.append(commitmentStreamName(commitmentId), toNew(events, '2020-01-15'), 'no_stream');
      opEvents.push(commitmentAttached(domain, { commitmentId, financer, fundingLine, date: '2020-01-15' }));
      commitmentIds.push(commitmentId);
    }
    await store.append(domain.operations.streamName(operationId), toNew(opEvents, '2020-01-10'), 'no_stream');
    generated.push({ domain, operationId, commitmentIds });
  }
  return generated;
}

/** Builds the facts a test starts from in one domain, through the HTTP API like a user would. */
export class DomainFixtures {
  constructor(
    private readonly t: TestApp,
    private readonly domain: DomainPlugin,
    private readonly token: string,
  ) {}

  async ok(method: string, path: string, body: unknown): Promise<Json> {
    const res = await this.t.request(method, path, { token: this.token, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** The domain's sample operation with one State commitment programmed by a decision and committed by an EJ. */
  async committed(committedCents: number) {
    const d = `/${this.domain.name}`;
    const meeting = await this.ok('POST', `${d}/meetings`, { body: 'copil', date: '2023-01-16', place: 'Lille' });
    await this.ok('POST', `${d}/meetings/${meeting.id}/decisions`, {
      decisionId: 'D1',
      subject: 'Programmation',
      outcome: 'approved',
      amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: committedCents }],
    });
    const decision = { meetingId: meeting.id as string, decisionId: 'D1' };
    const operation = await this.ok(
      'POST',
      `${d}/operations`,
      this.domain.samples.operationRequest({ name: 'Opération test', communeInsee: '59178', date: '2022-10-01' }),
    );
    const commitment = await this.ok('POST', `${d}/operations/${operation.id}/commitments`, {
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents: committedCents,
      date: '2022-11-01',
    });
    await this.ok('POST', `${d}/commitments/${commitment.id}/programme`, { amountCents: committedCents, date: '2023-01-16', decision });
    await this.ok('POST', `${d}/commitments/${commitment.id}/commit`, {
      amountCents: committedCents,
      date: '2023-02-01',
      legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' },
    });
    return { operationId: operation.id as string, commitmentId: commitment.id as string, decision };
  }
}

/** The axes of the consolidated totals, as columns. */
const TOTAL_AXIS_COLUMNS = [
  'financer',
  'domain',
  'funding_line',
  'arrondissement',
  'fiscal_year',
  'departement',
  'epci',
  'commune',
  'contrat_de_ville',
  'erbm',
  'governance_body',
  'dispositif',
];

/** Totals that differ from the sum of the commitments' buckets behind them (both ways): empty when consistent. */
export const TOTALS_MISMATCH_SQL = `
  WITH behind AS (
    SELECT ${TOTAL_AXIS_COLUMNS.join(', ')}, count(*) AS commitments,
           sum(announced) AS announced, sum(programmed) AS programmed, sum(committed) AS committed, sum(certified) AS certified,
           sum(ordered) AS ordered, sum(paid) AS paid, sum(released) AS released, sum(recovered) AS recovered, sum(reste_a_payer) AS reste_a_payer
      FROM rm_ledger.commitment_buckets GROUP BY ${TOTAL_AXIS_COLUMNS.join(', ')})
  SELECT coalesce(t.financer, b.financer) AS financer, coalesce(t.funding_line, b.funding_line) AS funding_line
    FROM rm_ledger.consolidated_totals t
    FULL OUTER JOIN behind b USING (${TOTAL_AXIS_COLUMNS.join(', ')})
   WHERE t.commitments IS DISTINCT FROM b.commitments::int OR t.announced IS DISTINCT FROM b.announced OR t.programmed IS DISTINCT FROM b.programmed
      OR t.committed IS DISTINCT FROM b.committed OR t.certified IS DISTINCT FROM b.certified OR t.ordered IS DISTINCT FROM b.ordered
      OR t.paid IS DISTINCT FROM b.paid OR t.released IS DISTINCT FROM b.released OR t.recovered IS DISTINCT FROM b.recovered
      OR t.reste_a_payer IS DISTINCT FROM b.reste_a_payer`;
