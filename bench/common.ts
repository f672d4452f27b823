// What every benchmark script needs to find and describe: the repository it runs in, the CLI it
// starts, the sandbox's token, and how numbers are printed.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: the folder above this file (bench/) or above its bundle (dist/run/) that holds bin/sluice.js. */
export function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'sluice.js'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository (bin/sluice.js) above this script');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
export const BIN = join(ROOT, 'bin', 'sluice.js');
/** The sandbox's default token (`sluice sandbox` prints it); a benchmark's company is always a sandbox. */
export const TOKEN = '5a1ce5a1ce5a1ce5a1ce5a1ce5a1ce5a1ce5a1ce';

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const log = (line = ''): void => console.log(line);
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
