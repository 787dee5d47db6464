import { Inject, Injectable } from '@nestjs/common';
import { EventSourcedRepository, InjectClock, REFERENTIALS, type ReadScope, WHOLE_PROGRAMME_SCOPE, admits } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import { type CommitmentView, CommitmentReader, commitmentView } from '@erbm/ledger/api';
import { LEDGERS, type Ledgers } from '@erbm/ledger/domain';
import { type Clock, NotFound, RuleViolation, formatBusinessDate, todayInParis } from '@erbm/shared/kernel';
import { HABITAT_DOMAIN } from '@erbm/habitat/contracts';
import { type OperationDetails, type OperationEvent, type OperationState, foldOperation, operationIndicators, operationStreamName } from '@erbm/habitat/domain';

const DOMAIN = HABITAT_DOMAIN;

/** One operation read from its stream and its commitments' streams: fresh right after a write. */
@Injectable()
export class HabitatOperations {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commitments: CommitmentReader,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
  ) {}

  load(operationId: string, recordedUpTo?: string, upToRevision?: number) {
    return this.repository.load<OperationState, OperationEvent>(operationStreamName(operationId), foldOperation, { recordedUpTo, upToRevision });
  }

  /** Checks the referentials at the operation's date and derives the arrondissement from the commune. */
  resolveTerritory(details: Partial<OperationDetails>, date: string): Partial<OperationDetails> {
    const out = { ...details };
    if (details.communeInsee !== undefined) {
      const commune = this.referentials.communes.at(details.communeInsee, date);
      if (!commune)
        throw new RuleViolation(
          'unknown-commune',
          `La commune ${details.communeInsee} n'est pas dans le référentiel du Nord et du Pas-de-Calais au ${formatBusinessDate(date)} (voir /referentials/communes)`,
          'communeInsee',
        );
      if (details.arrondissement !== undefined && details.arrondissement !== commune.arrondissement)
        throw new RuleViolation(
          'arrondissement-mismatch',
          `${commune.name} est dans l'arrondissement ${commune.arrondissement}, pas ${details.arrondissement}`,
          'arrondissement',
        );
      out.arrondissement = commune.arrondissement;
    }
    if (details.landlord !== undefined) {
      const landlord = this.referentials.parties.at(details.landlord, date);
      if (!landlord || landlord.kind !== 'social-landlord')
        throw new RuleViolation(
          'unknown-landlord',
          `${details.landlord} n'est pas un bailleur social connu au ${formatBusinessDate(date)} (voir /referentials/parties)`,
          'landlord',
        );
    }
    return out;
  }

  /**
   * The operation now, as known at a past time, or right after a given revision of its stream (a write's own answer),
   * as a reader of `scope` sees it: a partner sees it only if its party finances it, and only its own commitments and
   * their totals; a sous-préfecture only if it lies in its arrondissement. Otherwise not found, as an unknown id.
   */
  async view(operationId: string, options: { asOf?: string; recordedUpTo?: string; upToRevision?: number; scope?: ReadScope } = {}) {
    const scope = options.scope ?? WHOLE_PROGRAMME_SCOPE;
    const { state, events } = await this.load(operationId, options.recordedUpTo, options.upToRevision);
    if (state.status === 'none') throw new NotFound('operation', operationId);
    const lines = state.financingPlan.filter((line) => admits({ financer: scope.financer }, line));
    if ((scope.financer !== undefined && lines.length === 0) || !admits({ arrondissement: scope.arrondissement }, state))
      throw new NotFound('operation', operationId);
    const commitments: CommitmentView[] = [];
    const states = [];
    for (const line of lines) {
      const loaded = await this.commitments.load(DOMAIN, line.commitmentId, options.recordedUpTo).catch((e) => {
        if (e instanceof NotFound) return undefined;
        throw e;
      });
      if (!loaded) continue;
      states.push(loaded.state);
      commitments.push(commitmentView(line.commitmentId, loaded.state, loaded.events));
    }
    const total = Object.fromEntries(LEDGERS.map((l) => [l, commitments.reduce((s, c) => s + c.ledgers[l], 0)])) as Ledgers;
    const commune = this.referentials.communes.at(state.communeInsee, state.registeredOn);
    const arrondissement = this.referentials.arrondissements.at(state.arrondissement, state.registeredOn);
    const landlord = this.referentials.parties.at(state.landlord, state.registeredOn);
    const asOf = options.asOf ?? todayInParis(this.clock);
    const { financingPlan: _plan, operationId: _id, revision, ...rest } = state;
    return {
      id: operationId,
      domain: DOMAIN,
      revision,
      ...rest,
      communeName: commune?.name,
      arrondissementName: arrondissement?.name,
      landlordName: landlord?.name,
      recordedAt: events[0].recordedAt,
      recordedBy: events[0].envelope.actor,
      financing: {
        total: { ...total, resteAPayer: commitments.reduce((s, c) => s + c.resteAPayer, 0) },
        commitmentCount: commitments.length,
        warningCount: commitments.reduce((s, c) => s + c.warnings.length, 0),
      },
      indicators: { asOf, ...operationIndicators(state, states, asOf) },
      commitments,
    };
  }
}

export type OperationView = Awaited<ReturnType<HabitatOperations['view']>>;
