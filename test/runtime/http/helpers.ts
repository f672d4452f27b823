// Shared by the HTTP-layer tests: connections to an in-process sandbox, the Pipedrive app and its
// actions from the standard library, and a client with fast, deterministic retries.
import { createServer } from 'node:net';
import { loadRegistry, type AppDef, type ResolvedAction } from '../../../src/apps/index.js';
import { Secret, type ResolvedConnection } from '../../../src/connections/index.js';
import { ApiClient, type ClientOptions, type HttpEvent, type PageableAction } from '../../../src/runtime/http/index.js';
import type { RequestLogEntry, Sandbox } from '../../../src/sandbox/index.js';

export const pipedrive = (): AppDef => loadRegistry().app('pipedrive')!;

export function action(name: string, version: 'v1' | 'v2' = 'v1'): ResolvedAction {
  const a = loadRegistry().action(`pipedrive.${name}`, 'read', version);
  if (!a) throw new Error(`no read action pipedrive.${name}`);
  return a;
}

/** The parts paging needs, with the variant's version: what the interpreter will pass. */
export const pageable = (a: ResolvedAction): PageableAction => ({ path: a.path!, method: a.method, pagination: a.pagination, extract: a.extract, cost: a.cost, version: a.version });

export function connection(url: string, token: string, apiVersion: 'v1' | 'v2' = 'v1'): ResolvedConnection {
  return { name: 'test', app: 'pipedrive', baseUrl: url, apiVersion, token: new Secret(token), tokenSource: { kind: 'env', variable: 'SLUICE_TEST_TOKEN' }, origin: 'env' };
}

/** A deterministic [0, 1) sequence (mulberry32), so that backoff delays are the same every run. */
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

export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 40 } as const;

export interface TestClient {
  client: ApiClient;
  events: HttpEvent[];
}

export function client(sb: Pick<Sandbox, 'url' | 'token'>, options: ClientOptions & { token?: string; version?: 'v1' | 'v2' } = {}): TestClient {
  const events: HttpEvent[] = [];
  const { token, version, ...rest } = options;
  const c = new ApiClient(pipedrive(), connection(sb.url, token ?? sb.token, version), {
    random: seeded(42),
    ...rest,
    retry: { ...FAST_RETRY, ...rest.retry },
    onEvent: (e) => {
      events.push(e);
      rest.onEvent?.(e);
    },
  });
  return { client: c, events };
}

/** Collects the sandbox's request log (paths with their query, the token removed by the sandbox). */
export function requestLog(): { entries: RequestLogEntry[]; onRequest: (e: RequestLogEntry) => void } {
  const entries: RequestLogEntry[] = [];
  return { entries, onRequest: (e) => entries.push(e) };
}

export async function collect(it: AsyncIterable<unknown[]>): Promise<{ pages: unknown[][]; records: unknown[] }> {
  const pages: unknown[][] = [];
  for await (const p of it) pages.push(p);
  return { pages, records: pages.flat() };
}

export const ids = (records: unknown[]): number[] => records.map((r) => (r as { id: number }).id);

/** Requests that bypass Sluice entirely: another program using the same token. */
export async function rawGet(sb: Pick<Sandbox, 'url' | 'token'>, path: string): Promise<number> {
  const res = await fetch(`${sb.url}${path}`, { headers: { 'x-api-token': sb.token } });
  await res.arrayBuffer();
  return res.status;
}

/** A loopback port that was free a moment ago: connecting to it is refused. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
