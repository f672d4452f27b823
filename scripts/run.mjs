// Runs a TypeScript entry (a benchmark, the demo) the way the CLI runs: bundled by esbuild, without
// tsx's name-keeping wrappers that slow hot code down and would skew measurements.
import { build } from 'esbuild';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs FILE.ts [args...]');
  process.exit(2);
}
const outfile = resolve('dist', 'run', `${basename(entry).replace(/\.ts$/, '')}.mjs`);
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
