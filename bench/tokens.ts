// Daily-budget tokens a flow spends (issue 13): a full read of BENCH_TOKEN_PERSONS persons (default
// 100,000), then an incremental run after 100 of them changed, on API v1 and on v2, with `sluice run`
// (the bundled CLI) against an in-process sandbox. Tokens are Sluice's own count (each request's
// x-token-cost, from the standard library), requests the sandbox's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';

const FLOW = `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name, updated: date(update_time) }
  -> dest sqlite.table with db = "out/p.db", table = "p", key = "id"
`;

export interface TokenRun {
  version: 'v1' | 'v2';
  full: { tokens: number; requests: number; read: number };
  incremental: { tokens: number; requests: number; read: number; written: number };
}

interface Summary {
  status: string;
  read: number;
  written: number;
  error?: { message: string };
  http?: { requests: number; tokens?: number };
}

async function sluiceRun(bin: string, dir: string, env: Record<string, string>): Promise<Summary> {
  const child = spawn(process.execPath, [bin, 'run', 'p.flow', '--format', 'json'], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  await once(child, 'close');
  const s = JSON.parse(out) as Summary;
  if (s.status !== 'succeeded') throw new Error(`sluice run failed: ${s.error?.message ?? err}`);
  return s;
}

export async function main(o: { bin: string; log: (line: string) => void; persons?: number }): Promise<TokenRun[]> {
  const persons = o.persons ?? Number(process.env.BENCH_TOKEN_PERSONS ?? 100_000);
  const out: TokenRun[] = [];
  for (const version of ['v1', 'v2'] as const) {
    const sb = await startSandbox({ seed: 13, persons, deals: 0, leads: 0, activities: 0, notes: 0, plan: 'unlimited' });
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-tokens-'));
    try {
      writeFileSync(join(dir, 'p.flow'), FLOW);
      const env = {
        SLUICE_PIPEDRIVE_URL: sb.url,
        SLUICE_PIPEDRIVE_TOKEN: sb.token,
        SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
        SLUICE_PIPEDRIVE_API_VERSION: version,
        SLUICE_PIPEDRIVE_PLAN: 'unlimited',
        // A budget large enough never to stop the run, so that Sluice counts its tokens.
        SLUICE_PIPEDRIVE_DAILY_BUDGET: '100000000',
        SLUICE_CONFIG_DIR: join(dir, '.config'),
        SLUICE_HOME: join(dir, '.sluice'),
      };
      const full = await sluiceRun(o.bin, dir, env);
      sb.clock.advance(60_000);
      const all = sb.data.persons.all();
      for (let i = 0; i < 100; i++) sb.data.persons.update(all[Math.floor((i * all.length) / 100)].id, { name: `Changed ${i}` });
      const inc = await sluiceRun(o.bin, dir, env);
      const r: TokenRun = {
        version,
        full: { tokens: full.http?.tokens ?? 0, requests: full.http?.requests ?? 0, read: full.read },
        incremental: { tokens: inc.http?.tokens ?? 0, requests: inc.http?.requests ?? 0, read: inc.read, written: inc.written },
      };
      o.log(`${version}: full read of ${persons.toLocaleString('en-US')} persons ${r.full.tokens.toLocaleString('en-US')} tokens in ${r.full.requests} requests; incremental run with 100 changes ${r.incremental.tokens} tokens in ${r.incremental.requests} request(s), ${r.incremental.written} written`);
      out.push(r);
    } finally {
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
