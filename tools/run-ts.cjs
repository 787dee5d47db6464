#!/usr/bin/env node
// Runs a TypeScript entry point with swc (decorator metadata and tsconfig paths included), without a build step.
const path = require('node:path');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node tools/run-ts.cjs <file.ts> [args…]');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(entry));
