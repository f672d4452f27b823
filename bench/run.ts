// `npm run bench`: the benchmarks of issue 6, each printed as a ratio measured in this same run.
//
// 1. Rate-limited read (bench/rate-limited-read.ts): 200 pages of 500 persons from the sandbox at
//    plan premium, against the ideal of pages / allowed requests per second; and the same job with
//    the official client (pipedrive@31), its time and its 429s.
// 2. Unthrottled pipeline: 100,000 persons from a sandbox process at plan unlimited, `map`, then
//    `file.jsonl`: records per second of `sluice run` (the bundled CLI, a process) against a script
//    using the official client doing the same (a process too).
// 3. Memory: 1,000,000 persons from a sandbox process through `map` to `file.jsonl`: the peak RSS
//    of the `sluice run` process, against the peak at 100,000 (target: both under 120 MB).
//    What a long run adds to the process at rest is V8's young generation grown to its maximum
//    (32 MB) and old space filled between full collections by what minor collections promote
//    (about 28 MB of old space at the peak, 12 MB of it live). BENCH_MEM_TRACE=1 shows each peak's
//    parts; `--trace-gc-nvp` the promoted bytes.
// 4. Daily-budget tokens (bench/tokens.ts): a full read of 100,000 persons and an incremental run
//    with 100 changes, on API v1 and v2.
//
// Env: BENCH_SKIP=1,3 skips benchmarks by number; BENCH_PERSONS (default 100000), BENCH_RECORDS
// (default 1000000) change the sizes of 2 and 3; BENCH_TOKEN_PERSONS (default 100000) that of 4.
// BENCH_MEM_TRACE=1 takes each peak of 3 apart (bench/memory-trace.mjs; sampling costs a little).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as rateLimitedRead } from './rate-limited-read.js';
import { main as tokens } from './tokens.js';
import { BIN, fmt, log, median, ROOT, TOKEN } from './common.js';
// @ts-expect-error: a plain JS module (node preloads it without the TypeScript loader), untyped.
import { peakOf } from './memory-trace.mjs';

const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));

interface Measured {
  ms: number;
  /** Peak resident set size of the process, KB. */
  peakKb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME) && spawnSync(TIME, ['-f', '%M', 'true']).status === 0;

/** Runs a process to its end: wall time, and peak RSS from GNU time (else /proc/PID/status VmHWM, polled). */
async function measure(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Measured> {
  const env = { ...process.env, NO_COLOR: '1', ...options.env };
  const started = performance.now();
  const child = haveTime ? spawn(TIME, ['-f', 'BENCH_PEAK_RSS_KB=%M', process.execPath, ...args], { cwd: options.cwd, env }) : spawn(process.execPath, args, { cwd: options.cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let polled = 0;
  const poll = haveTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polled = Math.max(polled, Number(m[1]));
        } catch {
          // Gone already.
        }
      }, 5);
  const [code] = (await once(child, 'close')) as [number | null];
  const ms = performance.now() - started;
  if (poll) clearInterval(poll);
  let peakKb = polled;
  const m = /BENCH_PEAK_RSS_KB=(\d+)/.exec(stderr);
  if (m) {
    peakKb = Number(m[1]);
    stderr = stderr.replace(m[0], '').trim();
  }
  return { ms, peakKb, code, stdout, stderr };
}

function check(m: Measured, what: string): Measured {
  if (m.code !== 0) throw new Error(`${what} exited ${m.code}:\n${m.stdout}\n${m.stderr}`);
  return m;
}

interface SandboxProcess {
  url: string;
  stop(): Promise<void>;
  peakKb(): number;
}

/** `sluice sandbox pipedrive` as a process, at plan unlimited (no rate-limit headers). */
async function sandboxProcess(persons: number, dir: string): Promise<SandboxProcess> {
  const args = [BIN, 'sandbox', 'pipedrive', '--port', '0', '--plan', 'unlimited', '--persons', String(persons), '--clock', 'frozen'];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.resume();
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
    peakKb() {
      try {
        return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        return 0;
      }
    },
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** Reads every page once, so that each contender reads from the sandbox's serialisation cache. */
async function warm(url: string, persons: number): Promise<void> {
  let next = 0;
  const pages = Math.ceil(persons / 500);
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < pages) {
        const res = await fetch(`${url}/api/v1/persons?start=${next++ * 500}&limit=500`, { headers: { 'x-api-token': TOKEN } });
        await res.arrayBuffer();
      }
    }),
  );
}

/**
 * The same job written the way a user would with the official client: a loop over pages, map,
 * append. It reads persons through v2 as Sluice's `auto` connection does, so both write the same.
 */
const OFFICIAL_SCRIPT = `import { appendFileSync, writeFileSync } from 'node:fs';
const { v2 } = await import(process.env.PIPEDRIVE_MODULE);
const api = new v2.PersonsApi(new v2.Configuration({ apiKey: process.env.PIPEDRIVE_TOKEN, basePath: process.env.PIPEDRIVE_URL + '/api/v2' }));
const file = process.env.OUT_FILE;
writeFileSync(file, '');
let cursor;
for (;;) {
  const res = await api.getPersons({ limit: 500, ...(cursor ? { cursor } : {}) });
  let lines = '';
  for (const p of res.data ?? []) {
    const email = (p.emails ?? []).find((e) => e.primary) ?? (p.emails ?? [])[0];
    lines += JSON.stringify({ id: p.id, name: p.name, email: email ? email.value : null }) + '\\n';
  }
  appendFileSync(file, lines);
  cursor = res.additional_data?.next_cursor;
  if (!cursor) break;
}
`;

// An `auto` connection reads persons through v2, where the addresses are `emails`.
const PIPELINE_FLOW = 'source pipedrive.persons -> map { id: id, name: name, email: primary(emails) } -> dest file.jsonl with path = "sluice.jsonl"\n';

async function digest(file: string): Promise<{ lines: number; sha1: string }> {
  const h = createHash('sha1');
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    for (const b of chunk as Buffer) if (b === 10) lines++;
  }
  return { lines, sha1: h.digest('hex').slice(0, 12) };
}

/**
 * Lines and a digest of them in sorted order: both contenders write the same records, in the order
 * each read them (Sluice reads a whole read oldest first by update time, the official client by id).
 */
function sortedDigest(file: string): { lines: number; sha1: string } {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  lines.sort();
  return { lines: lines.length, sha1: createHash('sha1').update(lines.join('\n')).digest('hex').slice(0, 12) };
}

async function pipeline(): Promise<{ ratio: number; informedRatio: number }> {
  const persons = Number(process.env.BENCH_PERSONS ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const script = join(dir, 'official.mjs');
  writeFileSync(script, OFFICIAL_SCRIPT);
  writeFileSync(join(dir, 'f.flow'), PIPELINE_FLOW);
  const pipedriveModule = createRequire(join(ROOT, 'package.json')).resolve('pipedrive-v31');
  log(`2. Unthrottled pipeline: ${fmt(persons)} persons, sandbox process at plan unlimited, map -> file.jsonl; each contender a process`);
  const results: { name: string; ms: number; peakKb: number }[] = [];
  const run = async (sb: SandboxProcess, label: string, times: number, plan?: string): Promise<{ sluice: number; official: number; peakKb: number }> => {
    const env = {
      ...(plan ? { SLUICE_PIPEDRIVE_PLAN: plan } : {}),
      SLUICE_PIPEDRIVE_URL: sb.url,
      SLUICE_PIPEDRIVE_TOKEN: TOKEN,
      SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
      SLUICE_CONFIG_DIR: join(dir, 'config'),
      SLUICE_HOME: join(dir, 'home'),
    };
    const s: Measured[] = [];
    const o: Measured[] = [];
    for (let i = 0; i < times; i++) {
      s.push(check(await measure([BIN, 'run', 'f.flow'], { cwd: dir, env }), 'sluice run'));
      o.push(check(await measure([script], { cwd: dir, env: { PIPEDRIVE_MODULE: pipedriveModule, PIPEDRIVE_TOKEN: TOKEN, PIPEDRIVE_URL: sb.url, OUT_FILE: join(dir, 'official.jsonl') } }), 'official client script'));
    }
    const [a, b] = [sortedDigest(join(dir, 'sluice.jsonl')), sortedDigest(join(dir, 'official.jsonl'))];
    if (a.lines !== persons || a.sha1 !== b.sha1) throw new Error(`outputs differ: sluice ${a.lines} lines ${a.sha1}, official ${b.lines} lines ${b.sha1}`);
    const sluice = median(s.map((x) => x.ms));
    const official = median(o.map((x) => x.ms));
    const peakKb = median(s.map((x) => x.peakKb));
    results.push({ name: `sluice run (${label})`, ms: sluice, peakKb }, { name: `official pipedrive@31 script (${label})`, ms: official, peakKb: median(o.map((x) => x.peakKb)) });
    log(`   ${label}:`);
    log(`     ${'sluice run'.padEnd(30)} ${fmt(sluice / 1000, 2).padStart(6)} s  ${fmt((persons / sluice) * 1000).padStart(7)} records/s  peak RSS ${fmt(peakKb / 1024)} MB`);
    log(`     ${'official pipedrive@31 script'.padEnd(30)} ${fmt(official / 1000, 2).padStart(6)} s  ${fmt((persons / official) * 1000).padStart(7)} records/s  peak RSS ${fmt(median(o.map((x) => x.peakKb)) / 1024)} MB`);
    log(`     identical output (${fmt(a.lines)} lines, sha1 ${a.sha1})`);
    return { sluice, official, peakKb };
  };

  let t = performance.now();
  const plain = await sandboxProcess(persons, dir);
  await warm(plain.url, persons);
  log(`   sandbox started and warmed in ${fmt((performance.now() - t) / 1000, 1)} s`);
  let asIs: { sluice: number; official: number };
  let informed: { sluice: number; official: number };
  try {
    asIs = await run(plain, "connection without a plan: no rate-limit headers either, so Sluice keeps the safe default (lite, 10 requests/s); one run each", 1);
    informed = await run(plain, 'connection with plan unlimited (SLUICE_PIPEDRIVE_PLAN=unlimited, as a user of the sandbox sets it); median of 3', 3, 'unlimited');
    log(`     (the sandbox process itself: peak RSS ${fmt(plain.peakKb() / 1024)} MB, not counted)`);
  } finally {
    await plain.stop();
  }
  const ratio = asIs.official / asIs.sluice;
  const informedRatio = informed.official / informed.sluice;
  log(`   ratio sluice / official records per second: ${fmt(ratio, 2)} without a plan; ${fmt(informedRatio, 2)} with plan unlimited (target >= 2: ${informedRatio >= 2 ? 'met' : 'NOT met'})`);
  rmSync(dir, { recursive: true, force: true });
  return { ratio, informedRatio };
}

async function memory(): Promise<{ peakMb: number; smallPeakMb: number; ratio: number }> {
  const big = Number(process.env.BENCH_RECORDS ?? 1_000_000);
  const small = Math.round(big / 10);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-mem-'));
  log(`3. Memory: persons from a sandbox process (plan unlimited) through map -> file.jsonl; peak RSS of the sluice run process`);
  log(`   (the sandbox is a process of its own, so what it holds is not counted)`);
  const t = performance.now();
  const sb = await sandboxProcess(big, dir);
  log(`   sandbox with ${fmt(big)} persons started in ${fmt((performance.now() - t) / 1000, 1)} s`);
  const flow = (limit: number, out: string) => `source pipedrive.persons where limit = ${limit} -> map { id: id, name: name, email: primary(emails), org: org_id } -> dest file.jsonl with path = "${out}"\n`;
  writeFileSync(join(dir, 'small.flow'), flow(small, 'small.out.jsonl'));
  writeFileSync(join(dir, 'big.flow'), flow(big, 'big.out.jsonl'));
  writeFileSync(join(dir, 'tiny.flow'), flow(10, 'tiny.out.jsonl'));
  const env = {
    SLUICE_PIPEDRIVE_PLAN: 'unlimited',
    SLUICE_PIPEDRIVE_URL: sb.url,
    SLUICE_PIPEDRIVE_TOKEN: TOKEN,
    SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
    SLUICE_CONFIG_DIR: join(dir, 'config'),
    SLUICE_HOME: join(dir, 'home'),
  };
  const trace = process.env.BENCH_MEM_TRACE === '1';
  const peak = async (name: string, n: number): Promise<Measured> => {
    const runs: (Measured & { trace?: string })[] = [];
    for (let i = 0; i < 2; i++) {
      // A fresh state each time: every run reads everything.
      rmSync(join(dir, 'home'), { recursive: true, force: true });
      const out = join(dir, `${name}.${i}.mem.tsv`);
      const args = trace ? ['--import', join(ROOT, 'bench', 'memory-trace.mjs'), BIN, 'run', `${name}.flow`] : [BIN, 'run', `${name}.flow`];
      const m = check(await measure(args, { cwd: dir, env: trace ? { ...env, MEM_TRACE_OUT: out } : env }), `sluice run ${name}`);
      runs.push(trace ? { ...m, trace: readFileSync(out, 'utf8') } : m);
    }
    const m = runs.sort((a, b) => a.peakKb - b.peakKb)[1];
    log(`   ${`${fmt(n)} persons`.padEnd(20)} peak RSS ${fmt(m.peakKb / 1024, 1).padStart(6)} MB   ${fmt(m.ms / 1000, 2).padStart(6)} s   ${fmt((n / m.ms) * 1000).padStart(9)} records/s`);
    const p = m.trace ? (peakOf(m.trace) as Record<string, number> | undefined) : undefined;
    if (p) {
      const mb = (k: number): string => fmt(k / 1024, 1);
      const heap = p.young + p.old + p.other_heap;
      log(
        `   ${''.padEnd(20)} at the sampled peak ${mb(p.rss)} MB: files ${mb(p.file)} (node binary, libraries), V8 young ${mb(p.young)}, old ${mb(p.old)} (${mb(p.old_used)} used), other heap ${mb(p.other_heap)}, the rest of anonymous (about) ${mb(Math.max(0, p.anon - heap))} (malloc, threads; external ${mb(p.external)})`,
      );
    }
    return m;
  };
  try {
    const tiny = await peak('tiny', 10);
    const s = await peak('small', small);
    const b = await peak('big', big);
    const out = await digest(join(dir, 'big.out.jsonl'));
    if (out.lines !== big) throw new Error(`expected ${big} lines, found ${out.lines}`);
    const ratio = b.peakKb / s.peakKb;
    const peakMb = b.peakKb / 1024;
    const smallPeakMb = s.peakKb / 1024;
    const under = (mb: number): string => (mb < 120 ? 'met' : 'NOT met');
    log(`   peak RSS at ${fmt(small)}: ${fmt(smallPeakMb, 1)} MB, at ${fmt(big)}: ${fmt(peakMb, 1)} MB (target < 120 for both: ${under(smallPeakMb)}, ${under(peakMb)}); ${fmt(big)} / ${fmt(small)}: ${fmt(ratio, 2)}x; the process at rest (10 persons): ${fmt(tiny.peakKb / 1024, 1)} MB`);
    log(`   (the sandbox process itself: peak RSS ${fmt(sb.peakKb() / 1024)} MB, not counted)`);
    return { peakMb, smallPeakMb, ratio };
  } finally {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function mainBench(): Promise<void> {
  const t0 = performance.now();
  // The benchmarks run the bundled CLI: build it from the sources first.
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  log(`Sluice benchmarks (node ${process.version}, peak RSS from ${haveTime ? 'GNU time' : '/proc/PID/status VmHWM'})`);
  log();
  const summary: string[] = [];
  if (!skip.has('1')) {
    log('1. Rate-limited read');
    const r = await rateLimitedRead({ log: (line) => log(`   ${line}`) });
    const [sluice] = r.runs;
    const official = r.runs.find((x) => x.name.startsWith('official'))!;
    summary.push(
      `1. rate-limited read: sluice ideal/actual ${fmt(sluice.ratio, 2)} (target >= 0.95) with ${sluice.rateLimited} 429s; official client ${fmt(official.ms / 1000, 2)} s with ${official.rateLimited} 429s (sluice ${fmt(official.ms / sluice.ms, 2)}x faster)`,
    );
    log();
  }
  if (!skip.has('2')) {
    const r = await pipeline();
    summary.push(`2. unthrottled pipeline: sluice / official records per second ${fmt(r.informedRatio, 2)}x with plan unlimited, ${fmt(r.ratio, 2)}x without a plan (target >= 2)`);
    log();
  }
  if (!skip.has('3')) {
    const r = await memory();
    const n = Number(process.env.BENCH_RECORDS ?? 1_000_000);
    summary.push(`3. memory: peak RSS ${fmt(r.smallPeakMb, 1)} MB at ${fmt(n / 10)} persons, ${fmt(r.peakMb, 1)} MB at ${fmt(n)} (target < 120), ${fmt(r.ratio, 2)}x`);
    log();
  }
  if (!skip.has('4')) {
    log('4. Daily-budget tokens');
    const [v1, v2] = await tokens({ bin: BIN, log: (line) => log(`   ${line}`) });
    summary.push(
      `4. tokens: full read v1 ${fmt(v1.full.tokens)} / v2 ${fmt(v2.full.tokens)} (v2 ${fmt(v2.full.tokens / v1.full.tokens, 2)}x, expect 0.5); incremental with 100 changes v1 ${fmt(v1.incremental.tokens)} in ${v1.incremental.requests} request(s) / v2 ${fmt(v2.incremental.tokens)} in ${v2.incremental.requests} (expect one page)`,
    );
    log();
  }
  log('Summary');
  for (const line of summary) log(`  ${line}`);
  log(`  (all in ${fmt((performance.now() - t0) / 1000, 0)} s)`);
}

mainBench().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
