// Bundles the CLI with esbuild so that `npx sluice` starts fast (one file per command chunk,
// no TypeScript at run time). Dependencies stay external (node_modules). Old chunks are not deleted
// first, so that a build never pulls files from under a CLI process that is running.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
});
