// The built CLI at the nesting limit: check, fmt and run report it with its code, never an internal
// error. Needs the built CLI (`node scripts/build.mjs`, which `npm test` runs first).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice, tempDir } from '../helpers/cli.js';

const parens = (n: number) => `source pipedrive.persons\n  -> map { a: ${'('.repeat(n)}1${')'.repeat(n)} }\n  -> dest stdout\n`;

describe('limits in the CLI', () => {
  it('sluice check, fmt and run report the limit, never an internal error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'deep.flow'), parens(300));
    for (const args of [['check', 'deep.flow'], ['fmt', 'deep.flow'], ['run', 'deep.flow']]) {
      const r = await runSluice(args, { cwd: dir, env: { SLUICE_HOME: join(dir, '.sluice'), SLUICE_CONFIG_DIR: join(dir, 'config') } });
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/internal error|Maximum call stack/);
      expect(`${r.stdout}${r.stderr}`).toContain('SL1021');
      expect(r.code).toBe(1);
    }
  });
});
