import type { EventStore, StoredEvent } from '@erbm/shared/event-store';
import { NotFound, type OperationLocator } from '@erbm/shared/kernel';
import { type CommitmentAttachedData, commitmentAttachedType, commitmentStreamName } from '@erbm/ledger/domain';
import type { RegisterScope } from './register-scope';

/** What the gate reads of a domain (a DomainPlugin, by its shape). */
export interface ScopedDomain {
  name: string;
  operations: { streamName(operationId: string): string; locator: OperationLocator };
}

type ReadScope = RegisterScope;
const isWholeProgramme = (scope: ReadScope) => scope.financer === undefined && scope.arrondissement === undefined;
/** The rule of `admits` in @erbm/shared/api: on each axis the scope narrows, the very value (unknown is outside). */
const admits = (scope: ReadScope, facts: { financer?: string | null; arrondissement?: string | null }) =>
  (scope.financer === undefined || facts.financer === scope.financer) && (scope.arrondissement === undefined || facts.arrondissement === scope.arrondissement);
const domainNamed = (domains: readonly ScopedDomain[], name: string) => domains.find((d) => d.name === name);

/** What the gate needs of a commitment read from its stream. */
export interface ScopedCommitment {
  financer: string;
  domain: string;
  operationId: string;
}

/**
 * The read scope applied to what is read from the log rather than the register (one commitment, one operation, their
 * trail): the same rule as the register's queries, checked against the streams, so a fresh write reads the same.
 * Outside the scope is "not found", with the very answer an unknown id gets. The API modules provide it over the
 * process's event store and domains (`readScopeGateProvider` of @erbm/ledger/api).
 */
export class ReadScopeGate {
  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly domains: readonly ScopedDomain[],
  ) {}

  private async operationEvents(domain: string, operationId: string, recordedUpTo?: string): Promise<StoredEvent[]> {
    const plugin = domainNamed(this.domains, domain);
    return plugin ? this.store.readStream(plugin.operations.streamName(operationId), { recordedUpTo }) : [];
  }

  /** Where the operation is, as its domain's locator reads its stream (the last place recorded); null when unlocated. */
  async arrondissementOf(domain: string, operationId: string, events?: StoredEvent[]): Promise<string | null> {
    const plugin = domainNamed(this.domains, domain);
    if (!plugin) return null;
    let arrondissement: string | null = null;
    for (const event of events ?? (await this.operationEvents(domain, operationId))) {
      if (!plugin.operations.locator.types.includes(event.type)) continue;
      const place = plugin.operations.locator.locate({ type: event.type, streamName: event.streamName, data: event.data });
      if (place?.arrondissement) arrondissement = place.arrondissement;
    }
    return arrondissement;
  }

  async admitsCommitment(scope: ReadScope, commitment: ScopedCommitment): Promise<boolean> {
    if (isWholeProgramme(scope)) return true;
    if (scope.financer !== undefined && commitment.financer !== scope.financer) return false;
    if (scope.arrondissement === undefined) return true;
    return admits(scope, { arrondissement: await this.arrondissementOf(commitment.domain, commitment.operationId) });
  }

  /** The same, for a commitment known by its id only (a programming, an attachment): outside when there is no such commitment. */
  async admitsCommitmentId(scope: ReadScope, commitmentId: string): Promise<boolean> {
    if (isWholeProgramme(scope)) return true;
    const [announced] = await this.store.readStream(commitmentStreamName(commitmentId), { to: 0 });
    return announced !== undefined && this.admitsCommitment(scope, announced.data as ScopedCommitment);
  }

  /**
   * The facts of a stream the reader may see: one that names a commitment (an attachment to an operation, a programming
   * under a decision) only if the scope admits that commitment, one that names a financer only if it is the scope's.
   */
  async facts(scope: ReadScope, events: StoredEvent[]): Promise<StoredEvent[]> {
    if (isWholeProgramme(scope)) return events;
    const admitted = new Map<string, boolean>();
    const shown: StoredEvent[] = [];
    for (const event of events) {
      const data = event.data as { commitmentId?: unknown; financer?: unknown };
      if (typeof data.commitmentId === 'string') {
        if (!admitted.has(data.commitmentId)) admitted.set(data.commitmentId, await this.admitsCommitmentId(scope, data.commitmentId));
        if (!admitted.get(data.commitmentId)) continue;
      } else if (typeof data.financer === 'string' && !admits({ financer: scope.financer }, { financer: data.financer })) continue;
      shown.push(event);
    }
    return shown;
  }

  /** The items naming a commitment (programmings under a decision or an act) whose commitment the scope admits. */
  async admitted<T extends { commitmentId: string }>(scope: ReadScope, items: readonly T[]): Promise<T[]> {
    if (isWholeProgramme(scope)) return [...items];
    const seen: T[] = [];
    for (const item of items) if (await this.admitsCommitmentId(scope, item.commitmentId)) seen.push(item);
    return seen;
  }

  /**
   * A commitment of action: a partner reads its own party's; a sous-préfecture those about an operation located in its
   * arrondissement.
   */
  async admitsActionCommitment(scope: ReadScope, action: { party: string; domain: string; operationId?: string | null }): Promise<boolean> {
    if (isWholeProgramme(scope)) return true;
    if (scope.financer !== undefined && action.party !== scope.financer) return false;
    if (scope.arrondissement === undefined) return true;
    return action.operationId ? admits(scope, { arrondissement: await this.arrondissementOf(action.domain, action.operationId) }) : false;
  }

  async requireCommitment(scope: ReadScope, commitment: ScopedCommitment, id: string): Promise<void> {
    if (!(await this.admitsCommitment(scope, commitment))) throw new NotFound('commitment', id);
  }

  /**
   * A partner reads an operation where its party has a commitment (its financing plan names one); a sous-préfecture one
   * located in its arrondissement.
   */
  async admitsOperation(scope: ReadScope, domain: string, operationId: string): Promise<boolean> {
    if (isWholeProgramme(scope)) return true;
    const events = await this.operationEvents(domain, operationId);
    if (scope.financer !== undefined) {
      const attached = commitmentAttachedType(domain);
      const financers = events.filter((e) => e.type === attached).map((e) => (e.data as CommitmentAttachedData).financer);
      if (!financers.includes(scope.financer)) return false;
    }
    return scope.arrondissement === undefined || admits(scope, { arrondissement: await this.arrondissementOf(domain, operationId, events) });
  }

  async requireOperation(scope: ReadScope, domain: string, operationId: string): Promise<void> {
    if (!(await this.admitsOperation(scope, domain, operationId))) throw new NotFound('operation', operationId);
  }
}
