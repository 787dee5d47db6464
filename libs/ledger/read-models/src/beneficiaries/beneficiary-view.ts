import type { StoredEvent } from '@erbm/shared/event-store';
import { NotFound } from '@erbm/shared/kernel';
import { type BeneficiaryEvent, type BeneficiaryState, beneficiaryStreamName, foldBeneficiary } from '@erbm/ledger/domain';

/** A beneficiary as its users read it, with its trail: each fact with who recorded it, when and why. */
export function beneficiaryView(id: string, state: BeneficiaryState, events: StoredEvent[]) {
  if (state.status === 'none') throw new NotFound('beneficiary', id);
  const { beneficiaryId: _id, ...rest } = state;
  return {
    id,
    ...rest,
    siret: state.siret ?? null,
    siren: state.siren ?? null,
    rna: state.rna ?? null,
    facts: events.map((e) => ({
      revision: e.revision,
      type: e.type,
      data: e.data,
      recordedAt: e.recordedAt,
      recordedBy: e.envelope.actor,
      ...(e.envelope.onBehalfOf ? { onBehalfOf: e.envelope.onBehalfOf } : {}),
      ...(e.envelope.reason ? { reason: e.envelope.reason } : {}),
      ...(e.envelope.sourceDocument ? { sourceDocument: e.envelope.sourceDocument } : {}),
    })),
  };
}
export type BeneficiaryView = ReturnType<typeof beneficiaryView>;

/** The beneficiary from its stream, as the log has it now: fresh, no projection involved. */
export async function readBeneficiary(
  store: { readStream(stream: string, options?: { to?: number }): Promise<StoredEvent[]> },
  id: string,
  upToRevision?: number,
) {
  const events = await store.readStream(beneficiaryStreamName(id), { to: upToRevision });
  return beneficiaryView(id, foldBeneficiary(events.map((e) => ({ type: e.type, data: e.data }) as BeneficiaryEvent)), events);
}
