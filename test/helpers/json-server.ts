// The json-server npm package (a REST server nobody here wrote) as a process on a loopback port,
// serving a copy of examples/json-server with its API-key middleware.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, tempDir } from './cli.js';

export const JSON_SERVER_EXAMPLE = join(ROOT, 'examples', 'json-server');

export interface JsonServer {
  url: string;
  key: string;
  /** The copy of the example folder: flows run here (its apps/ is found), db.json is the server's data. */
  dir: string;
  child: ChildProcess;
  /** The requests the server logged (method and URL), in order. */
  log: string[];
  get(path: string): Promise<unknown>;
  send(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<unknown>;
}

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startJsonServer(key = 'example-key-0123'): Promise<JsonServer> {
  const dir = tempDir('sluice-json-server-');
  cpSync(JSON_SERVER_EXAMPLE, dir, { recursive: true });
  const bin = join(createRequire(import.meta.url).resolve('json-server/package.json'), '..', 'lib', 'cli', 'bin.js');
  const port = await freePort();
  const child = spawn(process.execPath, [bin, join(dir, 'data', 'db.json'), '--port', String(port), '--host', '127.0.0.1', '--middlewares', join(dir, 'require-key.cjs')], {
    cwd: dir,
    // json-server logs no requests under NODE_ENV=test (which vitest sets); the tests read that log.
    env: { ...process.env, INVENTORY_API_KEY: key, NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let partial = '';
    const timer = setTimeout(() => reject(new Error(`json-server did not start within 20 s:\n${out}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const whole = (partial + d).split('\n');
      partial = whole.pop()!;
      for (const line of whole) {
        // eslint-disable-next-line no-control-regex
        const m = /^(GET|POST|PATCH|PUT|DELETE) (\S+) \d{3}/.exec(line.replace(/\x1b\[[0-9;]*m/g, '').trim());
        if (m) log.push(`${m[1]} ${m[2]}`);
      }
      if (/Resources/.test(out) && /localhost|127\.0\.0\.1/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('exit', (code) => reject(new Error(`json-server exited (${code}):\n${out}`)));
  });
  const headers = { 'x-api-key': key, 'content-type': 'application/json' };
  return {
    url,
    key,
    dir,
    child,
    log,
    get: async (path) => (await fetch(`${url}${path}`, { headers })).json(),
    send: async (method, path, body) => (await fetch(`${url}${path}`, { method, headers, body: JSON.stringify(body) })).json(),
  };
}
