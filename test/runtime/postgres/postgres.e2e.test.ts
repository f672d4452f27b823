// `sluice run` with PostgreSQL as source and destination, against a real server (see
// test/helpers/postgres.ts: skipped, saying so, when none can be reached). Each test works in a
// schema of its own, dropped at the end.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice, tempDir } from '../../helpers/cli.js';
import { freshSchema, PG_URL, pgAvailable, sql } from '../../helpers/postgres.js';

function project(flow: string): { dir: string; env: Record<string, string> } {
  const dir = tempDir('sluice-pg-');
  writeFileSync(join(dir, 'f.flow'), flow);
  // The connection string comes from the environment, as it should in real use.
  return { dir, env: { SLUICE_HOME: join(dir, '.sluice'), SLUICE_POSTGRES_URL: PG_URL } };
}

async function run(p: { dir: string; env: Record<string, string> }, extra: string[] = [], env: Record<string, string> = {}) {
  const r = await runSluice(['run', 'f.flow', '--format', 'json', ...extra], { cwd: p.dir, env: { ...p.env, ...env }, timeoutMs: 60_000 });
  return { ...r, summary: r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : null };
}

describe.skipIf(!pgAvailable)('postgres source and destination', () => {
  let schema = '';
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ name: schema, drop } = await freshSchema('sluice_e2e'));
  });
  afterAll(async () => drop());

  it('table -> table: created from the record type, upserted, and incremental on updated_at without loss or repeats', async () => {
    await sql(`CREATE TABLE ${schema}.persons (id integer PRIMARY KEY, name text, tags text[], meta jsonb, updated_at timestamptz NOT NULL)`);
    // 1,201 rows: three pages of 500, so the cursor is fetched more than once.
    await sql(
      `INSERT INTO ${schema}.persons SELECT i, 'p' || i, ARRAY['a', 'b'], '{"vip": true}', timestamptz '2026-01-01 00:00:00+00' + (i / 3) * interval '1 second' FROM generate_series(1, 1201) i`,
    );
    const p = project(`source postgres.table with table = "${schema}.persons" as { id: integer, name: string, tags: [string], meta: { vip: boolean }, updated_at: datetime } since ~{CreatedDate}~
  -> map { id: id, name: upper(name), n: len(tags), vip: meta.vip, changed: updated_at }
  -> dest postgres.table with table = "${schema}.people", key = "id", create = true
`);
    const first = await run(p);
    expect(first.stderr).toBe('');
    expect(first.summary).toMatchObject({ status: 'succeeded', read: 1201, written: 1201, pages: 3, watermark: '2026-01-01T00:06:40.000Z' });
    const cols = await sql<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'people' ORDER BY ordinal_position`,
      [schema],
    );
    expect(cols).toEqual([
      { column_name: 'id', data_type: 'bigint' },
      { column_name: 'name', data_type: 'text' },
      { column_name: 'n', data_type: 'bigint' },
      { column_name: 'vip', data_type: 'boolean' },
      { column_name: 'changed', data_type: 'timestamp with time zone' },
    ]);
    expect(await sql(`SELECT id::int, name, n::int, vip FROM ${schema}.people WHERE id = 7`)).toEqual([{ id: 7, name: 'P7', n: 2, vip: true }]);

    // Nothing changed: the rows at exactly the watermark (1200 and 1201) are read again (inclusive) and skipped.
    const again = await run(p);
    expect(again.summary).toMatchObject({ status: 'succeeded', written: 0, skipped: 2 });

    // Two rows change; one new row arrives at the watermark itself (same second as row 1200/1201).
    await sql(`UPDATE ${schema}.persons SET name = 'changed', updated_at = timestamptz '2026-02-01 00:00:00+00' WHERE id IN (5, 6)`);
    await sql(`INSERT INTO ${schema}.persons VALUES (1202, 'late', '{}', '{"vip": false}', timestamptz '2026-01-01 00:06:40+00')`);
    const third = await run(p);
    expect(third.summary).toMatchObject({ status: 'succeeded', written: 3, watermark: '2026-02-01T00:00:00.000Z' });
    expect(await sql(`SELECT id::int, name FROM ${schema}.people WHERE id IN (5, 6, 1202) ORDER BY id`)).toEqual([
      { id: 5, name: 'CHANGED' },
      { id: 6, name: 'CHANGED' },
      { id: 1202, name: 'LATE' },
    ]);
    expect(await sql(`SELECT count(*)::int AS n FROM ${schema}.people`)).toEqual([{ n: 1202 }]);
  });

  it('query -> jsonl with a declared type; a row that does not fit is rejected, not dropped', async () => {
    await sql(`CREATE TABLE ${schema}.deals (id bigint PRIMARY KEY, title text, value numeric, closed date)`);
    await sql(`INSERT INTO ${schema}.deals VALUES (1, 'Big', 1200.5, '2026-03-01'), (2, NULL, 10, NULL), (9007199254740993, 'Huge id', 1, NULL)`);
    const p = project(`source postgres.query with sql = "SELECT id, title, value, closed FROM ${schema}.deals ORDER BY id" as { id: integer, title: string, value: number, closed: date? }
  -> dest file.jsonl with path = "out/deals.jsonl"
`);
    const r = await run(p);
    expect(r.summary).toMatchObject({ read: 3, written: 1, rejected: 2 });
    expect(r.code).toBe(3);
    expect(readFileSync(join(p.dir, 'out/deals.jsonl'), 'utf8')).toBe('{"id":1,"title":"Big","value":1200.5,"closed":"2026-03-01"}\n');
  });

  it('query with since: the watermark is applied to the query, oldest first, on the column named by `cursor`', async () => {
    await sql(`CREATE TABLE ${schema}.notes (note_id integer PRIMARY KEY, body text, changed timestamp NOT NULL)`);
    await sql(`INSERT INTO ${schema}.notes SELECT i, 'n' || i, timestamp '2026-03-01 00:00:00' + i * interval '1 hour' FROM generate_series(1, 5) i`);
    const p = project(`source postgres.query with sql = "SELECT note_id, body, changed FROM ${schema}.notes WHERE body <> 'hidden'", cursor = "changed", key = "note_id" since ~{CreatedDate}~
  -> dest file.jsonl with path = "out/notes.jsonl"
`);
    const first = await run(p);
    expect(first.summary).toMatchObject({ read: 5, written: 5, watermark: '2026-03-01T05:00:00.000Z' });
    await sql(`UPDATE ${schema}.notes SET body = 'edited', changed = timestamp '2026-03-02 00:00:00' WHERE note_id = 2`);
    await sql(`UPDATE ${schema}.notes SET body = 'hidden', changed = timestamp '2026-03-02 00:00:00' WHERE note_id = 3`);
    const second = await run(p);
    // Row 5 (at the old watermark, skipped) and row 2; row 3 is filtered out by the query itself.
    expect(second.summary).toMatchObject({ read: 2, written: 1, skipped: 1, watermark: '2026-03-02T00:00:00.000Z' });
    const lines = readFileSync(join(p.dir, 'out/notes.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(JSON.parse(lines[5])).toEqual({ note_id: 2, body: 'edited', changed: '2026-03-02T00:00:00.000Z' });
  });

  it('a row the database refuses is rejected with its reason; the rest of the page is written', async () => {
    await sql(`CREATE TABLE ${schema}.scores (id integer PRIMARY KEY, score integer CHECK (score >= 0), label text)`);
    await sql(`INSERT INTO ${schema}.scores VALUES (1, 5, 'old')`);
    const p = project(`source file.jsonl with path = "in.jsonl"
  -> dest postgres.table with table = "${schema}.scores", key = "id"
`);
    writeFileSync(join(p.dir, 'in.jsonl'), ['{"id":1,"score":7,"label":"new"}', '{"id":2,"score":-1}', '{"id":3,"score":"many"}', '{"id":4,"score":4}', '{"id":null,"score":1}'].join('\n'));
    const r = await run(p);
    expect(r.summary).toMatchObject({ read: 5, written: 2, rejected: 3 });
    expect(await sql(`SELECT id, score, label FROM ${schema}.scores ORDER BY id`)).toEqual([
      { id: 1, score: 7, label: 'new' },
      { id: 4, score: 4, label: null },
    ]);
    const rejected = await runSluice(['state', 'rejected', 'f', '--format', 'json'], { cwd: p.dir, env: p.env });
    const reasons = (JSON.parse(rejected.stdout) as { rejected: { reason: string }[] }).rejected.map((x) => x.reason).sort();
    expect(reasons).toHaveLength(3);
    expect(reasons.some((x) => x.includes('23514'))).toBe(true); // check constraint
    expect(reasons.some((x) => x.includes('22P02'))).toBe(true); // invalid integer
    expect(reasons.some((x) => x.includes('key field `id` is null'))).toBe(true);
  });

  it('a missing table without `create`, and a key without a unique index, are clear errors (SL7042, SL7043)', async () => {
    const missing = project(`source file.jsonl with path = "in.jsonl" -> dest postgres.table with table = "${schema}.nowhere", key = "id"\n`);
    writeFileSync(join(missing.dir, 'in.jsonl'), '{"id":1}\n');
    const a = await runSluice(['run', 'f.flow'], { cwd: missing.dir, env: missing.env });
    expect(a.code).toBe(1);
    expect(a.stdout).toContain('SL7042');
    expect(a.stdout).toContain('create = true');

    await sql(`CREATE TABLE ${schema}.loose (id integer, v text)`);
    const loose = project(`source file.jsonl with path = "in.jsonl" -> dest postgres.table with table = "${schema}.loose", key = "id"\n`);
    writeFileSync(join(loose.dir, 'in.jsonl'), '{"id":1,"v":"x"}\n');
    const b = await runSluice(['run', 'f.flow'], { cwd: loose.dir, env: loose.env });
    expect(b.code).toBe(1);
    expect(b.stdout).toContain('SL7043');
    expect(b.stdout).toContain('CREATE UNIQUE INDEX');
  });

  it('stopping early (take) closes the cursor; the next run continues after what was written', async () => {
    await sql(`CREATE TABLE ${schema}.events (id integer PRIMARY KEY, at timestamptz NOT NULL)`);
    await sql(`INSERT INTO ${schema}.events SELECT i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 2000) i`);
    const p = project(`source postgres.table with table = "${schema}.events", cursor = "at" since ~{CreatedDate}~
  -> take 700
  -> dest postgres.table with table = "${schema}.events_copy", key = "id", create = true
`);
    const first = await run(p);
    expect(first.summary).toMatchObject({ written: 700 });
    const second = await run(p);
    expect(second.summary).toMatchObject({ written: 700 });
    expect(await sql(`SELECT count(*)::int AS n, min(id)::int AS lo, max(id)::int AS hi FROM ${schema}.events_copy`)).toEqual([{ n: 1400, lo: 1, hi: 1400 }]);
    // No cursor or transaction of ours is left open on the server.
    const open = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sluice' AND state <> 'idle'`);
    expect(open).toEqual([{ n: 0 }]);
  });

  it('the password is never printed, even when the server refuses the connection', async () => {
    const url = new URL(PG_URL);
    url.password = 'pw-Zq81-never-shown';
    url.pathname = '/no_such_database_sluice';
    const p = project(`source postgres.query with sql = "SELECT 1 AS id" -> dest stdout\n`);
    const r = await runSluice(['run', 'f.flow'], { cwd: p.dir, env: { ...p.env, SLUICE_POSTGRES_URL: url.toString() } });
    expect(r.code).toBe(1);
    // With `dest stdout` the summary goes to stderr.
    expect(r.stderr).toContain('SL7040');
    expect(r.stderr).toContain('no_such_database_sluice');
    expect(r.stdout + r.stderr).not.toContain('pw-Zq81-never-shown');
  });
});
