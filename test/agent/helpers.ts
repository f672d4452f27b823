// The agent as a real process (`bin/sluice.js agent start --port 0`), and the CLI against it.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runSluice, spawnSluice, tempDir, type CliResult } from '../helpers/cli.js';

export { runSluice, tempDir };

export interface Project {
  dir: string;
  env: Record<string, string>;
  sluice(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  write(name: string, text: string): string;
}

/** A temp folder holding flows, with its own SLUICE_HOME and SLUICE_CONFIG_DIR. */
export function project(files: Record<string, string> = {}, env: Record<string, string> = {}): Project {
  const dir = tempDir('sluice-agent-');
  const p: Project = {
    dir,
    env: { SLUICE_HOME: join(dir, '.sluice'), SLUICE_CONFIG_DIR: join(dir, 'config'), ...env },
    sluice: (args, extraEnv = {}) => runSluice(args, { cwd: dir, env: { ...p.env, ...extraEnv }, timeoutMs: 30_000 }),
    write: (name, text) => {
      const path = join(dir, name);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
  };
  for (const [name, text] of Object.entries(files)) p.write(name, text);
  return p;
}

export interface AgentProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  /** Everything the agent logged so far (stderr). */
  log(): string;
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  token(): string;
}

const running = new Set<ChildProcess>();

/** Starts `sluice agent start --port 0` in the project and waits for its first line. */
export async function startAgent(p: Project, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<AgentProcess> {
  const child = spawnSluice(['agent', 'start', '--port', '0', ...args], { cwd: p.dir, env: { ...p.env, ...extraEnv } });
  running.add(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent did not start in 15 s; stderr:\n${err}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the agent exited (${code}) before listening; stderr:\n${err}`));
    });
  });
  const m = /^agent listening on (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)$/.exec(first);
  if (!m) throw new Error(`unexpected first line: ${first}`);
  return {
    child,
    url: m[1],
    pid: Number(m[2]),
    log: () => err,
    stdout: () => out,
    exited,
    token: () => (JSON.parse(readFileSync(join(p.env.SLUICE_HOME, 'agent.json'), 'utf8')) as { token: string }).token,
  };
}

/** Kills (by PID) the agents a test left running. */
export function killAgents(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

export interface RunJson {
  id: number;
  flow: string;
  trigger: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  read: number;
  written: number;
  rejected: number;
  error: { code?: string; message: string } | null;
}

/** `sluice runs --format json` of the project (what any user sees), oldest first. */
export async function runs(p: Project, flow?: string): Promise<RunJson[]> {
  const r = await p.sluice(['runs', ...(flow ? [flow] : []), '--limit', '1000', '--format', 'json']);
  if (r.code !== 0) throw new Error(`sluice runs failed (${r.code}): ${r.stderr}${r.stdout}`);
  const body = JSON.parse(r.stdout) as { runs: Record<string, unknown>[] };
  return body.runs.map((x) => x as unknown as RunJson).reverse();
}

export async function api(a: AgentProcess, method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) {
  const token = options.token === undefined ? a.token() : options.token;
  const res = await fetch(`${a.url}/api/${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json: json as Record<string, any>, text, headers: res.headers };
}
