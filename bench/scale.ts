// `npm run bench:scale`: queue mode with 1, 2 and 4 workers on one Pipedrive token, in two cases:
//
// - `api`: plan lite (10 requests/s) and flows that do little per record, so that the API is the
//   bound: the workers together should reach the plan's ceiling (target >= 0.95) with no 429,
//   however many they are.
// - `cpu`: plan premium (50 requests/s) with CPU-heavy flows (a map of string work on every record):
//   on a small machine the CPU is the bound, the share of the ceiling is lower and the throughput
//   ratio vs 1 worker is what moves (as far as the machine has cores).
//
// Each round deploys FLOWS flows that each read every person and write them to a JSON lines file,
// triggers them all at once and waits for every run to succeed. Printed per round: records/s, the
// ratio to 1 worker, the 429s the sandbox answered (target 0), and the share of the plan's ceiling:
// requests/s over the round (trigger to the last run's end, queue and start-up included) against
// burst/window; and the stricter share of what the plan allows over the busy span (the sandbox's
// first to last request: a burst at once, then a burst per window), which is what the rate limit
// decides. Each request holds its place until one window after its answer, so a page's latency
// (tens of ms for 500 records on a busy machine) is what keeps the strict share below 1.
// BENCH_CASE=api|cpu picks one case; BENCH_WORKERS=1,2 picks the rounds; BENCH_API_RECORDS (default
// 50,000) and BENCH_CPU_RECORDS (default 100,000) the persons read by each flow.
//
// Needs Redis and PostgreSQL (SLUICE_TEST_REDIS / SLUICE_TEST_POSTGRES, default the local services).
// The sandbox runs in this process; the agent and the workers are real processes built from the
// current sources (the script builds first).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './common.js';
import pg from 'pg';
import { Redis } from 'ioredis';
import { DEFAULT_SANDBOX_TOKEN, startSandbox } from '../src/sandbox/index.js';
import { PLAN_LIMITS, WINDOW_MS } from '../src/sandbox/rate-limit.js';

/** The cpu case's flow: string work on every record. */
const heavyFlow = (i: number) => `flow heavy${i} {
  source pipedrive.persons
    -> map { id: id, name: name, a: upper(name) + lower(name) + upper(name), b: lower(trim(name + " " + to_string(id))), c: len(name) * 3 + id, d: concat(upper(name), "-", lower(name), to_string(id)) }
    -> dest file.jsonl with path = "out/heavy${i}.jsonl"
}
`;
/** The api case's flow: little work per record, so that nothing but the API holds it back. */
const lightFlow = (i: number) => `flow heavy${i} {
  source pipedrive.persons
    -> map { id: id, name: name }
    -> dest file.jsonl with path = "out/heavy${i}.jsonl"
}
`;

type Plan = 'lite' | 'growth' | 'premium' | 'ultimate';
interface Case {
  name: 'api' | 'cpu';
  plan: Plan;
  records: number;
  /** What bounds the throughput by design (printed, so that the share is read against the right target). */
  bound: string;
  flow: (i: number) => string;
}
const CASES: Case[] = [
  { name: 'api', plan: 'lite', records: Number(process.env.BENCH_API_RECORDS ?? 50_000), bound: 'the API (target share >= 0.95)', flow: lightFlow },
  { name: 'cpu', plan: 'premium', records: Number(process.env.BENCH_CPU_RECORDS ?? 100_000), bound: 'the CPU on a small machine (the share is not the target here)', flow: heavyFlow },
].filter((c) => !process.env.BENCH_CASE || process.env.BENCH_CASE === c.name) as Case[];
const FLOWS = Number(process.env.BENCH_FLOWS ?? 4);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const PG_URL = process.env.SLUICE_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.SLUICE_TEST_REDIS || 'redis://127.0.0.1:6379';

function start(args: string[], env: NodeJS.ProcessEnv, cwd: string, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve_, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve_(child);
    });
    child.on('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${err}`)));
  });
}

interface Round {
  workers: number;
  seconds: number;
  records: number;
  requests: number;
  r429: number;
  /** From the sandbox's first request of the round to its last. */
  busySeconds: number;
}

async function round(workers: number, sb: Awaited<ReturnType<typeof startSandbox>>, c: Case): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-scale-'));
  const schema = `bench_scale_${process.pid}_${workers}`;
  const prefix = `sluicebench:${process.pid}:${workers}`;
  const state = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const env = {
    ...process.env,
    NO_COLOR: '1',
    SLUICE_HOME: join(dir, '.sluice'),
    SLUICE_CONFIG_DIR: join(dir, 'config'),
    SLUICE_PIPEDRIVE_URL: sb.url,
    SLUICE_PIPEDRIVE_TOKEN: DEFAULT_SANDBOX_TOKEN,
    SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
    SLUICE_PIPEDRIVE_API_VERSION: 'v2',
    SLUICE_PIPEDRIVE_PLAN: c.plan,
    SLUICE_REDIS_PREFIX: prefix,
  };
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  const procs: ChildProcess[] = [];
  try {
    const agent = await start(['agent', 'start', '--queue', REDIS_URL, '--state', state], env, dir, /agent listening on (\S+)/);
    procs.push(agent);
    const { url, token } = JSON.parse(readFileSync(join(dir, '.sluice', 'agent.json'), 'utf8')) as { url: string; token: string };
    for (let w = 0; w < workers; w++) procs.push(await start(['worker', '--queue', REDIS_URL, '--state', state, '--concurrency', String(FLOWS)], env, dir, /ready \(pid/));
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${path}: ${await r.text()}`);
    };
    for (let i = 0; i < FLOWS; i++) await post('/api/deployments', { text: c.flow(i), file_name: `heavy${i}.flow`, base_dir: dir });
    sb.resetStats();
    sb.resetRateLimits();
    const t0 = performance.now();
    // The busy span, sampled: the first sample with a request, the last one whose count moved.
    let first: number | undefined;
    let last = t0;
    let seen = 0;
    const sampler = setInterval(() => {
      const n = sb.stats().requests;
      if (n > seen) {
        first ??= performance.now();
        last = performance.now();
        seen = n;
      }
    }, 20);
    try {
      for (let i = 0; i < FLOWS; i++) await post(`/api/deployments/heavy${i}/trigger`, {});
      for (;;) {
        const r = await db.query<{ done: number; failed: number; written: number }>(
          `SELECT COUNT(*) FILTER (WHERE status = 'succeeded')::int AS done, COUNT(*) FILTER (WHERE status = 'failed')::int AS failed, COALESCE(SUM(written_count), 0)::int AS written FROM ${schema}.runs`,
        );
        if (r.rows[0].failed > 0) throw new Error(`a run failed: ${JSON.stringify((await db.query(`SELECT error FROM ${schema}.runs WHERE status = 'failed'`)).rows)}`);
        if (r.rows[0].done === FLOWS) {
          const seconds = (performance.now() - t0) / 1000;
          const stats = sb.stats();
          return { workers, seconds, records: r.rows[0].written, requests: stats.requests, r429: stats.rateLimited, busySeconds: (last - (first ?? t0)) / 1000 };
        }
        await new Promise((res) => setTimeout(res, 100));
      }
    } finally {
      clearInterval(sampler);
    }
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

async function runCase(c: Case): Promise<void> {
  const sb = await startSandbox({ plan: c.plan, clock: 'ticking', persons: c.records, deals: 0, leads: 0, activities: 0, notes: 0, organizations: 0 });
  const ceiling = PLAN_LIMITS[c.plan].burst / (WINDOW_MS / 1000);
  console.log(`case ${c.name}: ${FLOWS} flows x ${c.records} persons, ${c.name === 'cpu' ? 'map-heavy' : 'light map'}, one token at ${c.plan} (ceiling ${ceiling} requests/s); the bound: ${c.bound}`);
  const results: Round[] = [];
  try {
    for (const w of WORKERS) {
      const r = await round(w, sb, c);
      results.push(r);
      const base = results[0];
      const rate = r.records / r.seconds;
      // The most the plan allows from a first request to a last one S seconds later: a burst at once,
      // then a burst per window (a rate over the span alone would credit us with that first burst).
      const allowed = PLAN_LIMITS[c.plan].burst * (r.busySeconds / (WINDOW_MS / 1000) + 1);
      const busyShare = r.requests / allowed;
      console.log(
        `  ${String(r.workers).padStart(2)} worker(s): ${r.seconds.toFixed(1)} s, ${Math.round(rate)} records/s, ratio vs ${base.workers} worker: ${(rate / (base.records / base.seconds)).toFixed(2)}, ` +
          `requests ${r.requests}, share of the plan's ceiling ${(r.requests / r.seconds / ceiling).toFixed(3)} over the round, ${busyShare.toFixed(3)} of what it allows over the busy span (${r.busySeconds.toFixed(1)} s), 429: ${r.r429}, load ${loadavg()[0].toFixed(2)}`,
      );
    }
  } finally {
    await sb.close();
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  console.log(`bench:scale: ${cpus().length} CPUs, load ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  for (const c of CASES) await runCase(c);
}

await main();
