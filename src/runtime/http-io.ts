// Sources, destinations and lookups of apps reached over HTTP, on the process's shared clients: one
// rate limiter per (base URL, token) for the whole process, retries that never duplicate a write.
// The parts are in http-app/: clients, source, writer (with upsert), lookup.
import { loadRegistry } from '../apps/index.js';
import { lookupCache } from './cache/index.js';
import { stalenessChecker } from './custom-fields/runtime.js';
import { HttpClients } from './http-app/clients.js';
import { httpLookup } from './http-app/lookup.js';
import { httpSource } from './http-app/source.js';
import type { HttpIo } from './http-app/types.js';
import { HttpWriter } from './http-app/writer.js';
import type { HttpEvent } from './http/index.js';
import type { ApiResponse, RequestOptions } from './http/client.js';

export interface HttpIoOptions {
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** $SLUICE_HOME, so that `sluice cache clear` from another process empties the lookup cache. */
  home?: string;
  /** Every HTTP event with its connection's base URL (metrics count them by host). */
  onEvent?: (event: HttpEvent, baseUrl: string) => void;
}

export interface HttpIoProcess extends HttpIo {
  close(): Promise<void>;
  limiters(): { baseUrl: string; waiting: number; dailyLeft?: number }[];
  /** One request through a connection's client (its rate limiter, retries and errors): the agent's webhook registrations. */
  request(connection: string, app: string, r: RequestOptions): Promise<ApiResponse>;
  /** The company URL of a connection, as requests use it. */
  baseUrl(connection: string, app: string): string;
}

export function createHttpIo(o: HttpIoOptions): HttpIoProcess {
  const clients = new HttpClients(loadRegistry(), { env: o.env, ...(o.home ? { home: o.home } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
  const cache = lookupCache(o.home ? { home: o.home } : {});
  return {
    request: (connection, app, r) => clients.named(connection, app).request(r),
    baseUrl: (connection, app) => clients.named(connection, app).connection.baseUrl,
    limiters: () => clients.limiters(),
    waiting: () => clients.waiting(),
    source: (ref, action, query, opts) => httpSource(clients, ref, action, query, opts),
    destination: (ref, action, opts) => new HttpWriter(clients, ref, action, { ...opts, signal: o.signal }),
    lookup: (ref, action) => httpLookup(clients, cache, ref, action, o.signal),
    // Custom fields by name: is the schema the flow was checked against still current?
    beforeRun: stalenessChecker(clients.registry, clients.named, o.signal),
    stats: () => clients.stats(),
    async close() {
      clients.close();
    },
  };
}
