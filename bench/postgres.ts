// PostgreSQL destination throughput: 100,000 records upserted into an empty table, against a plain
// `pg` script doing what a careful hand-written loader does (batched multi-row
// INSERT ... VALUES ... ON CONFLICT DO UPDATE, 500 rows a statement, the interpreter's page size).
//
//   npm run bench:postgres            (SLUICE_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/test)
//
// Three measurements, each into a fresh table:
//   - baseline: the plain pg script;
//   - destination: PostgresDestination.write() with pages of 500 records (what the interpreter calls);
//   - sluice run: the whole CLI run of a flow from a JSON Lines file to the table (reading, steps,
//     state store included), for what a user sees.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { PostgresDestination } from '../src/runtime/dests/postgres.js';
import { pgTarget } from '../src/runtime/postgres/connection.js';
import type { Rec } from '../src/runtime/eval.js';

const URL = process.env.SLUICE_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.env.BENCH_ROWS ?? 100_000);
const PAGE = 500;
const schema = `sluice_bench_${process.pid}`;

const records: Rec[] = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  name: `Person ${i + 1}`,
  email: `person${i + 1}@example.com`,
  value: (i * 7.25) % 10_000,
  active: i % 3 !== 0,
  updated_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
}));

const DDL = (t: string) => `CREATE TABLE ${schema}.${t} (id bigint PRIMARY KEY, name text, email text, value double precision, active boolean, updated_at timestamptz)`;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function baseline(table: string): Promise<number> {
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  const cols = ['id', 'name', 'email', 'value', 'active', 'updated_at'];
  const t0 = performance.now();
  for (let i = 0; i < N; i += PAGE) {
    const batch = records.slice(i, i + PAGE);
    const values: unknown[] = [];
    const rows = batch.map((r, j) => {
      for (const col of cols) values.push(r[col]);
      return `(${cols.map((_, k) => `$${j * cols.length + k + 1}`).join(', ')})`;
    });
    await c.query(
      `INSERT INTO ${schema}.${table} (${cols.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO UPDATE SET ${cols
        .slice(1)
        .map((x) => `${x} = EXCLUDED.${x}`)
        .join(', ')}`,
      values,
    );
  }
  const ms = performance.now() - t0;
  await c.end();
  return ms;
}

async function destination(table: string): Promise<number> {
  const d = new PostgresDestination(pgTarget({ url: URL }, {}), { table: `${schema}.${table}`, key: ['id'], create: false, record: undefined });
  const t0 = performance.now();
  for (let i = 0; i < N; i += PAGE) {
    const r = await d.write(records.slice(i, i + PAGE));
    if (r.accepted.length !== Math.min(PAGE, N - i)) throw new Error(`page ${i / PAGE}: ${r.rejected.length} rejected: ${r.rejected[0]?.reason}`);
  }
  await d.commit();
  return performance.now() - t0;
}

function sluiceRun(table: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-pg-'));
  try {
    writeFileSync(join(dir, 'in.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'f.flow'), `source file.jsonl with path = "in.jsonl" -> dest postgres.table with table = "${schema}.${table}", key = "id"\n`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [resolve('bin/sluice.js'), 'run', 'f.flow', '--format', 'json'], {
      cwd: dir,
      env: { ...process.env, SLUICE_HOME: join(dir, '.sluice'), SLUICE_POSTGRES_URL: URL },
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    const summary = JSON.parse(r.stdout) as { written: number };
    if (summary.written !== N) throw new Error(`sluice run wrote ${summary.written} of ${N}: ${r.stdout} ${r.stderr}`);
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rate = (ms: number) => Math.round(N / (ms / 1000));

await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
try {
  for (const t of ['b', 'd', 'r']) await admin(DDL(t));
  const b = await baseline('b');
  const d = await destination('d');
  const r = sluiceRun('r');
  console.log(`PostgreSQL destination, ${N.toLocaleString('en')} records upserted into an empty table (pages of ${PAGE}):`);
  console.log(`  plain pg, multi-row INSERT ... ON CONFLICT   ${rate(b).toLocaleString('en').padStart(9)} rows/s  (${(b / 1000).toFixed(2)} s)`);
  console.log(`  PostgresDestination.write()                  ${rate(d).toLocaleString('en').padStart(9)} rows/s  (${(d / 1000).toFixed(2)} s)  ratio ${(b / d).toFixed(2)}x`);
  console.log(`  sluice run (jsonl file -> postgres.table)    ${rate(r).toLocaleString('en').padStart(9)} rows/s  (${(r / 1000).toFixed(2)} s)  ratio ${(b / r).toFixed(2)}x (process start and file reading included)`);
} finally {
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
