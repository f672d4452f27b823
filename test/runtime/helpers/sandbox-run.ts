// Shared by the end-to-end run tests: an in-process sandbox, a project folder with flows, and
// `sluice run` as a real process pointed at the sandbox through the SLUICE_PIPEDRIVE_* variables.
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runSluice, tempDir, type CliResult } from '../../helpers/cli.js';
import { startSandbox, type RequestLogEntry, type Sandbox, type SandboxOptions } from '../../../src/sandbox/index.js';

export interface TestSandbox extends Sandbox {
  /** Every answered request (path with its query, token removed), in order. */
  log: RequestLogEntry[];
}

/**
 * For a test file: `sb(options)` starts a sandbox that is closed after each test. Call at the top
 * level of the file (it registers an afterEach hook).
 */
export function sandboxesPerTest(): (options?: SandboxOptions) => Promise<TestSandbox> {
  const open: TestSandbox[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const s = await sandbox(options);
    open.push(s);
    return s;
  };
}

export async function sandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const log: RequestLogEntry[] = [];
  const sb = await startSandbox({ seed: 7, ...options, onRequest: (e) => log.push(e) });
  return Object.assign(sb, { log });
}

export interface Project {
  dir: string;
  env: Record<string, string>;
  /** Writes a file relative to the project folder. */
  write(name: string, text: string): void;
  /** `sluice run FILE --format json` (plus args); the parsed summary (or list of them) and the process result. */
  run(file: string, args?: string[], extraEnv?: Record<string, string>): Promise<RunResult>;
  /** Any sluice command in the project folder. */
  sluice(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
}

export interface Summary {
  flow: string;
  status: string;
  read: number;
  written: number;
  rejected: number;
  skipped: number;
  filtered: number;
  unsent: number;
  pages: number;
  watermark: string | null;
  complete: boolean;
  http?: { requests: number; retries: number; rateLimitWaits: number; waitedMs: number; status429: number };
  error?: { code: string; message: string };
}

export interface RunResult extends CliResult {
  summary: Summary;
}

/** The environment that points `sluice` at a sandbox, with its own config and data folders. */
export function sandboxEnv(sb: Pick<Sandbox, 'url' | 'token'>, dir: string, version: 'v1' | 'v2' = 'v1'): Record<string, string> {
  return {
    SLUICE_PIPEDRIVE_URL: sb.url,
    SLUICE_PIPEDRIVE_TOKEN: sb.token,
    SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
    SLUICE_PIPEDRIVE_API_VERSION: version,
    SLUICE_CONFIG_DIR: join(dir, '.config'),
    SLUICE_HOME: join(dir, '.sluice'),
  };
}

export function project(sb: Pick<Sandbox, 'url' | 'token'>, files: Record<string, string> = {}, version: 'v1' | 'v2' = 'v1'): Project {
  const dir = tempDir('sluice-e2e-');
  const env = sandboxEnv(sb, dir, version);
  const write = (name: string, text: string) => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  const sluice = (args: string[], extraEnv: Record<string, string> = {}) => runSluice(args, { cwd: dir, env: { ...env, ...extraEnv }, timeoutMs: 60_000 });
  return {
    dir,
    env,
    write,
    sluice,
    async run(file, args = [], extraEnv = {}) {
      const r = await sluice(['run', file, '--format', 'json', ...args], extraEnv);
      let summary: Summary;
      try {
        summary = JSON.parse(r.stdout) as Summary;
      } catch {
        throw new Error(`sluice run ${file} printed no JSON summary (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
      }
      return { ...r, summary };
    },
  };
}

/** Rows of a SQLite table, ordered by `id`. */
export function rows<T = Record<string, unknown>>(file: string, table: string, columns = '*'): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT ${columns} FROM "${table}" ORDER BY id`).all() as T[];
  } finally {
    db.close();
  }
}

/** A deterministic [0, 1) sequence (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
