// `sluice sandbox pipedrive` as a real process: the first line scripts read, a request, SIGTERM.
// Needs the built CLI (`node scripts/build.mjs`, which `npm test` runs first).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_TOKEN } from '../../src/sandbox/index.js';
import { ROOT, runSluice, spawnSluice } from '../helpers/cli.js';

const built = existsSync(join(ROOT, 'dist', 'cli.js'));

describe.runIf(built)('sluice sandbox pipedrive', () => {
  it('prints the address and token on its first line, serves, and exits 0 on SIGTERM', async () => {
    const token = 'abcdef0123456789abcdef0123456789abcdef01';
    const child = spawnSluice(['sandbox', 'pipedrive', '--port', '0', '--token', token, '--persons', '12', '--plan', 'lite', '-v']);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! });
        rl.once('line', (line) => {
          rl.close();
          resolve(line);
        });
        child.once('exit', () => reject(new Error(`sandbox exited before printing its address:\n${stderr}`)));
      });
      const m = /^sandbox listening on (http:\/\/127\.0\.0\.1:(\d+)) \(token: ([0-9a-f]{40})\)$/.exec(first);
      expect(m, first).not.toBeNull();
      expect(m![3]).toBe(token);
      const res = await fetch(`${m![1]}/api/v1/persons?limit=5`, { headers: { 'x-api-token': token } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('20');
      const body: any = await res.json();
      expect(body.data).toHaveLength(5);
      expect(body.additional_data.pagination.next_start).toBe(5);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 0, signal: null });
    // -v logs requests to stderr, without the token.
    expect(stderr).toMatch(/GET \/api\/v1\/persons\?limit=5 200/);
    expect(stderr).not.toContain('abcdef0123456789abcdef');
  });

  it('uses the documented default token', async () => {
    const child = spawnSluice(['sandbox', 'pipedrive', '--persons', '1']);
    try {
      const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
      expect(first).toMatch(new RegExp(`\\(token: ${DEFAULT_SANDBOX_TOKEN}\\)$`));
    } finally {
      child.kill('SIGINT');
    }
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  });

  it.each([
    [['--token', 'short'], '--token'],
    [['--plan', 'gold'], 'gold'],
    [['--fail-rate', '2'], '--fail-rate'],
    [['--port', '70000'], '--port'],
    [['--data', '/nonexistent/sandbox.json'], 'data file'],
    [['--bogus'], 'bogus'],
  ])('treats %j as a usage error (exit 2)', async (args, needle) => {
    const r = await runSluice(['sandbox', 'pipedrive', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(needle);
    expect(r.stdout).toBe('');
  });

  it('is listed by `sluice sandbox --help`', async () => {
    const r = await runSluice(['sandbox', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sandbox pipedrive');
  });
});

describe.runIf(!built)('sluice sandbox pipedrive (CLI not built)', () => {
  it('needs `node scripts/build.mjs` first', () => {
    throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` (npm test does) before these tests');
  });
});
