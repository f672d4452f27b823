// Queue mode as real processes: `sluice agent start --queue` and `sluice worker`s against a sandbox,
// each test with a PostgreSQL schema and a Redis key prefix of its own.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { spawnSluice, tempDir } from '../helpers/cli.js';
import { PG_URL, freshSchema } from '../helpers/postgres.js';
import { REDIS_URL, dropPrefix, redisPrefix } from '../helpers/redis.js';
import { sandboxEnv } from '../runtime/helpers/sandbox-run.js';

export interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], cwd: string, env: Record<string, string>, ready: RegExp): Promise<Proc> {
  const child = spawnSluice(args, { cwd, env });
  const p: Proc = { child, stdout: '', stderr: '', exited: new Promise((r) => child.on('exit', (code, signal) => r({ code, signal }))) };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start in 30 s:\n${p.stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      p.stdout += d.toString();
      if (ready.test(p.stdout)) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (p.stderr += d.toString()));
    void p.exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited (${code}) before it was ready:\n${p.stderr}`));
    });
  });
}

export interface Cluster {
  dir: string;
  env: Record<string, string>;
  schema: string;
  prefix: string;
  state: string;
  /** The agents' token, from $SLUICE_HOME/agent.json. */
  token(): string;
  agent(args?: string[]): Promise<Proc>;
  worker(concurrency?: number): Promise<Proc>;
  deploy(text: string, fileName: string): Promise<{ name: string; version: number }>;
  post(path: string): Promise<unknown>;
  status(): Promise<{ leader: boolean; queue: Record<string, number>; workers: { id: string; pid: number; running: { deployment: string; runId: number | null }[] }[] }>;
  sql<T>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function cluster(sb: { url: string; token: string }, extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const dir = tempDir('sluice-queue-');
  const schema = await freshSchema('scale_queue');
  const prefix = redisPrefix('queue');
  const state = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema.name}`;
  const env = { ...sandboxEnv(sb, dir, 'v2'), SLUICE_REDIS_PREFIX: prefix, SLUICE_PIPEDRIVE_PLAN: 'lite', ...extraEnv };
  const procs: Proc[] = [];
  const db = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${schema.name}`, max: 2 });
  let agentUrl = '';
  const token = () => (JSON.parse(readFileSync(join(dir, '.sluice', 'agent.json'), 'utf8')) as { token: string }).token;
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(`${agentUrl}${path}`, {
      method: body === undefined && !path.includes('/deployments/') ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const value = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(value)}`);
    return value;
  };
  return {
    dir,
    env,
    schema: schema.name,
    prefix,
    state,
    token,
    async agent(args: string[] = []) {
      const p = await start(['agent', 'start', '--queue', REDIS_URL, '--state', state, ...args], dir, env, /agent listening on (\S+)/);
      agentUrl = /agent listening on (\S+)/.exec(p.stdout)![1];
      procs.push(p);
      return p;
    },
    async worker(concurrency = 4) {
      const p = await start(['worker', '--queue', REDIS_URL, '--state', state, '--concurrency', String(concurrency)], dir, env, /ready \(pid/);
      procs.push(p);
      return p;
    },
    deploy: (text, fileName) => call('/api/deployments', { text, file_name: fileName, base_dir: dir }) as Promise<{ name: string; version: number }>,
    post: (path) => call(path, {}),
    status: () => call('/api/status') as ReturnType<Cluster['status']>,
    sql: async <T>(text: string, values: unknown[] = []) => (await db.query(text, values)).rows as T[],
    async close() {
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await db.end();
      await schema.drop();
      await dropPrefix(prefix);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `f` answers true (polling), or fails after `ms`. */
export async function until(f: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}
