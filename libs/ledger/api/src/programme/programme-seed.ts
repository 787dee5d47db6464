import { Inject, Injectable } from '@nestjs/common';
import { type CommandContext, CommandPath, InjectClock, REFERENTIALS, type ReferenceDataSeed, uuidFrom } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import { type AgreementEvent, ERBM_2017, agreementStreamName, decideAgreement, foldAgreement } from '@erbm/ledger/domain';
import { type Clock, todayInParis } from '@erbm/shared/kernel';

/** Who records the programme's reference data: the system itself, from the signed contract, not a user. */
const SEED_CONTEXT: CommandContext = {
  principal: { userId: 'erbm-reference-data', role: 'admin', organisation: 'ERBM — données de référence (contrat signé)' },
  correlationId: 'erbm-reference-data-2017',
};

/**
 * The ERBM contract as signed on 7 March 2017, with its 12 signatories (the parties of the referential that sign it),
 * recorded as real data through the agreement's own decider, on the first start that finds its stream empty. Its event
 * ids are fixed: two processes starting at once, or a start after a crash, record it once.
 */
@Injectable()
export class ProgrammeSeeder implements ReferenceDataSeed {
  constructor(
    private readonly commands: CommandPath,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
  ) {}

  async seedReferenceData(): Promise<string | undefined> {
    const { sourceDocument, ...terms } = ERBM_2017;
    const signatories = this.referentials.parties
      .validOn(terms.signedOn)
      .filter((p) => p.signatory)
      .map((p) => p.id);
    const outcome = await this.commands.run(SEED_CONTEXT, {
      stream: agreementStreamName(terms.agreementId),
      fold: (events: AgreementEvent[]) => foldAgreement(events),
      eventId: (index) => uuidFrom(`reference-data\u0000${agreementStreamName(terms.agreementId)}\u0000${index}`),
      decide: ({ state }) => ({
        events: state.status === 'none' ? decideAgreement({ type: 'sign', ...terms, signatories, today: todayInParis(this.clock) }, state) : [],
        meta: { occurredAt: terms.signedOn, reason: 'Contrat-cadre du programme, signé le 7 mars 2017', sourceDocument: { ...sourceDocument } },
      }),
    });
    return outcome.appended > 0 && !outcome.writtenBefore
      ? `the ERBM contract of 7 March 2017 (${signatories.length} signatories) as agreement ${terms.agreementId}`
      : undefined;
  }
}
