// Bundles the CLI with esbuild so that `npx sluice` starts fast (one file per command chunk,
// no TypeScript at run time).
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const result = await build({
  metafile: true,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Dependencies are bundled too: loading one file is much faster than chevrotain's and lodash's
  // hundreds of modules (cold start). Native modules cannot be bundled, nor pg (it requires the
  // optional pg-native lazily, which a bundle cannot resolve; it is loaded only by postgres flows).
  // Queue mode's Redis clients load their Lua scripts and optional drivers at run time: kept external too.
  external: ['better-sqlite3', 'pg', 'bullmq', 'ioredis', 'rate-limiter-flexible'],
  // Intl.ListFormat built at its first use rather than when a dependency loads (see lazy-intl.mjs).
  define: { 'Intl.ListFormat': '__sluiceLazyListFormat' },
  inject: ['scripts/lazy-intl.mjs'],
  // Some CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// Chunks of earlier builds are removed only when a minute old, so that a build never pulls files
// from under a CLI process that is still running (tests build while others run).
const current = new Set(Object.keys(result.metafile.outputs).map((f) => resolve(f)));
for (const name of readdirSync('dist')) {
  const file = resolve(join('dist', name));
  if (!/\.js(\.map)?$/.test(name) || current.has(file) || current.has(file.replace(/\.map$/, ''))) continue;
  if (Date.now() - statSync(file).mtimeMs > 60_000) rmSync(file, { force: true });
}
