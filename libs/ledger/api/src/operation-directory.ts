import { Injectable } from '@nestjs/common';
import { type CommandContext, CommandPath, type DomainPlugin, EventSourcedRepository, InjectDomains, domainNamed, uuidFrom } from '@erbm/shared/api';
import { type FinancingPlanLine, type OperationFinancing, commitmentAttachedType, decideAttachment } from '@erbm/ledger/domain';

/**
 * The operations of every domain this process serves, as the ledger sees them: their eligible cost and the
 * commitments financing them, read from each operation's own stream through its domain's plugin. Written once here for
 * every domain; a domain only says how its events fold into a financing plan.
 */
@Injectable()
export class OperationDirectories {
  constructor(
    @InjectDomains() private readonly domains: readonly DomainPlugin[],
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
  ) {}

  served(domain: string): boolean {
    return domainNamed(this.domains, domain) !== undefined;
  }

  names(): string[] {
    return this.domains.map((d) => d.name);
  }

  /** Undefined when the domain has no such operation. */
  async financing(domain: string, operationId: string, recordedUpTo?: string): Promise<OperationFinancing | undefined> {
    const plugin = domainNamed(this.domains, domain);
    if (!plugin) return undefined;
    const loaded = await this.repository.load(plugin.operations.streamName(operationId), (events) => plugin.operations.financingOf(events), { recordedUpTo });
    return loaded.state;
  }

  /**
   * Adds a commitment to the operation's financing plan. The link is a consequence of the commitment's announcement:
   * its event id is derived from the commitment, so the announcing request, its retries and the completion process
   * (FinancingLinks) may all try, and the plan gets it once.
   */
  async attach(domain: string, operationId: string, line: FinancingPlanLine, ctx: CommandContext, date: string): Promise<void> {
    const plugin = domainNamed(this.domains, domain);
    if (!plugin) throw new Error(`domain ${domain} is not served here`);
    const type = commitmentAttachedType(domain);
    await this.commands.run(
      { ...ctx, ifMatch: undefined },
      {
        stream: plugin.operations.streamName(operationId),
        fold: (events) => plugin.operations.financingOf(events),
        decide: ({ state }) => {
          if (!state) throw new Error(`operation ${operationId} of ${domain} does not exist`);
          const plan = state.commitmentIds.map((commitmentId) => ({ commitmentId }));
          return { events: decideAttachment(plan, line, date).map((data) => ({ type, data })), meta: { occurredAt: date } };
        },
        eventId: () => uuidFrom(`${type}\u0000${line.commitmentId}`),
      },
    );
  }
}
