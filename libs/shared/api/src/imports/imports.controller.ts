import {
  type CallHandler,
  Controller,
  Inject,
  type ExecutionContext,
  Get,
  HttpException,
  Injectable,
  Param,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@erbm/shared/auth';
import { NotFound, RuleViolation } from '@erbm/shared/kernel';
import type { Observable } from 'rxjs';
import { Access, CurrentPrincipal } from '../auth/auth';
import { WholeProgramme } from '../auth/read-scope';
import { type CommandContext, Ctx } from '../command-context';
import type { DomainPlugin } from '../domains/domain-plugin.types';
import { DOMAIN_PLUGINS } from '../domains/domain-plugins.token';
import { IMPORT_EVENT_LABELS, ImportsService } from './imports.service';
import { ProblemException, invalidRequest } from '../problem-details';

/** Largest file an upload takes; larger ones get 413 (the command line reads any size). */
export const IMPORT_FILE_LIMIT_BYTES = 20 * 1024 * 1024;

const octets = (bytes: number) => `${new Intl.NumberFormat('fr-FR').format(bytes)} octets`;

/** Multer's refusals (too large, another field than `file`), as problems in French. */
@Injectable()
export class ImportUploadInterceptor extends FileInterceptor('file', { limits: { fileSize: IMPORT_FILE_LIMIT_BYTES, files: 1 }, defParamCharset: 'utf8' }) {
  override async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    try {
      return await super.intercept(context, next);
    } catch (error) {
      const status = error instanceof HttpException ? error.getStatus() : undefined;
      if (status === 413)
        throw ProblemException.of(
          413,
          'file-too-large',
          'Fichier trop volumineux',
          `Le fichier dépasse ${octets(IMPORT_FILE_LIMIT_BYTES)} : rien n'a été importé. Importez-le en ligne de commande (npm run import).`,
          {
            field: 'file',
            limit: IMPORT_FILE_LIMIT_BYTES,
          },
        );
      if (status === 400)
        throw invalidRequest([{ field: 'file', reason: 'envoyez un seul fichier, dans le champ « file » du formulaire multipart/form-data' }]);
      throw error;
    }
  }
}

interface UploadedMulterFile {
  originalname: string;
  buffer: Buffer;
}

const REPORT_DESCRIPTION =
  'The report: importId, source, domain, fileName, sha256, dryRun, alreadyImported, rowsRead, created, unchanged, changed, rejected [{row, field?, reason}] (the first 1,000), rejectedCount, eventsWritten, extractedOn?, notes?, importedAt?, importedBy?';

/** The files domain teams import (ADR 0024): upload, the list of imports, one import with its facts. */
@ApiTags('imports')
@Controller()
export class ImportsController {
  constructor(
    private readonly imports: ImportsService,
    @Inject(DOMAIN_PLUGINS) private readonly domains: readonly DomainPlugin[],
  ) {}

  @Post(':domain/imports/:source')
  @Access('write')
  @UseInterceptors(ImportUploadInterceptor)
  @ApiParam({ name: 'domain', description: 'A domain this service serves (its URL segment)' })
  @ApiParam({ name: 'source', description: 'One of the import sources of the domain (`npm run import` lists them)' })
  @ApiQuery({ name: 'dryRun', required: false, enum: ['true', 'false'], description: 'true: read and compare, write nothing, report what it would write' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    required: true,
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description: 'The file, at most 20 MB (larger: the command line)' } },
    },
  })
  @ApiCreatedResponse({ description: `Imported and recorded (Location: /imports/<importId>). ${REPORT_DESCRIPTION}` })
  @ApiOkResponse({ description: `A dry run, or a file imported before (alreadyImported: nothing written). ${REPORT_DESCRIPTION}` })
  @ApiOperation({
    summary:
      "Import a file of one of the domain's sources: only the differences with the log are written, every event citing the import; the same file again writes nothing",
  })
  async upload(
    @Param('domain') domain: string,
    @Param('source') source: string,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
    @UploadedFile() file?: UploadedMulterFile,
    @Query('dryRun') dryRunText?: string,
  ) {
    if (!this.domains.some((d) => d.name === domain)) throw new NotFound('domain', domain);
    if (dryRunText !== undefined && dryRunText !== 'true' && dryRunText !== 'false') throw invalidRequest([{ field: 'dryRun', reason: 'vaut true ou false' }]);
    this.imports.find(domain, source);
    if (!file)
      throw new RuleViolation(
        'import-file-missing',
        'Aucun fichier reçu : envoyez-le en multipart/form-data dans le champ « file » (curl -F file=@chemin/du/fichier).',
        'file',
      );
    const report = await this.imports.run(domain, source, { fileName: file.originalname, content: file.buffer }, ctx, { dryRun: dryRunText === 'true' });
    if (report.dryRun || report.alreadyImported) res.status(200);
    else res.setHeader('Location', `/imports/${report.importId}`);
    return report;
  }

  @Get('imports')
  @Access('read', 'audit')
  @WholeProgramme()
  @ApiOperation({
    summary: 'Every import, newest first (an editor: its domain’s): source, file, SHA-256, who, when, status and counts',
  })
  async list(@CurrentPrincipal() principal: Principal) {
    return { imports: await this.imports.list(principal) };
  }

  @Get('imports/:importId')
  @Access('read', 'audit')
  @WholeProgramme()
  @ApiOperation({ summary: 'One import: its report (null while not completed) and the facts of its stream, who recorded them, when and why' })
  async get(@Param('importId') importId: string, @CurrentPrincipal() principal: Principal) {
    const { status, report, facts } = await this.imports.get(principal, importId);
    return {
      importId,
      status,
      report,
      facts: facts.map((e) => ({
        revision: e.revision,
        type: e.type,
        label: IMPORT_EVENT_LABELS[e.type] ?? e.type,
        occurredAt: e.envelope.occurredAt,
        recordedAt: e.recordedAt,
        recordedBy: e.envelope.actor,
        ...(e.envelope.reason ? { reason: e.envelope.reason } : {}),
        ...(e.envelope.sourceDocument ? { sourceDocument: e.envelope.sourceDocument } : {}),
        data: e.data,
      })),
    };
  }
}
