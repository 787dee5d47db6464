import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventSourcedRepository, REFERENTIALS, ReadModels, type ReadScope, WHOLE_PROGRAMME_SCOPE, admits } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import type { EventStore } from '@erbm/shared/event-store';

/** Programme 147's funding line in the referential. */
const P147_LINE = 'etat-p147';
import { NotFound } from '@erbm/shared/kernel';
import { type CommitmentView, CommitmentReader } from '@erbm/ledger/api';
import { LEDGERS, type Ledgers } from '@erbm/ledger/domain';
import { LEDGER_REGISTER, envelopesOf, freshness, fundingLineUse } from '@erbm/ledger/read-models';
import { POLITIQUE_DE_LA_VILLE_DOMAIN, politiqueDeLaVilleOperationStream } from '@erbm/politique-de-la-ville/contracts';
import { EUROS_PER_QPV_INHABITANT, INDICATOR_DEFINITIONS, type OperationEvent, type OperationState, foldOperation } from '@erbm/politique-de-la-ville/domain';
import { POLITIQUE_DE_LA_VILLE_REGISTER, fundedYears, listPolitiqueDeLaVilleOperations, yearIndicators } from '@erbm/politique-de-la-ville/read-models';

/**
 * Reads the operations: one from its stream, fresh right after a write, with its commitments; the list and the
 * indicators from the register read model, with the checkpoint they reflect. A reader sees what its scope admits: a
 * partner the operations it finances and only its own commitments, a sous-préfecture its arrondissement's.
 */
@Injectable()
export class PolitiqueDeLaVilleOperationReader {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commitments: CommitmentReader,
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /**
   * The envelopes of programme 147 (one per year, as the préfet de région's notifications allot them), each against what
   * the ledger register counts committed on P147 over its years (every domain's commitments on the line), and the
   * reste à engager: what remains to commit.
   */
  async envelopes(year?: number) {
    const ledger = this.readModels.dataSource(LEDGER_REGISTER);
    const fresh = await freshness(ledger, LEDGER_REGISTER);
    const envelopes = (await envelopesOf(this.store, [P147_LINE], year)).map((e) => e.state);
    const used = await fundingLineUse(ledger, envelopes);
    return {
      freshness: fresh,
      envelopes: envelopes.map((e, i) => ({
        id: e.envelopeId,
        label: e.label,
        fromYear: e.fromYear,
        toYear: e.toYear,
        envelopeCents: e.amountCents,
        committed: used[i].committed,
        released: used[i].released,
        netCommitted: used[i].netCommitted,
        paid: used[i].paid,
        resteAEngager: e.amountCents - used[i].netCommitted,
      })),
    };
  }

  async view(operationId: string, scope: ReadScope = WHOLE_PROGRAMME_SCOPE) {
    const { state, revision, events } = await this.repository.load<OperationState, OperationEvent>(
      politiqueDeLaVilleOperationStream(operationId),
      foldOperation,
    );
    if (state.status === 'none') throw new NotFound('operation', operationId);
    const lines = state.financingPlan.filter((line) => admits({ financer: scope.financer }, line));
    if (
      (scope.financer !== undefined && lines.length === 0) ||
      !admits({ arrondissement: scope.arrondissement }, { arrondissement: state.arrondissement ?? '' })
    )
      throw new NotFound('operation', operationId);
    const commitments: CommitmentView[] = [];
    for (const line of lines) {
      const view = await this.commitments.view(POLITIQUE_DE_LA_VILLE_DOMAIN, line.commitmentId).catch((error) => {
        // Attached by the ledger right after the announcement: a commitment not readable yet is left out.
        if (error instanceof NotFound) return undefined;
        throw error;
      });
      if (view) commitments.push(view);
    }
    const { status: _status, operationId: _id, financingPlan: _plan, ...details } = state;
    return {
      id: operationId,
      domain: POLITIQUE_DE_LA_VILLE_DOMAIN,
      revision,
      ...details,
      communeName: state.communeInsee ? this.referentials.communes.at(state.communeInsee, state.registeredOn)?.name : undefined,
      arrondissementName: state.arrondissement ? this.referentials.arrondissements.at(state.arrondissement, state.registeredOn)?.name : undefined,
      contratDeVilleName: state.contratDeVille ? this.referentials.contratsDeVille.at(state.contratDeVille, state.registeredOn)?.label : undefined,
      fundedYears: [...new Set(commitments.filter((c) => c.ledgers.committed > c.ledgers.released).map((c) => c.fiscalYear))].sort(),
      recordedAt: events[0].recordedAt,
      recordedBy: events[0].envelope.actor,
      financing: {
        total: {
          ...(Object.fromEntries(LEDGERS.map((l) => [l, commitments.reduce((sum, c) => sum + c.ledgers[l], 0)])) as Ledgers),
          resteAPayer: commitments.reduce((sum, c) => sum + c.resteAPayer, 0),
        },
        commitmentCount: commitments.length,
        warningCount: commitments.reduce((sum, c) => sum + c.warnings.length, 0) + state.warnings.length,
      },
      commitments,
    };
  }

  /** The operations of the register a reader's scope admits (a partner's: those it finances, by the ledger's plan). */
  async list(filter: { kind?: string; postId?: string; flag?: string }, scope: ReadScope = WHOLE_PROGRAMME_SCOPE) {
    const ds = this.readModels.dataSource(POLITIQUE_DE_LA_VILLE_REGISTER);
    const rows = await listPolitiqueDeLaVilleOperations(ds, { kind: filter.kind, postId: filter.postId, arrondissement: scope.arrondissement });
    const financed = scope.financer === undefined ? undefined : await this.financedBy(scope.financer);
    const operations = rows
      .filter((r) => (filter.flag === undefined || r.flags.includes(filter.flag)) && (financed === undefined || financed.has(r.id)))
      // Counts are named `…Count` (FIELD_NAMES): `conventions` and `warnings` are the lists the operation's view gives.
      .map(({ conventions, warnings, ...row }) => ({ ...row, conventionCount: conventions, warningCount: warnings }));
    return { freshness: await freshness(ds, POLITIQUE_DE_LA_VILLE_REGISTER), operationCount: operations.length, operations };
  }

  private async financedBy(financer: string): Promise<Set<string>> {
    const ds = this.readModels.dataSource(POLITIQUE_DE_LA_VILLE_REGISTER);
    const schema = (ds.options as { schema: string }).schema;
    const rows: { id: string }[] = await ds.query(`SELECT DISTINCT operation_id AS id FROM "${schema}".fundings WHERE financer = $1`, [financer]);
    return new Set(rows.map((r) => r.id));
  }

  /** The indicators of a fiscal year (default: the latest with funding), in all and per arrondissement; € per QPV inhabitant per contrat de ville. */
  async indicators(year?: number) {
    const ds = this.readModels.dataSource(POLITIQUE_DE_LA_VILLE_REGISTER);
    const years = await fundedYears(ds);
    const fiscalYear = year ?? years[years.length - 1];
    const figures = fiscalYear === undefined ? { values: [], byContratDeVille: [] } : await yearIndicators(ds, fiscalYear);
    const date = `${fiscalYear ?? 2020}-01-01`;
    return {
      freshness: await freshness(ds, POLITIQUE_DE_LA_VILLE_REGISTER),
      fiscalYear: fiscalYear ?? null,
      fundedYears: years,
      indicators: INDICATOR_DEFINITIONS.map(({ code, ...definition }) => {
        const byArrondissement = figures.values.filter((v) => v.indicator === code).map(({ arrondissement, value }) => ({ arrondissement, value }));
        const total = byArrondissement.reduce((sum, v) => sum + v.value, 0);
        return { indicator: code, ...definition, value: code === 'etp-finances' ? Math.round(total * 100) / 100 : total, byArrondissement };
      }),
      [EUROS_PER_QPV_INHABITANT.code]: {
        indicator: EUROS_PER_QPV_INHABITANT.code,
        label: EUROS_PER_QPV_INHABITANT.label,
        unit: EUROS_PER_QPV_INHABITANT.unit,
        definition: EUROS_PER_QPV_INHABITANT.definition,
        target: EUROS_PER_QPV_INHABITANT.target,
        byContratDeVille: figures.byContratDeVille.map(({ contratDeVille, netCommittedCents }) => {
          const cv = this.referentials.contratsDeVille.at(contratDeVille, date);
          const population = cv?.qpvPopulation ?? null;
          return {
            contratDeVille,
            label: cv?.label ?? null,
            netCommitted: netCommittedCents,
            qpvPopulation: population,
            value: population ? Math.round(netCommittedCents / population) / 100 : null,
          };
        }),
      },
    };
  }
}

export type OperationView = Awaited<ReturnType<PolitiqueDeLaVilleOperationReader['view']>>;
