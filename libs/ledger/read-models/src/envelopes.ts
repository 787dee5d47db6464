import type { EventStore, StoredEvent } from '@erbm/shared/event-store';
import {
  type EnvelopeEvent,
  type EnvelopeState,
  type FundingLineEnvelopesEvent,
  envelopeCovers,
  envelopeStreamName,
  foldEnvelope,
  foldFundingLineEnvelopes,
  fundingLineEnvelopesStreamName,
} from '@erbm/ledger/domain';

export type OpenEnvelope = Extract<EnvelopeState, { status: 'open' }>;

const asEvents = <E>(events: StoredEvent[]) => events.map((e) => ({ type: e.type, data: e.data }) as E);

/** An envelope from its stream (up to a revision if given), with its events; undefined when it was never opened. */
export async function loadEnvelope(
  store: EventStore,
  envelopeId: string,
  upToRevision?: number,
): Promise<{ state: OpenEnvelope; events: StoredEvent[] } | undefined> {
  const events = await store.readStream(envelopeStreamName(envelopeId), { to: upToRevision });
  const state = foldEnvelope(asEvents<EnvelopeEvent>(events));
  return state.status === 'open' ? { state, events } : undefined;
}

/** The envelopes listed on a funding line (docs/adr/0020-envelopes.md), with their years. */
export async function listedEnvelopes(store: EventStore, fundingLine: string) {
  return foldFundingLineEnvelopes(asEvents<FundingLineEnvelopesEvent>(await store.readStream(fundingLineEnvelopesStreamName(fundingLine)))).envelopes;
}

/**
 * The envelopes of these funding lines, covering a year if one is given, read from their streams: exact as of the last
 * write. An envelope listed on its line and never opened (an opening stopped between its two writes) is left out.
 */
export async function envelopesOf(
  store: EventStore,
  fundingLines: readonly string[],
  year?: number,
): Promise<{ state: OpenEnvelope; events: StoredEvent[] }[]> {
  const found: { state: OpenEnvelope; events: StoredEvent[] }[] = [];
  for (const line of fundingLines)
    for (const listed of await listedEnvelopes(store, line)) {
      if (year !== undefined && !envelopeCovers(listed, year)) continue;
      const loaded = await loadEnvelope(store, listed.envelopeId);
      if (loaded) found.push(loaded);
    }
  return found.sort((a, b) => a.state.fundingLine.localeCompare(b.state.fundingLine) || a.state.fromYear - b.state.fromYear);
}
