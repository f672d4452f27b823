// `lookup NAME = APP.ACTION where ...` over HTTP: the first record the action answers, through the
// lookup cache (keyed by connection, path and query, so `sluice cache clear` from another process
// empties it too).
import type { ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/model.js';
import { connectionFingerprint, lookupKey, type lookupCache } from '../cache/index.js';
import { customReader } from '../custom-fields/runtime.js';
import type { Rec, Value } from '../eval.js';
import { extractRecords } from '../http/index.js';
import { paramValue } from '../params.js';
import type { HttpClients } from './clients.js';
import { fillPath, tokensOf } from './requests.js';

export function httpLookup(clients: HttpClients, cache: ReturnType<typeof lookupCache>, ref: ResolvedRef, action: ResolvedAction, signal: AbortSignal): (params: Record<string, Value>) => Promise<Rec | null> {
  const named = customReader(ref);
  return async (params) => {
    const client = clients.for(ref, action);
    const conn = client.connection;
    const q: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(params)) if (v !== null && typeof v !== 'object') q[k] = paramValue(action, k, v);
    const { path, rest } = fillPath(action, q);
    const key = lookupKey({ connection: connectionFingerprint({ baseUrl: conn.baseUrl, apiVersion: conn.apiVersion, token: conn.token }), method: 'GET', path, query: rest });
    // The cache keeps what the API answered; names are applied after it, so that a new schema
    // never meets records named by an old one.
    const found = (await cache.getOrLoad(key, async () => {
      const res = await client.request({ method: action.method ?? 'GET', path, query: { ...rest, limit: 1 }, cost: action.cost, ...tokensOf(action), version: action.version, signal });
      const list = extractRecords(res.body, action.extract) ?? [];
      return (list[0] as Rec | undefined) ?? null;
    })) as Rec | null;
    return found && named ? named(found) : found;
  };
}
