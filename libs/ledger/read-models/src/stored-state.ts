import type { CommitmentState, Fact } from '@erbm/ledger/domain';

/**
 * How the register keeps a commitment's decider state between batches: as the decider has it, except its facts, of
 * which it keeps what evolving the state needs: the ledger and the sign of each (a correction moves its target's ledger
 * in its target's direction, in its target's bucket: its funding line and year). A fact's dates, references and payment kind show in no column of the register (the
 * auditors' trail reads them from the log), and they were most of the state's size: the register's rows are written
 * and read at every batch, so they are kept lean. `stored-state.spec.ts` checks that every column made from a lean
 * state equals the one made from the full state, corrections and warnings included.
 */
export type LeanFact = [ledger: Fact['ledger'] | null, sign: 1 | -1 | null, fundingLine?: string | null, year?: number | null];

export function leanState(state: CommitmentState): unknown {
  if (state.status === 'none') return state;
  return {
    ...state,
    facts: state.facts.map((f): LeanFact => (f.ledger ? [f.ledger, f.sign ?? null, f.fundingLine ?? null, f.fiscalYear ?? null] : [null, f.sign ?? null])),
  };
}

/** The state back as the decider evolves it. Rows stored before facts were kept lean load as they are. */
export function fullState(stored: unknown): CommitmentState {
  const state = stored as CommitmentState & { facts?: (Fact | LeanFact)[] };
  if (state.status === 'none' || !state.facts) return state;
  return {
    ...state,
    // Rows stored before acts that are not meetings came have none.
    acts: state.acts ?? [],
    facts: state.facts.map((f, revision): Fact =>
      Array.isArray(f)
        ? {
            revision,
            type: 'ledger.CommitmentAnnounced',
            values: { date: '' },
            ...(f[0] ? { ledger: f[0] } : {}),
            ...(f[1] ? { sign: f[1] } : {}),
            ...(f[2] ? { fundingLine: f[2] } : {}),
            ...(typeof f[3] === 'number' ? { fiscalYear: f[3] } : {}),
            correctedBy: [],
          }
        : f,
    ),
  } as CommitmentState;
}
