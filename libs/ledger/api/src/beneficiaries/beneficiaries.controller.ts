import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, ApiETag, ApiIfMatch, type CommandContext, Ctx, FieldErrors, ReadModels, etag, wholeNumberParam } from '@erbm/shared/api';
import { BENEFICIARIES, type BeneficiaryFilters, freshness, listBeneficiaries } from '@erbm/ledger/read-models';
import { normaliseIdentifier } from '@erbm/shared/kernel';
import type { BeneficiaryView } from '@erbm/ledger/read-models';
import { Beneficiaries } from './beneficiaries';
import { AddBeneficiaryNameRequest, RegisterBeneficiaryRequest, ResolveBeneficiaryRequest } from './beneficiary.requests';

/**
 * Who may write beneficiaries: they are shared by every domain, so any domain's editor (and the admin) registers,
 * names and resolves them; every role reads them.
 */
const WRITE_ANY_DOMAIN = 'every-domain';

/** The beneficiaries (tiers) of every domain's commitments: who receives the money. */
@ApiTags('beneficiaries')
@ApiETag()
@Controller('beneficiaries')
export class BeneficiariesController {
  constructor(
    private readonly beneficiaries: Beneficiaries,
    private readonly readModels: ReadModels,
  ) {}

  private send(res: Response, view: BeneficiaryView): BeneficiaryView {
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  @Post()
  @Access('write', WRITE_ANY_DOMAIN)
  @ApiOperation({
    summary:
      'Register a beneficiary: by a checked SIRET, SIREN or RNA (resolved), or by name only (unresolved). A SIRET already registered is refused with the id of its beneficiary (422 beneficiary-siret-exists)',
  })
  async register(@Body() b: RegisterBeneficiaryRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const view = await this.beneficiaries.register(ctx, b, b);
    res.setHeader('Location', `/beneficiaries/${view.id}`);
    return this.send(res, view);
  }

  @Post(':id/names')
  @HttpCode(200)
  @Access('write', WRITE_ANY_DOMAIN)
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record another name the beneficiary is known by; every name is kept' })
  async addName(@Param('id') id: string, @Body() b: AddBeneficiaryNameRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.beneficiaries.addName(ctx, id, b.name, b.date, b));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Access('write', WRITE_ANY_DOMAIN)
  @ApiIfMatch()
  @ApiOperation({ summary: 'Resolve a beneficiary known by name only: its SIRET, SIREN or RNA, and why (who and when: the trail)' })
  async resolve(@Param('id') id: string, @Body() b: ResolveBeneficiaryRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.beneficiaries.resolve(ctx, id, b, b));
  }

  @Get(':id')
  @Access('read', '*')
  @ApiOperation({ summary: 'A beneficiary: identifiers, names, resolution status and every fact of its trail' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.beneficiaries.view(id));
  }

  @Get()
  @Access('read', '*')
  @ApiQuery({ name: 'siret', required: false })
  @ApiQuery({ name: 'siren', required: false })
  @ApiQuery({ name: 'rna', required: false })
  @ApiQuery({ name: 'q', required: false, description: 'Part of any of its names, whatever the case' })
  @ApiQuery({ name: 'status', required: false, enum: ['resolved', 'unresolved'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOperation({ summary: 'Beneficiaries by identifier, by name or by resolution status (the unresolved ones to resolve)' })
  async list(@Query() query: Record<string, string | undefined>) {
    const errors = new FieldErrors();
    const filters: BeneficiaryFilters = {};
    for (const key of ['siret', 'siren', 'rna'] as const) if (query[key] !== undefined) filters[key] = normaliseIdentifier(query[key] as string);
    if (query.q !== undefined) {
      if (query.q.trim().length < 2 || query.q.length > 200) errors.add('q', 'de 2 à 200 caractères');
      else filters.q = query.q.trim();
    }
    if (query.status !== undefined) {
      if (query.status !== 'resolved' && query.status !== 'unresolved') errors.add('status', 'vaut resolved ou unresolved');
      else filters.status = query.status;
    }
    const limit = query.limit === undefined ? 100 : (wholeNumberParam(errors, 'limit', query.limit, 1, 1000) ?? 0);
    const offset = query.offset === undefined ? 0 : (wholeNumberParam(errors, 'offset', query.offset, 0, Number.MAX_SAFE_INTEGER) ?? 0);
    errors.check();
    const ds = this.readModels.dataSource(BENEFICIARIES);
    const { rows, total } = await listBeneficiaries(ds, filters, { limit, offset });
    return { freshness: await freshness(ds, BENEFICIARIES), filters, limit, offset, beneficiaryCount: total, rows };
  }
}
