import { Injectable } from '@nestjs/common';
import { type CommandContext, CommandPath, EventSourcedRepository, InjectClock, type WriteRequest, newIdFor, uuidFrom } from '@erbm/shared/api';
import type { StoredEvent } from '@erbm/shared/event-store';
import {
  type BeneficiaryCommand,
  type BeneficiaryEvent,
  type BeneficiaryIdentifiers,
  type BeneficiaryKind,
  type BeneficiaryState,
  type SiretClaimEvent,
  beneficiaryStreamName,
  decideBeneficiary,
  decideSiretClaim,
  foldBeneficiary,
  foldSiretClaim,
  siretClaimStreamName,
} from '@erbm/ledger/domain';
import { type Clock, NotFound, RuleViolation, todayInParis } from '@erbm/shared/kernel';
import { type BeneficiaryView, beneficiaryView } from '@erbm/ledger/read-models';
import { contextOf } from '../programmings/decision-programmings';

type Registered = Extract<BeneficiaryEvent, { type: 'beneficiary.Registered' }>['data'];

export interface RegisterBeneficiary extends BeneficiaryIdentifiers {
  legalName: string;
  kind: BeneficiaryKind;
  date?: string;
}

/**
 * Beneficiaries in their streams `beneficiary-<id>`. A SIRET belongs to one beneficiary: its claim is appended first to
 * the stream `beneficiary-siret-<siret>` where that stream does not exist, so two registrations of one SIRET at once
 * cannot both pass; the second is told the first one's id (`beneficiary-siret-exists`). A registration's own event
 * follows from its claim (its id derives from the claim's): after a crash in between, the same request run again, or
 * any registration of that SIRET, writes it.
 */
@Injectable()
export class Beneficiaries {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    @InjectClock() private readonly clock: Clock,
  ) {}

  private load(id: string, upToRevision?: number) {
    return this.repository.load<BeneficiaryState, BeneficiaryEvent>(beneficiaryStreamName(id), foldBeneficiary, { upToRevision });
  }

  async view(id: string, upToRevision?: number): Promise<BeneficiaryView> {
    const loaded = await this.load(id, upToRevision);
    return beneficiaryView(id, loaded.state, loaded.events);
  }

  /** Refuses an id no beneficiary has: what a commitment names must exist. */
  async require(beneficiaryId: string, field = 'beneficiaryId'): Promise<void> {
    const { state } = await this.load(beneficiaryId);
    if (state.status === 'none')
      throw new RuleViolation('unknown-beneficiary', `Aucun bénéficiaire ${beneficiaryId} n'est enregistré (voir /beneficiaries)`, field);
  }

  async register(ctx: CommandContext, request: RegisterBeneficiary, source?: WriteRequest): Promise<BeneficiaryView> {
    const beneficiaryId = newIdFor(ctx, 'beneficiary');
    const today = todayInParis(this.clock);
    const command: BeneficiaryCommand = {
      type: 'register',
      beneficiaryId,
      legalName: request.legalName,
      kind: request.kind,
      date: request.date ?? today,
      today,
      ...identifiersOf(request),
    };
    // Checked before the SIRET is claimed: a claim is never made for a registration its decider refuses.
    const [registered] = decideBeneficiary(command, { status: 'none' });
    const data = registered.data as Registered;
    const claim = data.siret ? await this.claim(ctx, data.siret, beneficiaryId, data.date, data) : undefined;
    const outcome = await this.writeRegistration(ctx, beneficiaryId, command, claim, source);
    return this.view(beneficiaryId, outcome);
  }

  async addName(ctx: CommandContext, id: string, name: string, date: string | undefined, source?: WriteRequest): Promise<BeneficiaryView> {
    return this.decide(ctx, id, (today) => ({ type: 'addName', name, date: date ?? today, today }), source);
  }

  async resolve(ctx: CommandContext, id: string, request: BeneficiaryIdentifiers & { reason: string; date?: string }, source?: WriteRequest) {
    const today = todayInParis(this.clock);
    const command: BeneficiaryCommand = { type: 'resolve', reason: request.reason, date: request.date ?? today, today, ...identifiersOf(request) };
    const { state } = await this.load(id);
    if (state.status === 'none') throw new NotFound('beneficiary', id);
    const [resolved] = decideBeneficiary(command, state);
    const siret = (resolved.data as BeneficiaryIdentifiers).siret;
    if (siret) await this.claim(ctx, siret, id, command.date);
    return this.decide(ctx, id, () => command, source, request.reason);
  }

  private async decide(
    ctx: CommandContext,
    id: string,
    build: (today: string) => BeneficiaryCommand,
    source?: WriteRequest,
    reason?: string,
  ): Promise<BeneficiaryView> {
    const outcome = await this.commands.run(ctx, {
      stream: beneficiaryStreamName(id),
      fold: foldBeneficiary,
      decide: ({ state }) => {
        if (state.status === 'none') throw new NotFound('beneficiary', id);
        const command = build(todayInParis(this.clock));
        return { events: decideBeneficiary(command, state), meta: { occurredAt: command.date, reason, sourceDocument: source?.sourceDocument } };
      },
    });
    return this.view(id, outcome.revision);
  }

  /**
   * Claims a SIRET for a beneficiary, in the SIRET's stream. When another beneficiary holds it, completes that one's
   * registration if a crash left it unwritten, then refuses with its id.
   */
  private async claim(ctx: CommandContext, siret: string, beneficiaryId: string, date: string, registration?: Registered): Promise<StoredEvent> {
    const stream = siretClaimStreamName(siret);
    const claim = { siret, beneficiaryId, ...(registration ? { registration } : {}) };
    try {
      await this.commands.run(
        { ...ctx, ifMatch: undefined },
        {
          stream,
          fold: (events: SiretClaimEvent[]) => foldSiretClaim(events),
          decide: ({ state }) => ({ events: decideSiretClaim(claim, state), meta: { occurredAt: date } }),
        },
      );
    } catch (error) {
      if (error instanceof RuleViolation && error.rule === 'beneficiary-siret-exists') await this.completeClaimed(stream);
      throw error;
    }
    const [first] = await this.repository.store.readStream(stream, { from: 0, to: 0 });
    return first;
  }

  /** The registration a claim carries, written if its beneficiary's stream lacks it (in the name of who claimed). */
  private async completeClaimed(stream: string): Promise<void> {
    const [claim] = await this.repository.store.readStream(stream, { from: 0, to: 0 });
    const registration = (claim?.data as SiretClaimEvent['data'] | undefined)?.registration;
    if (!claim || !registration) return;
    const { state } = await this.load(registration.beneficiaryId);
    if (state.status !== 'none') return;
    const { date, beneficiaryId, legalName, kind, ...identifiers } = registration;
    await this.writeRegistration(
      contextOf(claim),
      beneficiaryId,
      { type: 'register', beneficiaryId, legalName, kind, date, today: date, ...identifiers },
      claim,
    );
  }

  private async writeRegistration(
    ctx: CommandContext,
    beneficiaryId: string,
    command: BeneficiaryCommand,
    claim: StoredEvent | undefined,
    source?: WriteRequest,
  ): Promise<number> {
    const outcome = await this.commands.run(
      { ...ctx, ifMatch: undefined },
      {
        stream: beneficiaryStreamName(beneficiaryId),
        fold: foldBeneficiary,
        // Its id derives from the Idempotency-Key or from the claim: a second attempt finds it written.
        decide: ({ state }) => ({
          events: state.status !== 'none' ? [] : decideBeneficiary(command, state),
          meta: { occurredAt: command.date, sourceDocument: source?.sourceDocument },
        }),
        ...(claim ? { eventId: () => uuidFrom(`beneficiary.Registered\u0000${claim.id}`) } : {}),
      },
    );
    return outcome.revision;
  }
}

function identifiersOf(i: BeneficiaryIdentifiers): BeneficiaryIdentifiers {
  return { ...(i.siret ? { siret: i.siret } : {}), ...(i.siren ? { siren: i.siren } : {}), ...(i.rna ? { rna: i.rna } : {}) };
}
