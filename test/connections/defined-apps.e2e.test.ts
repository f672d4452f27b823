// `sluice connections add APP` for apps other than Pipedrive: the fields come from the app's
// definition, the connection is validated by the request the definition names (PostgreSQL: a
// query) before it is saved, and flows then use it with nothing but its name.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice, stopProcess, tempDir } from '../helpers/cli.js';
import { startJsonServer, type JsonServer } from '../helpers/json-server.js';
import { PG_URL, freshSchema, pgAvailable, sql } from '../helpers/postgres.js';

describe('connections add for a user-defined REST app (json-server)', () => {
  let server: JsonServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startJsonServer('inventory-key-4242');
    const home = tempDir();
    env = { SLUICE_HOME: join(home, 'home'), SLUICE_CONFIG_DIR: join(home, 'config'), INV_KEY: 'inventory-key-4242' };
  }, 30_000);
  afterAll(() => stopProcess(server?.child));

  it('validates with the definition\'s test request, saves 0600 and never prints the key', async () => {
    const r = await runSluice(['connections', 'add', 'inventory', '--set', `base_url=${server.url}`, '--set-env', 'api_key=INV_KEY'], { cwd: server.dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Test Connection Successful: GET /products');
    expect(r.stdout).not.toContain('inventory-key-4242');
    expect(server.log).toContain('GET /products?_limit=1');
    const file = join(env.SLUICE_CONFIG_DIR, 'connections.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).connections.inventory.fields).toEqual({ base_url: server.url, api_key: 'inventory-key-4242' });

    const t = await runSluice(['connections', 'test', 'inventory', '--format', 'json'], { cwd: server.dir, env });
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true, app: 'inventory', fields: { base_url: server.url, api_key: '****4242' } });

    // A flow uses it by name: no SLUICE_INVENTORY_* variables are set.
    const run = await runSluice(['run', 'flows/products_to_jsonl.flow'], { cwd: server.dir, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('written 45');
  }, 60_000);

  it('saves nothing when the server refuses the key, and says why', async () => {
    const r = await runSluice(['connections', 'add', 'inventory', '--name', 'other', '--set', `base_url=${server.url}`, '--set', 'api_key=not-the-key-1'], { cwd: server.dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SL6502');
    expect(r.stderr).not.toContain('not-the-key-1');
    const list = await runSluice(['connections', 'list', '--format', 'json'], { cwd: server.dir, env });
    expect((JSON.parse(list.stdout) as { connections: { name: string }[] }).connections.map((c) => c.name)).toEqual(['inventory']);
  }, 30_000);

  it('checks fields against the definition before sending anything', async () => {
    const unknown = await runSluice(['connections', 'add', 'inventory', '--name', 'x', '--set', 'base_ur=http://127.0.0.1:1'], { cwd: server.dir, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean `base_url`');
    const short = await runSluice(['connections', 'add', 'inventory', '--name', 'x', '--set', `base_url=${server.url}`, '--set', 'api_key=short'], { cwd: server.dir, env });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 8 characters');
    expect(short.stderr).not.toContain('short`');
    const missing = await runSluice(['connections', 'add', 'inventory', '--name', 'x', '--set', `base_url=${server.url}`], { cwd: server.dir, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--set-env api_key=VAR');
    const notApp = await runSluice(['connections', 'add', 'inventori'], { cwd: server.dir, env });
    expect(notApp.stderr).toContain('did you mean `inventory`');
  }, 30_000);
});

describe.skipIf(!pgAvailable)('connections add postgres', () => {
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  beforeAll(async () => {
    schema = await freshSchema('apps_conn');
  });
  afterAll(() => schema?.drop());

  it('keeps the connection string, password included, out of the flow and out of every output', async () => {
    const dir = tempDir();
    // The machine's PostgreSQL trusts local connections, so any password is accepted: this one
    // stands for a real one that must never be shown.
    const u = new URL(PG_URL);
    u.password = 'pw-do-not-show-77';
    const env = { SLUICE_HOME: join(dir, 'home'), SLUICE_CONFIG_DIR: join(dir, 'config'), WAREHOUSE_URL: u.toString() };
    const add = await runSluice(['connections', 'add', 'postgres', '--name', 'warehouse', '--set-env', 'url=WAREHOUSE_URL'], { cwd: dir, env });
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('Test Connection Successful: SELECT current_user');
    expect(add.stdout + add.stderr).not.toContain('pw-do-not-show-77');

    writeFileSync(join(dir, 'in.jsonl'), '{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n');
    writeFileSync(join(dir, 'load.flow'), `source file.jsonl with path = "in.jsonl" as { id: integer, name: string }\n  -> dest postgres.table with connection = "warehouse", table = "${schema.name}.people", key = "id", create = true\n`);
    const run = await runSluice(['run', 'load.flow'], { cwd: dir, env: { ...env, WAREHOUSE_URL: '' } });
    expect(run.stdout + run.stderr).not.toContain('pw-do-not-show-77');
    expect(run.code).toBe(0);
    expect(await sql(`SELECT id::int, name FROM ${schema.name}.people ORDER BY id`)).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  }, 60_000);
});
