// Where the standard library lives. The same code runs from src/ (vitest, tsx) and bundled into
// dist/ (esbuild), so the path is found by walking up to the package root, not fixed relative to
// this file.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder holding Sluice's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'stdlib'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the Sluice package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/**
 * The stdlib folder: `$SLUICE_STDLIB` when set (to try app definitions out of tree, and for tests
 * of broken definitions through the real binary), else `stdlib/` of the package.
 */
export function defaultStdlibDir(env: Record<string, string | undefined> = process.env): string {
  return env.SLUICE_STDLIB ? resolve(env.SLUICE_STDLIB) : join(packageRoot(), 'stdlib');
}
