import { RuleViolation, assertNever } from '@erbm/shared/kernel';

/**
 * The envelopes of one funding line and the years each covers: the stream where two envelopes opened at once on one
 * line cannot both take the same year (appended with the revision it was read at). An envelope is listed here first,
 * then opened in its own stream (docs/adr/0020-envelopes.md).
 */

export interface ListedEnvelope {
  envelopeId: string;
  fromYear: number;
  toYear: number;
}

export type FundingLineEnvelopesEventMap = {
  'ledger.EnvelopeListed': ListedEnvelope & { fundingLine: string };
};
export type FundingLineEnvelopesEvent = {
  [K in keyof FundingLineEnvelopesEventMap]: { type: K; data: FundingLineEnvelopesEventMap[K] };
}[keyof FundingLineEnvelopesEventMap];

export type FundingLineEnvelopesCommand = { type: 'list'; fundingLine: string } & ListedEnvelope;
export interface FundingLineEnvelopes {
  envelopes: ListedEnvelope[];
}

export const fundingLineEnvelopesStreamName = (fundingLine: string): string => `funding-envelopes-${fundingLine}`;

export function decideFundingLineEnvelopes(command: FundingLineEnvelopesCommand, state: FundingLineEnvelopes): FundingLineEnvelopesEvent[] {
  switch (command.type) {
    case 'list': {
      // The same envelope listed again (a retry of its opening) is already there.
      if (state.envelopes.some((e) => e.envelopeId === command.envelopeId)) return [];
      const overlapping = state.envelopes.find((e) => e.fromYear <= command.toYear && command.fromYear <= e.toYear);
      if (overlapping)
        throw new RuleViolation(
          'envelopes-overlap',
          `La ligne ${command.fundingLine} a déjà une enveloppe pour ${years(overlapping)} (${overlapping.envelopeId}) : deux enveloppes d'une ligne ne couvrent pas le même exercice ; modifiez celle-ci par avenant`,
          'fromYear',
          { envelopeId: overlapping.envelopeId, fromYear: overlapping.fromYear, toYear: overlapping.toYear },
        );
      const { type: _type, ...data } = command;
      return [{ type: 'ledger.EnvelopeListed', data }];
    }
    default:
      return assertNever(command.type);
  }
}

export function foldFundingLineEnvelopes(events: readonly FundingLineEnvelopesEvent[]): FundingLineEnvelopes {
  return {
    envelopes: events.map((e) => {
      const { envelopeId, fromYear, toYear } = e.data;
      return { envelopeId, fromYear, toYear };
    }),
  };
}

const years = (e: ListedEnvelope) => (e.fromYear === e.toYear ? `${e.fromYear}` : `${e.fromYear}–${e.toYear}`);
