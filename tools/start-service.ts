/**
 * Starts one service of apps/ by its folder's name, as production runs it: `npm run start:service -- sgar-api`.
 * A new domain's service starts this way with no script of its own.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const apps = join(__dirname, '..', 'apps');
const name = process.argv[2];
const known = readdirSync(apps).filter((d) => existsSync(join(apps, d, 'src', 'main.ts')));
if (!name || !known.includes(name)) {
  process.stderr.write(`usage: npm run start:service -- <service>\nservices: ${known.join(', ')}\n`);
  process.exit(2);
}
// The services are started, not imported: each is a process of its own.
require(join(apps, name, 'src', 'main.ts'));
