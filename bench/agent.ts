// `npm run bench:agent`: 100 deployed flows on one Pipedrive connection, each on a 1-second schedule,
// for a minute, against the sandbox at plan premium (100 requests per 2 s per token).
//
// The flows ask for 100 requests a second, twice what the plan allows, so this measures what the
// agent is for: the one rate limiter the process shares keeps every flow within the plan (target:
// no 429 at all), a flow whose run waits on the limiter past its next due time is skipped rather
// than run twice, and the scheduler still starts runs on time (the delay from due time to start).
//
// The sandbox runs in this process; the agent is a real `sluice agent start` process, built from the
// current sources (the script builds first). Each flow writes the changes of its run to its own JSON
// lines file (replaced per run: appending copies the whole file each time, which would measure the
// disk rather than the agent).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN, ROOT } from './common.js';
import { DEFAULT_SANDBOX_TOKEN, startSandbox } from '../src/sandbox/index.js';

const FLOWS = Number(process.env.BENCH_FLOWS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);

interface Status {
  runs: { started: number; succeeded: number; failed: number; skipped: number; interrupted: number; ticks: number; delay_ms: { p50: number | null; p95: number | null; p99: number | null; max: number | null } };
  http: { requests: number; retries: number; rateLimitWaits: number; waitedMs: number; status429: number } | null;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const sb = await startSandbox({ plan: 'premium', clock: 'ticking' });
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-agent-'));
  const env = {
    ...process.env,
    NO_COLOR: '1',
    SLUICE_HOME: join(dir, '.sluice'),
    SLUICE_CONFIG_DIR: join(dir, 'config'),
    SLUICE_PIPEDRIVE_URL: sb.url,
    SLUICE_PIPEDRIVE_TOKEN: DEFAULT_SANDBOX_TOKEN,
    SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
  };
  const flows = Array.from({ length: FLOWS }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return `flow persons_${n} {
  schedule every 1s
  source pipedrive.persons since ~{CreatedDate}~
    -> map { id: id, name: name, updated: update_time }
    -> dest file.jsonl with path = "out/persons_${n}.jsonl"
}
`;
  });
  writeFileSync(join(dir, 'bench.flow'), flows.join('\n'));

  // BENCH_PROFILE=DIR writes a CPU profile of the agent there (open it in Chrome's DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.BENCH_PROFILE)}`] : [];
  const agent = spawn(process.execPath, [...profile, BIN, 'agent', 'start', '--port', '0', '--stop-timeout', '10'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  agent.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<number | null>((r) => agent.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    agent.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /agent listening on (\S+)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    void exited.then((code) => reject(new Error(`the agent exited (${code}):\n${log}`)));
  });
  const token = (JSON.parse(readFileSync(join(dir, '.sluice', 'agent.json'), 'utf8')) as { token: string }).token;
  const status = async (): Promise<Status> => (await (await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as Status;

  console.log(`agent: ${FLOWS} flows, every 1s, for ${SECONDS} s against the sandbox (plan premium: 100 requests / 2 s)`);
  // The minute starts with the deploy: the first runs start as it is answered.
  const t0 = performance.now();
  const deploy = spawn(process.execPath, [BIN, 'deploy', 'bench.flow'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deployed = await new Promise<number | null>((r) => deploy.on('exit', (code) => r(code)));
  if (deployed !== 0) throw new Error(`deploy failed (${deployed})`);
  for (let s = 10; s <= SECONDS; s += 10) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + s * 1000 - performance.now())));
    const st = await status();
    console.log(`  ${String(s).padStart(3)} s: ${st.runs.succeeded} runs succeeded, ${st.runs.skipped} skipped, ${st.http?.status429 ?? 0} 429s, delay p95 ${st.runs.delay_ms.p95} ms`);
  }
  const final = await status();
  const elapsed = (performance.now() - t0) / 1000;
  agent.kill('SIGTERM');
  const code = await exited;
  const sandbox = sb.stats();
  await sb.close();

  const r = final.runs;
  const lines = [
    '',
    `runs completed           ${r.succeeded} succeeded (${(r.succeeded / elapsed).toFixed(1)}/s), ${r.failed} failed, ${r.skipped} skipped (previous run still going), ${r.interrupted} interrupted`,
    `due times                ${r.ticks} in ${elapsed.toFixed(1)} s (${FLOWS} flows, every 1 s)`,
    `429s seen                ${sandbox.byStatus['429'] ?? 0} by the sandbox, ${final.http?.status429 ?? 0} by the agent (target 0)`,
    `requests                 ${sandbox.requests} to the sandbox (${(sandbox.requests / elapsed).toFixed(1)}/s; the plan allows 50/s), ${final.http?.rateLimitWaits ?? 0} waits on the shared limiter`,
    `scheduling delay         p50 ${r.delay_ms.p50} ms, p95 ${r.delay_ms.p95} ms, p99 ${r.delay_ms.p99} ms, max ${r.delay_ms.max} ms`,
    `agent exit on SIGTERM    ${code}`,
  ];
  console.log(lines.join('\n'));
  if (r.failed > 0) console.log(`\nfailures in the agent's log:\n${log.split('\n').filter((l) => / failed/.test(l)).slice(0, 5).join('\n')}`);
  process.exitCode = code === 0 && (sandbox.byStatus['429'] ?? 0) === 0 && r.failed === 0 ? 0 : 1;
}

await main();
