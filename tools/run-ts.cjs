#!/usr/bin/env node
// Runs a TypeScript entry point with swc (decorator metadata and tsconfig paths included), without a build step.
const path = require('node:path');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(__dirname, '..', 'tsconfig.json');
// The data folder (embedded database, local token secret) belongs to the checkout, not to the folder a command is run
// from: the server and `npm run token` find the same secret wherever each is started. A relative ERBM_DATA_DIR is the
// caller's, resolved here once; a URL (memory://) is left as it is.
const dataDir = process.env.ERBM_DATA_DIR || path.join(__dirname, '..', '.data', 'erbm');
process.env.ERBM_DATA_DIR = dataDir.includes('://') ? dataDir : path.resolve(dataDir);
require('@swc-node/register');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node tools/run-ts.cjs <file.ts> [args…]');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(entry));
