// `sluice check FILE | head`: when the reader of the output goes away, the CLI stops quietly (the
// way Unix tools do), with no stack trace. Needs the built CLI (`node scripts/build.mjs`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSluice, tempDir } from '../helpers/cli.js';

describe('output into a closed pipe', () => {
  it('check with a lot to say, read only in part: exit 141 (as for SIGPIPE), no stack trace', async () => {
    const dir = tempDir();
    // Thousands of errors: far more output than a pipe buffers.
    const lines = Array.from({ length: 3000 }, (_, i) => `source pipedrive.persons -> map { a: nope${i} } -> dest stdout`);
    writeFileSync(join(dir, 'many.flow'), `${lines.join('\n')}\n`);
    const child = spawnSluice(['check', 'many.flow'], { cwd: dir, env: { SLUICE_HOME: join(dir, '.sluice'), SLUICE_CONFIG_DIR: join(dir, 'config') } });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Like `head -1`: read the first chunk, then close the pipe.
    child.stdout!.once('data', () => child.stdout!.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error:|at .*\.js:\d+/);
    expect(code).toBe(141);
  }, 60_000);
});
