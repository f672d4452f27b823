// A second real API end to end: the example app definition of examples/json-server run by the CLI
// against the json-server npm package (its Link-header pages, filters and writes), with its own
// connection fields (base URL and an API key) from the environment.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice, stopProcess, tempDir } from '../helpers/cli.js';
import { startJsonServer, type JsonServer } from '../helpers/json-server.js';

let server: JsonServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startJsonServer();
  const home = tempDir();
  env = { SLUICE_HOME: join(home, 'home'), SLUICE_CONFIG_DIR: join(home, 'config'), SLUICE_INVENTORY_BASE_URL: server.url, SLUICE_INVENTORY_API_KEY: server.key };
}, 30_000);
afterAll(() => stopProcess(server?.child));

const lines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('examples/json-server: the inventory app on json-server', () => {
  it('reads every product through the Link header, then only what changed since the watermark', async () => {
    const r1 = await runSluice(['run', 'flows/products_to_jsonl.flow', '--format', 'json'], { cwd: server.dir, env });
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    const s1 = JSON.parse(r1.stdout) as { runs: { read: number; written: number; pages: number; watermark: string; http: { requests: number } }[] };
    const run1 = s1.runs?.[0] ?? (s1 as unknown as (typeof s1.runs)[0]);
    expect(run1.written).toBe(45);
    // 45 products in pages of 20: three requests, the last page without rel="next".
    const pageRequests = server.log.filter((l) => l.startsWith('GET /products?'));
    expect(pageRequests).toHaveLength(3);
    expect(pageRequests[0]).toContain('_page=1&_limit=20');
    expect(pageRequests[2]).toContain('_page=3');
    const out = join(server.dir, 'out', 'products.jsonl');
    expect(lines(out).map((p) => p.id)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));

    // One product changes on the server and one is added; the next run reads from the watermark.
    await server.send('PATCH', '/products/7', { price: 99, updated_at: '2026-02-01T00:00:00Z' });
    await server.send('POST', '/products', { name: 'New', category: 'tools', price: 1, stock: 1, updated_at: '2026-02-02T00:00:00Z' });
    const before = server.log.length;
    const r2 = await runSluice(['run', 'flows/products_to_jsonl.flow'], { cwd: server.dir, env });
    expect(r2.code).toBe(0);
    const asked = server.log.slice(before).filter((l) => l.startsWith('GET /products?'));
    expect(asked).toHaveLength(1);
    expect(decodeURIComponent(asked[0])).toContain('updated_at_gte=2026-01-02T21:00:00Z');
    const all = lines(out);
    expect(all).toHaveLength(47);
    expect(all.slice(45)).toEqual([
      { id: 7, name: 'Product 7', price: 99, updated_at: '2026-02-01T00:00:00Z' },
      { id: 46, name: 'New', price: 1, updated_at: '2026-02-02T00:00:00Z' },
    ]);
  }, 60_000);

  it('creates orders on the server from a CSV and keeps the row it cannot take as rejected', async () => {
    const r = await runSluice(['run', 'flows/import_orders.flow'], { cwd: server.dir, env });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('written 3');
    const orders = (await server.get('/orders')) as Record<string, unknown>[];
    expect(orders.map(({ id: _id, ...o }) => o)).toEqual([
      { customer: 'Ada Lovelace', product_id: 3, quantity: 2, status: 'open' },
      { customer: 'Grace Hopper', product_id: 7, quantity: 1, status: 'open' },
      { customer: 'Alan Turing', product_id: 12, quantity: 5, status: 'open' },
    ]);
    const rej = await runSluice(['state', 'rejected', 'import_orders', '--format', 'json'], { cwd: server.dir, env });
    expect(rej.stdout).toContain('Edsger Dijkstra');
  }, 60_000);

  it('reports a wrong API key as refused credentials, without printing it', async () => {
    const r = await runSluice(['run', 'flows/products_to_jsonl.flow', '--fresh'], { cwd: server.dir, env: { ...env, SLUICE_INVENTORY_API_KEY: 'wrong-key-98765' } });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('SL6502');
    expect(r.stdout + r.stderr).toContain('missing or wrong x-api-key');
    expect(r.stdout + r.stderr).not.toContain('wrong-key-98765');
  }, 30_000);

  it('says which variables supply a connection that is missing', async () => {
    const r = await runSluice(['run', 'flows/products_to_jsonl.flow'], { cwd: server.dir, env: { ...env, SLUICE_INVENTORY_BASE_URL: '', SLUICE_INVENTORY_API_KEY: '' } });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('SLUICE_INVENTORY_BASE_URL');
    expect(r.stdout + r.stderr).toContain('sluice connections add inventory');
  }, 30_000);
});
