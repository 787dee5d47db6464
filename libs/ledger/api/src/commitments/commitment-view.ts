import type { StoredEvent } from '@erbm/shared/event-store';
import { type CommitmentState, netCommitted, resteAPayer, warningView } from '@erbm/ledger/domain';

/**
 * A commitment as its users read it: every ledger apart, warnings, and each fact with who recorded it, when and why;
 * with `agreement`, the framework agreement (and its version) in force on the day it was announced.
 */
export function commitmentView(id: string, state: CommitmentState, events: StoredEvent[], agreement?: { id: string; version: number } | null) {
  if (state.status === 'none') throw new Error('no commitment to show');
  const { facts, revision, commitmentId: _id, warnings, ...rest } = state;
  return {
    id,
    revision,
    ...rest,
    beneficiaryId: state.beneficiaryId ?? null,
    ...(agreement !== undefined ? { agreement } : {}),
    warnings: warnings.map(warningView),
    netCommitted: netCommitted(state.ledgers),
    resteAPayer: resteAPayer(state.ledgers),
    facts: facts.map((f) => {
      const event = events[f.revision];
      return {
        revision: f.revision,
        type: f.type,
        ...f.values,
        ...(f.paymentKind ? { paymentKind: f.paymentKind } : {}),
        correctedBy: f.correctedBy,
        data: event.data,
        recordedAt: event.recordedAt,
        recordedBy: event.envelope.actor,
        ...(event.envelope.onBehalfOf ? { onBehalfOf: event.envelope.onBehalfOf } : {}),
        ...(event.envelope.reason ? { reason: event.envelope.reason } : {}),
        ...(event.envelope.sourceDocument ? { sourceDocument: event.envelope.sourceDocument } : {}),
      };
    }),
  };
}

export type CommitmentView = ReturnType<typeof commitmentView>;
