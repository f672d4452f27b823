// Folders of static files kept beside the sources (the panels' pages and scripts). The CLI runs
// from a bundle in dist/, tests from src/, benchmarks from dist/run/: the files stay in src/ and are
// found by walking up from the module that asks.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder `rel` (e.g. `src/agent/panel`) holding `marker`, above the module at `moduleUrl`. */
export function assetDir(moduleUrl: string, rel: string, marker: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  const tried: string[] = [];
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, rel);
    if (existsSync(join(candidate, marker))) return candidate;
    tried.push(candidate);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`the files of ${rel} are missing (looked in ${tried.join(', ')})`);
}
