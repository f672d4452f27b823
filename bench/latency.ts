// `npm run bench:latency`: how close Sluice comes to the plan's ceiling when every answer is slow.
//
// The sandbox runs as a process at plan premium (100 requests per rolling 2 s) with `--latency` 50,
// 200 and 500 ms added to every answer. Four jobs, each done by `sluice run` (a process) and by the
// loop a competent user writes with the official client (the `pipedrive` package, a process too,
// retrying a 429 after `x-ratelimit-reset`; pipedrive@31 for the v1 read, which @33 dropped):
//   read v1   20,000 persons, v1 offset pages, to JSONL
//   read v2   20,000 persons, v2 cursor pages, to JSONL
//   leads     POST 300 leads
//   lookups   2,000 records, each looked up by person id (Sluice batches them, `ids=`)
// For each: both times, the plan's ceiling (the requests the job needs / the burst per 2 s) and
// Sluice's share of it (ceiling / time), the 429s each got, and for lookups the requests each sent.
// Times are the jobs' own (Sluice's run duration, the loop from its first request to its last), so
// that the start of a Node process is in neither; the processes' wall times are printed beside.
//
// Before the jobs at each latency, the sandbox is warmed up (its code compiled, its JSON cached) and
// measured alone: every page of the read fetched at once by a bare client, the ideal no reader can
// beat on this machine (latency plus the sandbox's own work). The machine's load is printed beside
// every latency: the sandbox, Sluice and the official client share its cores.
//
// Each Sluice job runs BENCH_REPEAT times (default 3), each from an empty state and an empty rate
// window, and its median is what is compared (the range is printed beside): a run of about a second
// shares two cores with the sandbox, and one sample of it can be off by a quarter either way. The
// official loop runs once: it waits out one round trip after another for seconds, and its time
// hardly varies.
//
// Env: BENCH_LATENCIES (default 50,200,500), BENCH_JOBS (default all: read-v1,read-v2,leads,lookups),
// BENCH_PERSONS (20000), BENCH_LEADS (300), BENCH_LOOKUPS (2000), BENCH_REPEAT (3).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { BIN, fmt, log, ROOT, TOKEN } from './common.js';

const BURST = 100;
const WINDOW_S = 2;
const latencies = (process.env.BENCH_LATENCIES ?? '50,200,500').split(',').map(Number);
const PERSONS = Number(process.env.BENCH_PERSONS ?? 20_000);
const LEADS = Number(process.env.BENCH_LEADS ?? 300);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 2_000);
const JOBS = process.env.BENCH_JOBS?.split(',').map((s) => s.trim()).filter(Boolean);
const REPEAT = Math.max(1, Math.floor(Number(process.env.BENCH_REPEAT ?? 3)) || 3);

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

async function run(args: string[], cwd: string, env: Record<string, string>): Promise<Proc> {
  const t = performance.now();
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr, wallMs: performance.now() - t };
}

async function sandboxProcess(latency: number, dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const args = [BIN, 'sandbox', 'pipedrive', '--port', '0', '--plan', 'premium', '--latency', String(latency), '--persons', String(PERSONS), '--leads', '0', '--clock', 'frozen'];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}: ${out}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Every v1 page of the persons at once with a bare client (fetch), bodies parsed: the sandbox alone. */
async function sandboxAlone(url: string, pages: number): Promise<number> {
  const t = performance.now();
  await Promise.all(
    Array.from({ length: pages }, async (_, k) => {
      const res = await fetch(`${url}/api/v1/persons?start=${k * 500}&limit=500`, { headers: { 'x-api-token': TOKEN } });
      if (!res.ok) throw new Error(`sandbox alone: page ${k} answered ${res.status}`);
      await res.json();
    }),
  );
  return performance.now() - t;
}

/** Every v2 page once, one cursor after another: the sandbox builds and caches each record's v2 JSON. */
async function warmV2(url: string): Promise<void> {
  let cursor: string | null = null;
  do {
    const res = await fetch(`${url}/api/v2/persons?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: { 'x-api-token': TOKEN } });
    if (!res.ok) throw new Error(`v2 warm-up answered ${res.status}`);
    const body = (await res.json()) as { additional_data?: { next_cursor?: string | null } };
    cursor = body.additional_data?.next_cursor ?? null;
  } while (cursor);
}

// The official client's loop for each job. Prints {ms, requests, rateLimited} on stdout.
const OFFICIAL = `import { writeFileSync, appendFileSync } from 'node:fs';
const { v1, v2 } = await import(process.env.PIPEDRIVE_MODULE);
// pipedrive@33 no longer lists persons through v1: the v1 read uses pipedrive@31, as users of v1 do.
const { v1: v1Old } = await import(process.env.PIPEDRIVE_V31_MODULE);
const conf = (v) => new (v === 'v1' ? v1 : v2).Configuration({ apiKey: process.env.PIPEDRIVE_TOKEN, basePath: process.env.PIPEDRIVE_URL + '/api/' + v });
let requests = 0, rateLimited = 0;
// A 429 waits until the window resets, as the server says, and asks again.
async function call(fn) {
  for (;;) {
    requests++;
    try {
      return await fn();
    } catch (err) {
      // pipedrive@33 rejects with axios' error; pipedrive@31 with the body and its status.
      const status = err?.response?.status ?? err?.status ?? err?.errorCode;
      if (status !== 429) throw err;
      rateLimited++;
      const headers = err?.response?.headers ?? err?.headers ?? {};
      const reset = Number((typeof headers.get === 'function' ? headers.get('x-ratelimit-reset') : headers['x-ratelimit-reset']) ?? 1);
      await new Promise((r) => setTimeout(r, Math.max(0.05, reset) * 1000));
    }
  }
}
const job = process.env.JOB;
const out = process.env.OUT_FILE;
const t0 = performance.now();
if (job === 'read-v1') {
  const api = new v1Old.PersonsApi(new v1Old.Configuration({ apiKey: process.env.PIPEDRIVE_TOKEN, basePath: process.env.PIPEDRIVE_URL + '/api/v1' }));
  writeFileSync(out, '');
  let start = 0;
  for (;;) {
    const res = await call(() => api.getPersons({ start, limit: 500 }));
    appendFileSync(out, (res.data ?? []).map((p) => JSON.stringify({ id: p.id, name: p.name }) + '\\n').join(''));
    const page = res.additional_data?.pagination;
    if (!page?.more_items_in_collection) break;
    start = page.next_start;
  }
} else if (job === 'read-v2') {
  const api = new v2.PersonsApi(conf('v2'));
  writeFileSync(out, '');
  let cursor;
  for (;;) {
    const res = await call(() => api.getPersons({ limit: 500, ...(cursor ? { cursor } : {}) }));
    appendFileSync(out, (res.data ?? []).map((p) => JSON.stringify({ id: p.id, name: p.name }) + '\\n').join(''));
    cursor = res.additional_data?.next_cursor;
    if (!cursor) break;
  }
} else if (job === 'leads') {
  const api = new v1.LeadsApi(conf('v1'));
  for (let i = 1; i <= Number(process.env.N); i++) await call(() => api.addLead({ AddLeadRequest: { title: 'Official lead ' + i, person_id: i } }));
} else if (job === 'lookups') {
  const api = new v2.PersonsApi(conf('v2'));
  writeFileSync(out, '');
  for (let i = 1; i <= Number(process.env.N); i++) {
    const res = await call(() => api.getPerson({ id: i }));
    appendFileSync(out, JSON.stringify({ person_id: i, name: res.data?.name ?? null }) + '\\n');
  }
}
console.log(JSON.stringify({ ms: performance.now() - t0, requests, rateLimited }));
`;

interface Job {
  name: string;
  flow: string;
  /** Requests the job needs at the least: what the ceiling is counted from. */
  needed: number;
  version?: 'v1' | 'v2';
  n?: number;
}

interface Result {
  latency: number;
  job: string;
  sluiceMs: number;
  sluiceMinMs: number;
  sluiceMaxMs: number;
  sluiceWallMs: number;
  officialMs: number;
  officialWallMs: number;
  ceilingMs: number;
  share: number;
  speedup: number;
  sluice429: number;
  official429: number;
  sluiceRequests: number;
  officialRequests: number;
  load?: string;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-latency-'));
  const officialScript = join(dir, 'official.mjs');
  writeFileSync(officialScript, OFFICIAL);
  const pipedriveModule = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('pipedrive')).href;
  const pipedriveV31Module = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('pipedrive-v31')).href;
  const pages = Math.ceil(PERSONS / 500);
  writeFileSync(join(dir, 'people.jsonl'), Array.from({ length: Math.max(LEADS, LOOKUPS) }, (_, i) => JSON.stringify({ person_id: i + 1 })).join('\n') + '\n');
  writeFileSync(join(dir, 'leads.jsonl'), Array.from({ length: LEADS }, (_, i) => JSON.stringify({ person_id: i + 1 })).join('\n') + '\n');
  writeFileSync(join(dir, 'lookups.jsonl'), Array.from({ length: LOOKUPS }, (_, i) => JSON.stringify({ person_id: i + 1 })).join('\n') + '\n');
  const jobs: Job[] = [
    { name: 'read-v1', version: 'v1', needed: pages, flow: 'source pipedrive.persons -> map { id: id, name: name } -> dest file.jsonl with path = "read-v1.jsonl"\n' },
    { name: 'read-v2', version: 'v2', needed: pages, flow: 'source pipedrive.persons -> map { id: id, name: name } -> dest file.jsonl with path = "read-v2.jsonl"\n' },
    {
      name: 'leads',
      n: LEADS,
      needed: LEADS,
      flow: 'source file.jsonl with path = "leads.jsonl" as { person_id: integer }\n  -> map { title: "Sluice lead " + to_string(person_id), person_id: person_id }\n  -> dest pipedrive.leads\n',
    },
    {
      name: 'lookups',
      n: LOOKUPS,
      version: 'v2',
      needed: Math.ceil(LOOKUPS / 100),
      flow: 'source file.jsonl with path = "lookups.jsonl" as { person_id: integer }\n  -> lookup person = pipedrive.persons.get where id = person_id\n  -> map { person_id: person_id, name: person.name }\n  -> dest file.jsonl with path = "lookups.out.jsonl"\n',
    },
  ];
  for (const j of jobs) writeFileSync(join(dir, `${j.name}.flow`), j.flow);
  const unknown = JOBS?.filter((n) => !jobs.some((j) => j.name === n)) ?? [];
  if (unknown.length) throw new Error(`BENCH_JOBS: no job ${unknown.join(', ')} (jobs: ${jobs.map((j) => j.name).join(', ')})`);
  const chosen = JOBS ? jobs.filter((j) => JOBS.includes(j.name)) : jobs;
  log(`Latency benchmark (node ${process.version}): sandbox process at plan premium (${BURST} requests per ${WINDOW_S} s), ${fmt(PERSONS)} persons`);
  log(`ceiling = requests the job needs / ${BURST} per ${WINDOW_S} s; share = ceiling / Sluice's median time; times are the jobs' own (Sluice's range in square brackets, process wall time in round ones)`);
  const results: Result[] = [];
  for (const latency of latencies) {
    const sb = await sandboxProcess(latency, dir);
    log();
    // Warm-up: the sandbox's first answers compile its code and fill its JSON cache (v1 and v2),
    // so that whichever contender comes first does not pay for it.
    await sandboxAlone(sb.url, pages);
    if (chosen.some((j) => j.version === 'v2')) await warmV2(sb.url);
    await sleep(WINDOW_S * 1000 + 200);
    const alone = await sandboxAlone(sb.url, pages);
    log(`--latency ${latency} ms (load ${load()}): sandbox alone, ${pages} pages at once: ${fmt(alone / 1000, 2)} s (share ${fmt(((pages / BURST) * WINDOW_S * 1000) / alone, 2)})`);
    log(`  ${'job'.padEnd(8)} ${`sluice (median of ${REPEAT})`.padStart(28)} ${'official loop'.padStart(20)} ${'ceiling'.padStart(8)} ${'share'.padStart(6)} ${'x loop'.padStart(7)} ${'429s'.padStart(9)} ${'requests'.padStart(13)}`);
    try {
      for (const j of chosen) {
        const runs: { summary: { duration_ms: number; written: number; http?: { requests: number; status429: number } }; wallMs: number }[] = [];
        for (let k = 0; k < REPEAT; k++) {
          const env = {
            SLUICE_PIPEDRIVE_URL: sb.url,
            SLUICE_PIPEDRIVE_TOKEN: TOKEN,
            SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
            SLUICE_PIPEDRIVE_PLAN: 'premium',
            SLUICE_CONFIG_DIR: join(dir, 'config'),
            // Each run from an empty state: a whole read, every lead sent.
            SLUICE_HOME: join(dir, `home-${latency}-${j.name}-${k}`),
            ...(j.version ? { SLUICE_PIPEDRIVE_API_VERSION: j.version } : {}),
          };
          // Each contender starts with an empty rate-limit window.
          await sleep(WINDOW_S * 1000 + 200);
          const s = await run([BIN, 'run', `${j.name}.flow`, '--format', 'json'], dir, env);
          if (s.code !== 0) throw new Error(`sluice run ${j.name} exited ${s.code}:\n${s.stdout}\n${s.stderr}`);
          runs.push({ summary: JSON.parse(s.stdout) as (typeof runs)[number]['summary'], wallMs: s.wallMs });
        }
        runs.sort((a, b) => a.summary.duration_ms - b.summary.duration_ms);
        const mid = runs[(runs.length - 1) >> 1];
        const summary = mid.summary;
        await sleep(WINDOW_S * 1000 + 200);
        const o = await run([officialScript], dir, { PIPEDRIVE_MODULE: pipedriveModule, PIPEDRIVE_V31_MODULE: pipedriveV31Module, PIPEDRIVE_TOKEN: TOKEN, PIPEDRIVE_URL: sb.url, JOB: j.name, N: String(j.n ?? 0), OUT_FILE: join(dir, `official-${j.name}.jsonl`) });
        if (o.code !== 0) throw new Error(`official ${j.name} exited ${o.code}:\n${o.stdout}\n${o.stderr}`);
        const official = JSON.parse(o.stdout.trim().split('\n').pop()!) as { ms: number; requests: number; rateLimited: number };
        const ceilingMs = (j.needed / BURST) * WINDOW_S * 1000;
        const r: Result = {
          latency,
          job: j.name,
          sluiceMs: summary.duration_ms,
          sluiceMinMs: runs[0].summary.duration_ms,
          sluiceMaxMs: runs[runs.length - 1].summary.duration_ms,
          sluiceWallMs: mid.wallMs,
          officialMs: official.ms,
          officialWallMs: o.wallMs,
          ceilingMs,
          share: ceilingMs / summary.duration_ms,
          speedup: official.ms / summary.duration_ms,
          // Any 429 in any run counts.
          sluice429: Math.max(...runs.map((x) => x.summary.http?.status429 ?? 0)),
          official429: official.rateLimited,
          sluiceRequests: summary.http?.requests ?? 0,
          officialRequests: official.requests,
        };
        results.push(r);
        r.load = load();
        log(
          `  ${j.name.padEnd(8)} ${`${fmt(r.sluiceMs / 1000, 2)} s [${fmt(r.sluiceMinMs / 1000, 2)}-${fmt(r.sluiceMaxMs / 1000, 2)}] (${fmt(r.sluiceWallMs / 1000, 1)})`.padStart(28)} ${`${fmt(r.officialMs / 1000, 2)} s (${fmt(r.officialWallMs / 1000, 1)})`.padStart(20)} ${`${fmt(ceilingMs / 1000, 2)} s`.padStart(8)} ${fmt(r.share, 2).padStart(6)} ${`${fmt(r.speedup, 1)}x`.padStart(7)} ${`${r.sluice429} / ${r.official429}`.padStart(9)} ${`${fmt(r.sluiceRequests)} / ${fmt(r.officialRequests)}`.padStart(13)}  load ${r.load}`,
        );
      }
    } finally {
      await sb.stop();
    }
  }
  log();
  log('targets at latency 200: reads and writes >= 0.8 of the ceiling, >= 5x the official loop, 0 x 429; lookups <= 1/50 of the requests of one-by-one');
  for (const r of results.filter((x) => x.latency === 200)) {
    const ok =
      r.job === 'lookups'
        ? r.sluiceRequests * 50 <= r.officialRequests && r.sluice429 === 0
        : r.share >= 0.8 && r.speedup >= 5 && r.sluice429 === 0;
    const what = r.job === 'lookups' ? `requests ${fmt(r.sluiceRequests)} / ${fmt(r.officialRequests)} = 1/${fmt(r.officialRequests / Math.max(1, r.sluiceRequests), 0)}` : `share ${fmt(r.share, 2)}, ${fmt(r.speedup, 1)}x the loop`;
    log(`  ${r.job.padEnd(8)} ${what}, ${r.sluice429} x 429: ${ok ? 'met' : 'NOT met'}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
