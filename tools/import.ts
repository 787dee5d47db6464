import 'reflect-metadata';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { DataFolderInUseError, assertDataFolderFree } from '@erbm/shared/event-store';
import {
  AuthModule,
  ConfigurationError,
  EventStoreModule,
  HttpApiModule,
  type ImportReport,
  ImportsService,
  ReadModels,
  ProblemException,
  eventStoreConfigFromEnv,
} from '@erbm/shared/api';
import { RuleViolation } from '@erbm/shared/kernel';
import { DOMAINS, everyDomain } from '@erbm/domains';

const USAGE = `usage: npm run import -- <source> <file> [--dry-run] [--json]
Imports a file of one of the domains' import sources: writes only the differences with the log, each event citing the
import; the same file again writes nothing. --dry-run: reads and compares, writes nothing. --json: the report as JSON.`;

/** A refusal the person can act on: one line, exit code 1, no stack. */
class Refusal extends Error {}

const instead = (upload: string) =>
  `Un serveur tient la base de données : arrêtez-le d'abord, ou envoyez le fichier au serveur en marche : curl -F file=@<fichier> -H "Authorization: Bearer <jeton>" http://localhost:3000${upload}`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } } });
  } catch (error) {
    process.stderr.write(`import : ${(error as Error).message}\n${USAGE}\n`);
    return 1;
  }
  const [sourceName, path] = parsed.positionals;
  if (!sourceName || !path || parsed.positionals.length > 2) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  if (!existsSync(path) || !statSync(path).isFile()) throw new Refusal(`Fichier introuvable : ${path}`);
  const config = eventStoreConfigFromEnv();
  const upload = `/<domaine>/imports/${sourceName}`;
  if (!config.databaseUrl && !config.dataDir.startsWith('memory://')) assertDataFolderFree(config.dataDir, instead(upload));

  // The system as the all-in-one process composes it, without HTTP, tokens of its own or projections (the server's).
  @Module({
    imports: [
      EventStoreModule.forRoot(config),
      AuthModule.forRoot({ jwtSecret: randomBytes(32).toString('hex') }),
      HttpApiModule,
      ...everyDomain({ projections: { run: false }, demo: false }),
    ],
  })
  class ImportToolModule {}

  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(ImportToolModule, { logger: ['error', 'warn'] });
  } catch (error) {
    if (error instanceof DataFolderInUseError) throw new Refusal(`${error.message}\n${instead(upload)}`);
    throw error;
  }
  try {
    // The read models up to the log first: a source matches names against them (the beneficiaries an earlier import
    // registered); afterwards, so that the server finds them current.
    await app.get(ReadModels).catchUp();
    const imports = app.get(ImportsService);
    const registered = imports.sources();
    const found = registered.find((s) => s.source.name === sourceName);
    if (!found) {
      const known = registered.map((s) => `  ${s.source.name.padEnd(24)} ${s.domain.padEnd(24)} ${s.source.label}`);
      throw new Refusal(
        `Source d'import inconnue : ${sourceName}.\n${known.length ? `Sources connues :\n${known.join('\n')}` : `Aucun domaine (${DOMAINS.map((d) => d.name).join(', ')}) n'importe de fichier.`}`,
      );
    }
    const bar = new SingleBar(
      { stream: process.stderr, format: `${sourceName} [{bar}] {percentage} % | {value}/{total} lignes`, hideCursor: true, clearOnComplete: true },
      Presets.shades_classic,
    );
    let started = false;
    const report = await imports
      .run(
        found.domain,
        sourceName,
        { fileName: basename(path), content: readFileSync(path) },
        {
          principal: { userId: `tool:${process.env.USER ?? 'unknown'}`, role: 'editor', domain: found.domain, organisation: 'import' },
          correlationId: randomUUID(),
        },
        {
          dryRun: parsed.values['dry-run'] ?? false,
          progress: (done, total) => {
            if (!started) bar.start(total, 0);
            started = true;
            bar.setTotal(total);
            bar.update(done);
          },
        },
      )
      .finally(() => started && bar.stop());
    if (!report.dryRun && !report.alreadyImported) await app.get(ReadModels).catchUp();
    process.stdout.write(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : table(report));
    return 0;
  } finally {
    await app.close();
  }
}

const n = (x: number) => x.toLocaleString('fr-FR');

/** The report for people, in French. */
function table(r: ImportReport): string {
  const head = r.alreadyImported
    ? `Déjà importé le ${r.importedAt ?? '?'} par ${r.importedBy ?? '?'} : rien n'a été écrit. Compte rendu de cet import :`
    : r.dryRun
      ? 'Essai à blanc : rien n’a été écrit. Ce que l’import écrirait :'
      : `Importé (import ${r.importId}) :`;
  const rows: [string, number][] = [
    ['lues', r.rowsRead],
    ['créées', r.created],
    ['inchangées', r.unchanged],
    ['modifiées', r.changed],
    ['rejetées', r.rejectedCount],
    ['événements écrits', r.eventsWritten],
  ];
  const lines = [
    `${r.source} (${r.domain}) — ${r.fileName}`,
    `SHA-256 ${r.sha256}${r.extractedOn ? ` — extrait le ${r.extractedOn}` : ''}`,
    head,
    ...rows.map(([label, value]) => `  ${label.padEnd(18)} ${n(value).padStart(10)}`),
    ...r.rejected.map((x) => `  ligne ${x.row}${x.field ? ` (${x.field})` : ''} : ${x.reason}`),
    ...(r.rejectedCount > r.rejected.length ? [`  … et ${n(r.rejectedCount - r.rejected.length)} autres rejets`] : []),
    ...(r.notes ?? []).flatMap((note) => [
      `Remarque : ${note.message}`,
      ...(note.items ?? []).slice(0, NOTE_ITEMS).map((item) => `  - ${item}`),
      ...((note.items?.length ?? 0) > NOTE_ITEMS ? [`  … et ${n((note.items?.length ?? 0) - NOTE_ITEMS)} autres (--json les donne tous)`] : []),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** How many items of a note the table shows. */
const NOTE_ITEMS = 15;

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const message =
      error instanceof Refusal || error instanceof DataFolderInUseError || error instanceof ConfigurationError || error instanceof RuleViolation
        ? error.message
        : error instanceof ProblemException
          ? (error.problem.detail ?? error.problem.title)
          : `import échoué : ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  },
);
