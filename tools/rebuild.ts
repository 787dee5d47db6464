import { parseArgs } from 'node:util';
import { DataFolderInUseError } from '@erbm/shared/event-store';
import { ConfigurationError, openStores, eventStoreConfigFromEnv } from '@erbm/shared/api';
import { type Projection, type RebuildProgress, rebuildProjection } from '@erbm/shared/projections';
import { allProjections } from '@erbm/domains';

const USAGE = `usage: npm run rebuild -- --projection <name|all> [--batch-size N]
Rebuilds read models from the start of the log into new tables while the live ones keep serving, then switches.
Projections: ${allProjections()
  .map((p) => p.name)
  .join(', ')}`;

function bar(progress: RebuildProgress, total: number): string {
  const width = 30;
  const share = total ? Math.min(1, progress.eventsRead / total) : 0;
  const filled = Math.round(share * width);
  const left = total && progress.rate > 0 ? Math.max(0, (total - progress.eventsRead) / progress.rate) : null;
  const n = (x: number) => Math.round(x).toLocaleString('fr-FR');
  return `${progress.projection.padEnd(18)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${total ? `${(share * 100).toFixed(0).padStart(3)} %` : ''} ${n(progress.eventsRead)}${total ? `/${n(total)}` : ''} events  ${n(progress.rate)} ev/s  ${left === null ? '' : `time left ${left.toFixed(0)} s`}`;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { projection: { type: 'string' }, 'batch-size': { type: 'string' } } }).values;
  } catch (error) {
    process.stderr.write(`rebuild: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const all: Projection[] = allProjections();
  const chosen = args.projection === 'all' ? all : all.filter((p) => p.name === args.projection);
  if (!args.projection || chosen.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const batchText = args['batch-size'];
  const batchSize = batchText === undefined ? undefined : Number(batchText);
  if (batchSize !== undefined && (!/^\d+$/.test(batchText ?? '') || !Number.isSafeInteger(batchSize) || batchSize < 1)) {
    process.stderr.write(`rebuild: --batch-size is a whole number of events ≥ 1, got "${batchText}"\n${USAGE}\n`);
    return 2;
  }
  const config = eventStoreConfigFromEnv();
  const { db, store, kind } = await openStores(config, {
    // The server has no rebuild route: a rebuild on the embedded database needs the folder to itself.
    instead: "Pour reconstruire les vues, arrêtez d'abord le serveur, puis relancez npm run rebuild.",
  });
  try {
    const total = await store.countAfter(null);
    for (const projection of chosen) {
      let lastDraw = 0;
      const result = await rebuildProjection(projection, store, {
        db,
        databaseUrl: config.databaseUrl,
        batchSize,
        onProgress: (p) => {
          if (!p.done && Date.now() - lastDraw < 200) return;
          lastDraw = Date.now();
          process.stderr.write(`\r${bar(p, total)}`);
        },
      });
      process.stderr.write(
        `\n${projection.name}: rebuilt from ${result.eventsRead.toLocaleString('fr-FR')} events in ${result.seconds.toFixed(1)} s, switched to the new tables\n`,
      );
    }
  } finally {
    if (kind === 'eventstoredb') await store.close();
    await db.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof DataFolderInUseError || error instanceof ConfigurationError ? error.message : `rebuild failed: ${error instanceof Error ? error.message : String(error)}`}\n`,
    );
    process.exitCode = 1;
  },
);
