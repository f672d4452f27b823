#!/usr/bin/env node
// The published entry point: the bundled CLI built by `npm run build` (run by `npm install`).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('sluice: the CLI is not built yet. Run `npm install` (or `npm run build`) in the project folder.\n');
  process.exit(2);
}
const { runCli } = await import(entry.href);
await runCli();
