// `lookup NAME = APP.ACTION where ...` over HTTP: the first record the action answers, through the
// lookup cache (keyed by connection, path and query, so `sluice cache clear` from another process
// empties it too). A read of one record by id whose app says how (`batch`) is sent many ids a
// request (../cache/batched-lookup.ts).
import type { AppRegistry, BatchDef, ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import { SluiceError } from '../../errors.js';
import { BatchedLookup } from '../cache/batched-lookup.js';
import { RUNTIME } from '../codes.js';
import { connectionFingerprint, lookupKey, type lookupCache } from '../cache/index.js';
import { customReader } from '../custom-fields/runtime.js';
import type { Rec, Value } from '../eval.js';
import { extractRecords, type ApiClient } from '../http/index.js';
import { paramValue } from '../params.js';
import type { HttpClients } from './clients.js';
import { placeParams } from '../http/placement.js';
import { fillPath, tokensOf } from './requests.js';

export function httpLookup(clients: HttpClients, cache: ReturnType<typeof lookupCache>, ref: ResolvedRef, action: ResolvedAction, signal: AbortSignal): (params: Record<string, Value>) => Promise<Rec | null> {
  const named = customReader(ref);
  let batched: BatchedLookup | undefined;
  return async (params) => {
    const client = clients.for(ref, action);
    const conn = client.connection;
    const q: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(params)) if (v !== null && typeof v !== 'object') q[k] = paramValue(action, k, v);
    const { path, rest } = fillPath(action, q);
    const placed = placeParams(action, rest);
    const key = lookupKey({ connection: connectionFingerprint({ baseUrl: conn.baseUrl, apiVersion: conn.apiVersion, token: conn.token }), method: 'GET', path, query: rest });
    const id = action.batch ? q[action.batch.id] : undefined;
    const byId = typeof id === 'number' || typeof id === 'string';
    if (action.batch && byId) batched ??= batchedLookup(clients, client, action, action.batch, signal);
    // The cache keeps what the API answered; names are applied after it, so that a new schema
    // never meets records named by an old one.
    const found = (await cache.getOrLoad(key, async () => {
      if (batched && byId) return ((await batched.load(id, rest)) as Rec | null) ?? null;
      const res = await client.request({ method: action.method ?? 'GET', path, query: { ...placed.query, ...limitOf(clients.registry, action, 1) }, headers: placed.headers, ...(placed.body ? { body: placed.body, form: action.body === 'form' } : {}), cost: action.cost, ...tokensOf(action), version: action.version, signal });
      const list = extractRecords(res.body, action.extract) ?? [];
      return (list[0] as Rec | undefined) ?? null;
    })) as Rec | null;
    return found && named ? named(found) : found;
  };
}

/**
 * `n` records asked of a read, in the parameter its pagination pages with; a read without
 * pagination takes the app's `http.unpagedLimitParam`, if it has one (Pipedrive: `limit`).
 */
export function limitOf(registry: AppRegistry, action: ResolvedAction, n: number): Record<string, number> {
  const p = action.pagination;
  if (p.type === 'none') {
    const param = registry.app(action.app)?.http?.unpagedLimitParam;
    return param ? { [param]: n } : {};
  }
  return p.limitParam ? { [p.limitParam]: n } : {};
}

/** Lookups by id through `action`, many ids a request through its batch list action (cache/batched-lookup.ts). */
function batchedLookup(clients: HttpClients, client: ApiClient, action: ResolvedAction, batch: BatchDef, signal: AbortSignal): BatchedLookup {
  const list = clients.registry.action(`${action.app}.${batch.list}`, 'read', action.version);
  if (!list) throw new SluiceError(RUNTIME.unresolved, `cannot resolve \`${action.app}.${batch.list}\`, the batch read of \`${action.qualifiedName}\``);
  return new BatchedLookup(batch.max, async ({ ids, rest }) => {
    const res = await client.request({
      method: list.method ?? 'GET',
      path: list.path ?? '/',
      query: { ...rest, [batch.param]: ids.join(','), ...limitOf(clients.registry, list, ids.length) },
      cost: list.cost,
      ...tokensOf(list),
      version: list.version,
      signal,
    });
    return extractRecords(res.body, list.extract) ?? [];
  });
}
