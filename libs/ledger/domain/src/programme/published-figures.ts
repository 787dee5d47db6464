import { type Decider, type Today, RuleViolation, assertNever, fold, isAmountCents, isBusinessDate, requireNotAfterToday } from '@erbm/shared/kernel';

/**
 * Figures of the programme as others published them (its cost quoted as 3 bn€, 2 bn€ and 300 M€; dwellings
 * "financed", "started", "rehabilitated"): each kept as published, with its scope, date and source, never merged with
 * another. They are few: one register holds them all.
 */

export interface PublishedFigure {
  figureId: string;
  /** What it counts, in the publisher's words ("coût du programme", "logements réhabilités"). */
  subject: string;
  /** A sum of money, in cents… */
  amountCents?: number;
  /** …or a quantity, in `unit`. */
  quantity?: number;
  unit: string;
  /** What it covers (period, territory, which money or which dwellings). */
  scope: string;
  /** The day the figure stands at. */
  asOf: string;
  publishedOn?: string;
  publisher: string;
  source: { title: string; reference?: string; url?: string };
}

export type PublishedFiguresEventMap = { 'programme.FigurePublished': PublishedFigure };
export type PublishedFiguresEvent = { type: 'programme.FigurePublished'; data: PublishedFigure };
export const PUBLISHED_FIGURES_EVENT_TYPES = ['programme.FigurePublished'] as const;

export type PublishedFiguresCommand = { type: 'recordFigure' } & PublishedFigure & Today;
export interface PublishedFiguresState {
  figures: PublishedFigure[];
}

export const PUBLISHED_FIGURES_STREAM = 'programme-published-figures';

export function decidePublishedFigures(command: PublishedFiguresCommand, state: PublishedFiguresState): PublishedFiguresEvent[] {
  switch (command.type) {
    case 'recordFigure': {
      if (state.figures.some((f) => f.figureId === command.figureId))
        throw new RuleViolation('figure-exists', `Le chiffre publié ${command.figureId} est déjà enregistré`, 'figureId');
      if ((command.amountCents === undefined) === (command.quantity === undefined))
        throw new RuleViolation(
          'figure-value-required',
          'Un chiffre publié est soit un montant (amountCents ou amount), soit une quantité (quantity)',
          'quantity',
        );
      if (command.amountCents !== undefined && !isAmountCents(command.amountCents))
        throw new RuleViolation('invalid-amount', `${command.amountCents} n'est pas un montant en centimes d'euro`, 'amountCents');
      for (const [field, date] of [
        ['asOf', command.asOf],
        ['publishedOn', command.publishedOn],
      ] as const) {
        if (date === undefined) continue;
        if (!isBusinessDate(date)) throw new RuleViolation('invalid-date', `${date} n'est pas une date (aaaa-mm-jj)`, field);
        requireNotAfterToday(date, command.today, field);
      }
      const { type: _t, today: _today, ...figure } = command;
      return [{ type: 'programme.FigurePublished', data: figure }];
    }
    default:
      return assertNever(command.type);
  }
}

export function evolvePublishedFigures(state: PublishedFiguresState, event: PublishedFiguresEvent): PublishedFiguresState {
  switch (event.type) {
    case 'programme.FigurePublished':
      return { figures: [...state.figures, event.data] };
    default:
      return assertNever(event.type);
  }
}

export const publishedFiguresDecider: Decider<PublishedFiguresCommand, PublishedFiguresEvent, PublishedFiguresState> = {
  decide: decidePublishedFigures,
  evolve: evolvePublishedFigures,
  initialState: { figures: [] },
};

export const foldPublishedFigures = (events: readonly PublishedFiguresEvent[]): PublishedFiguresState => fold(publishedFiguresDecider, events);
