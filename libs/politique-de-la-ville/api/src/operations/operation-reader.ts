import { Inject, Injectable } from '@nestjs/common';
import { EventSourcedRepository, REFERENTIALS, ReadModels } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import { NotFound, RuleViolation, formatBusinessDate } from '@erbm/shared/kernel';
import { type CommitmentView, CommitmentReader } from '@erbm/ledger/api';
import { LEDGERS, type Ledgers } from '@erbm/ledger/domain';
import { freshness } from '@erbm/ledger/read-models';
import { POLITIQUE_DE_LA_VILLE_DOMAIN, politiqueDeLaVilleOperationStream } from '@erbm/politique-de-la-ville/contracts';
import { INDICATOR_DEFINITIONS, type OperationEvent, type OperationState, foldOperation } from '@erbm/politique-de-la-ville/domain';
import { POLITIQUE_DE_LA_VILLE_REGISTER, listPolitiqueDeLaVilleOperations, readPolitiqueDeLaVilleIndicators } from '@erbm/politique-de-la-ville/read-models';

/**
 * Reads the operations: one from its stream, fresh right after a write, with its commitments; the list and the
 * indicators from the register read model, with the checkpoint they reflect.
 */
@Injectable()
export class PolitiqueDeLaVilleOperationReader {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commitments: CommitmentReader,
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  /** The arrondissement of a commune of the basin on that date; a commune outside the referential is refused. */
  arrondissementOf(communeInsee: string, date: string): string {
    const commune = this.referentials.communes.at(communeInsee, date);
    if (!commune)
      throw new RuleViolation(
        'unknown-commune',
        `La commune ${communeInsee} n'est pas dans le référentiel du bassin minier au ${formatBusinessDate(date)} (voir /referentials/communes)`,
        'communeInsee',
      );
    return commune.arrondissement;
  }

  async view(operationId: string) {
    const { state, revision, events } = await this.repository.load<OperationState, OperationEvent>(
      politiqueDeLaVilleOperationStream(operationId),
      foldOperation,
    );
    if (state.status === 'none') throw new NotFound('operation', operationId);
    const commitments: CommitmentView[] = [];
    for (const line of state.financingPlan) {
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
      communeName: this.referentials.communes.at(state.communeInsee, state.registeredOn)?.name,
      arrondissementName: this.referentials.arrondissements.at(state.arrondissement, state.registeredOn)?.name,
      recordedAt: events[0].recordedAt,
      recordedBy: events[0].envelope.actor,
      financing: {
        total: {
          ...(Object.fromEntries(LEDGERS.map((l) => [l, commitments.reduce((sum, c) => sum + c.ledgers[l], 0)])) as Ledgers),
          resteAPayer: commitments.reduce((sum, c) => sum + c.resteAPayer, 0),
        },
        commitmentCount: commitments.length,
        warningCount: commitments.reduce((sum, c) => sum + c.warnings.length, 0),
      },
      commitments,
    };
  }

  async list() {
    const ds = this.readModels.dataSource(POLITIQUE_DE_LA_VILLE_REGISTER);
    return { freshness: await freshness(ds, POLITIQUE_DE_LA_VILLE_REGISTER), operations: await listPolitiqueDeLaVilleOperations(ds) };
  }

  async indicators() {
    const ds = this.readModels.dataSource(POLITIQUE_DE_LA_VILLE_REGISTER);
    const values = await readPolitiqueDeLaVilleIndicators(ds);
    return {
      freshness: await freshness(ds, POLITIQUE_DE_LA_VILLE_REGISTER),
      indicators: INDICATOR_DEFINITIONS.map(({ code, ...definition }) => {
        const byArrondissement = values.filter((v) => v.indicator === code).map(({ arrondissement, value }) => ({ arrondissement, value }));
        return { indicator: code, ...definition, value: byArrondissement.reduce((sum, v) => sum + v.value, 0), byArrondissement };
      }),
    };
  }
}

export type OperationView = Awaited<ReturnType<PolitiqueDeLaVilleOperationReader['view']>>;
