import { randomUUID } from 'node:crypto';
import type { DynamicModule, Type } from '@nestjs/common';
import type { EventStore, NewEvent } from '@erbm/shared/event-store';
import type { TestDatabase } from '@erbm/shared/event-store/testing';
import { allProjections, everyDomain } from '@erbm/domains';
import { type CommitmentEvent, commitmentStreamName, decideCommitment, foldCommitment } from '@erbm/ledger/domain';
import { decideOperation, foldOperation, operationStreamName } from '@erbm/habitat/domain';

export const projections = () => allProjections();

/** Every domain's API, the SGAR views and the read models on the test database; the test drives the projections. */
export const withReadModels = (database: TestDatabase): (Type<unknown> | DynamicModule)[] => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true });

const envelope = (date: string) => ({ actor: { userId: 'generator', role: 'admin', organisation: 'tests' }, occurredAt: date });
const toNew = (events: { type: string; data: unknown }[], date: string): NewEvent[] =>
  events.map((e) => ({ id: randomUUID(), type: e.type, schemaVersion: 1, data: JSON.parse(JSON.stringify(e.data)), envelope: envelope(date) }));

const COMMUNES = [['62498', '625'], ['59178', '593'], ['59606', '596'], ['62119', '622']] as const;
const FINANCERS = [['etat', 'etat-p135'], ['region_hdf', 'region-erbm'], ['cd62', 'cd62-habitat']] as const;

/** Operations with three commitments each, every event decided by the real deciders and appended to the store. */
export async function generateHabitat(store: EventStore, operations: number): Promise<number> {
  let written = 0;
  for (let i = 0; i < operations; i++) {
    const operationId = randomUUID();
    const [insee, arrondissement] = COMMUNES[i % COMMUNES.length];
    const opStream = operationStreamName(operationId);
    let op = foldOperation([]);
    const opEvents = decideOperation(
      { type: 'register', operationId, date: '2020-01-10', name: `Cité ${i}`, cite: `Cité ${i}`, communeInsee: insee, arrondissement, landlord: 'maisons_et_cites', dwellingsPlanned: 10 + (i % 90), energyLabelBefore: 'F', energyLabelTarget: 'C', eligibleCostCents: 5_000_000_00 },
      op,
    );
    op = foldOperation(opEvents);
    const all = [...opEvents];
    for (const [f, [financer, fundingLine]] of FINANCERS.entries()) {
      const commitmentId = randomUUID();
      const amount = (i + 1) * 1_000_00 + f;
      let c = foldCommitment([]);
      const events: CommitmentEvent[] = [];
      const step = (command: Parameters<typeof decideCommitment>[0]) => {
        const decided = decideCommitment(command, c);
        events.push(...decided);
        c = foldCommitment(events);
      };
      step({ type: 'announce', commitmentId, operationId, domain: 'habitat', financer, fundingLine, fiscalYear: 2020 + (i % 4), amountCents: amount, date: '2020-01-15' });
      step({ type: 'programme', amountCents: amount, date: '2020-02-01', decision: { meetingId: 'm', decisionId: 'd', date: '2020-02-01' } });
      step({ type: 'commit', amountCents: amount, date: '2020-03-01', legalAct: { kind: 'convention', reference: `C-${i}-${f}`, date: '2020-03-01' } });
      if (i % 2 === 0) step({ type: 'pay', amountCents: Math.floor(amount / 2), kind: 'advance', reference: `DP-${i}-${f}`, date: '2020-04-01' });
      if (i % 5 === 0) step({ type: 'release', amountCents: 1_00, date: '2021-01-01', reason: 'moins-value' });
      await store.append(commitmentStreamName(commitmentId), toNew(events, '2020-01-15'), 'no_stream');
      written += events.length;
      const attached = decideOperation({ type: 'attachCommitment', commitmentId, financer, fundingLine, date: '2020-01-15' }, op);
      all.push(...attached);
      op = foldOperation(all);
    }
    if (i % 3 === 0) all.push(...decideOperation({ type: 'recordPhase', phase: 'works-started', date: '2021-05-01' }, op));
    await store.append(opStream, toNew(all, '2020-01-10'), 'no_stream');
    written += all.length;
  }
  return written;
}

/** Every row of every read-model table, in a stable order, for comparing two builds. */
export async function dumpReadModels(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    'rm_ledger.commitments': 'SELECT * FROM rm_ledger.commitments ORDER BY id',
    'rm_ledger.operation_locations': 'SELECT * FROM rm_ledger.operation_locations ORDER BY operation_id',
    'rm_ledger.commitment_versions': 'SELECT * FROM rm_ledger.commitment_versions ORDER BY id, from_txid, from_gp',
    'rm_ledger.consolidated_totals': 'SELECT * FROM rm_ledger.consolidated_totals ORDER BY financer, domain, funding_line, arrondissement, fiscal_year',
    'rm_habitat.operations': 'SELECT * FROM rm_habitat.operations ORDER BY id',
    'rm_habitat.commitment_operations': 'SELECT * FROM rm_habitat.commitment_operations ORDER BY commitment_id',
    'rm_habitat.indicator_totals': 'SELECT * FROM rm_habitat.indicator_totals ORDER BY indicator, arrondissement',
    checkpoints: "SELECT projection, checkpoint, events_applied::text FROM rm_ledger.projection_state UNION ALL SELECT projection, checkpoint, events_applied::text FROM rm_habitat.projection_state ORDER BY 1",
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(tables)) out[name] = JSON.parse(JSON.stringify(await query(sql)));
  return out;
}

/** Totals that differ from the sum of the commitment rows behind them (both ways): empty when consistent. */
export const TOTALS_MISMATCH_SQL = `
  WITH behind AS (
    SELECT financer, domain, funding_line, arrondissement, fiscal_year, count(*) AS commitments,
           sum(announced) AS announced, sum(programmed) AS programmed, sum(committed) AS committed, sum(certified) AS certified,
           sum(ordered) AS ordered, sum(paid) AS paid, sum(released) AS released, sum(recovered) AS recovered, sum(reste_a_payer) AS reste_a_payer
      FROM rm_ledger.commitments GROUP BY 1, 2, 3, 4, 5)
  SELECT coalesce(t.financer, b.financer) AS financer, coalesce(t.funding_line, b.funding_line) AS funding_line
    FROM rm_ledger.consolidated_totals t
    FULL OUTER JOIN behind b USING (financer, domain, funding_line, arrondissement, fiscal_year)
   WHERE t.commitments IS DISTINCT FROM b.commitments::int OR t.announced IS DISTINCT FROM b.announced OR t.programmed IS DISTINCT FROM b.programmed
      OR t.committed IS DISTINCT FROM b.committed OR t.certified IS DISTINCT FROM b.certified OR t.ordered IS DISTINCT FROM b.ordered
      OR t.paid IS DISTINCT FROM b.paid OR t.released IS DISTINCT FROM b.released OR t.recovered IS DISTINCT FROM b.recovered
      OR t.reste_a_payer IS DISTINCT FROM b.reste_a_payer`;
