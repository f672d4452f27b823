// `-> tee { dest ..., dest ... }` end to end: two json-server instances take the same orders; while
// the second is down the run fails, and the next run sends each record only to the server that has
// not accepted it: neither loses nor duplicates a record, and the watermark waits for both.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice, stopProcess, tempDir } from '../helpers/cli.js';
import { startJsonServer, type JsonServer } from '../helpers/json-server.js';

let a: JsonServer;
let b: JsonServer | undefined;
afterAll(async () => {
  await stopProcess(a?.child);
  await stopProcess(b?.child);
});

describe('tee', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    a = await startJsonServer();
    const home = tempDir();
    env = {
      SLUICE_HOME: join(home, 'home'),
      SLUICE_CONFIG_DIR: join(home, 'config'),
      SLUICE_INVENTORY_BASE_URL: a.url,
      SLUICE_INVENTORY_API_KEY: a.key,
    };
  }, 30_000);

  it('keeps each destination\'s acknowledgements: a rerun completes the one that failed, duplicating nothing', async () => {
    const flow = 'flows/orders_to_two_servers.flow';
    // The second destination's connection is not there yet: it fails at its first write, after the
    // first destination has accepted the first page.
    const r1 = await runSluice(['run', flow, '--format', 'json'], { cwd: a.dir, env, timeoutMs: 60_000 });
    expect(r1.code).toBe(1);
    expect(r1.stdout).toContain('SL5043');
    const firstRun = (await a.get('/orders')) as { product_id: number }[];
    // The first page reached the first server before the second one failed the run.
    expect(firstRun.length).toBeGreaterThan(0);
    const state1 = await runSluice(['state', 'show', 'orders_to_two_servers', '--format', 'json'], { cwd: a.dir, env });
    expect(state1.stdout).not.toContain('2026-01-02T21:00:00');

    b = await startJsonServer('backup-key-000001');
    const backup = { SLUICE_BACKUP_BASE_URL: b.url, SLUICE_BACKUP_API_KEY: b.key };
    const r2 = await runSluice(['run', flow], { cwd: a.dir, env: { ...env, ...backup }, timeoutMs: 60_000 });
    expect(r2.stderr).toBe('');
    expect(r2.code).toBe(0);
    for (const server of [a, b]) {
      const orders = (await server.get('/orders')) as { product_id: number; customer: string }[];
      expect(orders.map((o) => o.product_id).sort((x, y) => x - y)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    }
    // The first server got none of the first run's orders again.
    expect(a.log.filter((l) => l === 'POST /orders')).toHaveLength(45);
    const state2 = await runSluice(['state', 'show', 'orders_to_two_servers', '--format', 'json'], { cwd: a.dir, env });
    expect(state2.stdout).toContain('2026-01-02T21:00:00');

    // Nothing new: a third run sends nothing anywhere.
    const r3 = await runSluice(['run', flow], { cwd: a.dir, env: { ...env, ...backup } });
    expect(r3.code).toBe(0);
    expect(a.log.filter((l) => l === 'POST /orders')).toHaveLength(45);
    expect(b.log.filter((l) => l === 'POST /orders')).toHaveLength(45);
  }, 120_000);
});
