import { Body, Controller, Get, Injectable, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  type CommandContext,
  CommandPath,
  Ctx,
  EventSourcedRepository,
  Nested,
  OptionalAmountRequest,
  BusinessDate,
  Text,
  WholeNumber,
  centsOf,
  invalidRequest,
  WriteRequest,
  newIdFor,
} from '@erbm/shared/api';
import type { StoredEvent } from '@erbm/shared/event-store';
import { PUBLISHED_FIGURES_STREAM, type PublishedFigure, type PublishedFiguresEvent, decidePublishedFigures, foldPublishedFigures } from '@erbm/ledger/domain';
import { CommitmentReader } from '../commitments/commitment.handlers';

export class FigureSourceRequest {
  @Text({ max: 500, description: 'The document that published it', example: 'Dossier de presse du COPIL' })
  title!: string;

  @Text({ optional: true, max: 200 })
  reference?: string;

  @Text({ optional: true, max: 1000, example: 'https://www.prefectures-regions.gouv.fr/hauts-de-france' })
  url?: string;
}

/** A figure as published: a sum (amountCents or amount) or a quantity with its unit, never both. */
export class RecordFigureRequest extends OptionalAmountRequest {
  @Text({ max: 300, description: 'What it counts, in the publisher’s words', example: 'coût du programme' })
  subject!: string;

  @WholeNumber({ optional: true, min: 0, max: 1_000_000_000, description: 'A count (dwellings, cités…), with its unit' })
  quantity?: number;

  @Text({ optional: true, max: 100, description: 'Unit of a quantity (a sum is in euros)', example: 'logements' })
  unit?: string;

  @Text({ max: 2000, description: 'What it covers: period, territory, which money or which dwellings' })
  scope!: string;

  @BusinessDate({ description: 'The day the figure stands at' })
  asOf!: string;

  @BusinessDate({ optional: true, description: 'The day it was published' })
  publishedOn?: string;

  @Text({ max: 300, example: 'Préfecture de la région Hauts-de-France' })
  publisher!: string;

  @Nested(() => FigureSourceRequest)
  source!: FigureSourceRequest;
}

const figureView = (f: PublishedFigure, event: StoredEvent | undefined) => ({
  id: f.figureId,
  subject: f.subject,
  ...(f.amountCents !== undefined ? { amountCents: f.amountCents } : {}),
  ...(f.quantity !== undefined ? { quantity: f.quantity } : {}),
  unit: f.unit,
  scope: f.scope,
  asOf: f.asOf,
  ...(f.publishedOn !== undefined ? { publishedOn: f.publishedOn } : {}),
  publisher: f.publisher,
  source: f.source,
  ...(event ? { recordedAt: event.recordedAt, recordedBy: event.envelope.actor } : {}),
});
export type FigureView = ReturnType<typeof figureView>;

/** The unit a sum of money is published in. */
const EUROS = 'euros';

@Injectable()
export class PublishedFiguresService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    private readonly commitments: CommitmentReader,
  ) {}

  async list(subject?: string): Promise<FigureView[]> {
    const loaded = await this.repository.load(PUBLISHED_FIGURES_STREAM, (events: PublishedFiguresEvent[]) => foldPublishedFigures(events));
    const byId = new Map(loaded.events.map((e) => [(e.data as PublishedFigure).figureId, e]));
    return loaded.state.figures
      .filter((f) => subject === undefined || f.subject.toLocaleLowerCase('fr') === subject.toLocaleLowerCase('fr'))
      .sort((a, b) => a.asOf.localeCompare(b.asOf))
      .map((f) => figureView(f, byId.get(f.figureId)));
  }

  async record(figure: PublishedFigure, ctx: CommandContext, request: WriteRequest): Promise<FigureView> {
    await this.commands.run(ctx, {
      stream: PUBLISHED_FIGURES_STREAM,
      fold: (events: PublishedFiguresEvent[]) => foldPublishedFigures(events),
      decide: ({ state }) => ({
        // A retry after a crash derives the same figure id: the register has it already, and the answer says it as is.
        events: state.figures.some((f) => f.figureId === figure.figureId)
          ? []
          : decidePublishedFigures({ type: 'recordFigure', ...figure, today: this.commitments.today() }, state),
        meta: { occurredAt: figure.asOf, sourceDocument: request.sourceDocument },
      }),
    });
    return (await this.list()).find((f) => f.id === figure.figureId) as FigureView;
  }
}

/** Figures of the programme as published by others, kept side by side, never merged. */
@ApiTags('programme')
@Controller('programme/published-figures')
export class PublishedFiguresController {
  constructor(private readonly figures: PublishedFiguresService) {}

  @Post()
  @Access('write', 'programme')
  @ApiOperation({ summary: 'Record a figure as it was published: subject, value, scope, as-of date, source, publisher' })
  async record(@Body() b: RecordFigureRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const amountCents = centsOf(b, false);
    const errors = [
      ...(amountCents === undefined && b.quantity === undefined
        ? [{ field: 'quantity', reason: 'champ requis : un montant (amountCents ou amount) ou une quantité' }]
        : []),
      ...(amountCents !== undefined && b.quantity !== undefined
        ? [{ field: 'quantity', reason: 'ne se donne pas avec un montant : un chiffre est l’un ou l’autre' }]
        : []),
      ...(b.quantity !== undefined && b.unit === undefined ? [{ field: 'unit', reason: 'champ requis avec une quantité' }] : []),
    ];
    if (errors.length) throw invalidRequest(errors);
    const figure: PublishedFigure = {
      figureId: newIdFor(ctx, 'published-figure'),
      subject: b.subject,
      ...(amountCents !== undefined ? { amountCents } : { quantity: b.quantity }),
      unit: amountCents !== undefined ? EUROS : (b.unit as string),
      scope: b.scope,
      asOf: b.asOf,
      ...(b.publishedOn !== undefined ? { publishedOn: b.publishedOn } : {}),
      publisher: b.publisher,
      source: { title: b.source.title, ...(b.source.reference ? { reference: b.source.reference } : {}), ...(b.source.url ? { url: b.source.url } : {}) },
    };
    const view = await this.figures.record(figure, ctx, b);
    res.setHeader('Location', `/programme/published-figures?subject=${encodeURIComponent(figure.subject)}`);
    return view;
  }

  @Get()
  @Access('read', '*')
  @ApiQuery({ name: 'subject', required: false, description: 'Only the figures of this subject (e.g. coût du programme)' })
  @ApiOperation({ summary: 'Published figures side by side, each with its scope, as-of date and source: never merged' })
  async list(@Query('subject') subject?: string) {
    return { figures: await this.figures.list(subject) };
  }
}
