// Pages of a read action of an app reached over HTTP, custom fields named as the flow was checked:
// offset pages read through a window that grows while pages come back full (../http/page-window.ts),
// a cursor-paged read bounded by update time read in parallel time slices (../sources/time-slices.ts).
import type { ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import { customReader } from '../custom-fields/runtime.js';
import type { Rec } from '../eval.js';
import { extractRecords, pages, type ApiClient, type Query } from '../http/index.js';
import type { Source } from '../sources/source.js';
import { canSlice, slicedPages } from '../sources/time-slices.js';
import type { HttpClients } from './clients.js';
import { placeParams } from '../http/placement.js';
import { fillPath, tokensOf } from './requests.js';

export function httpSource(clients: HttpClients, ref: ResolvedRef, action: ResolvedAction, query: Record<string, string | number | boolean>, opts: { limit?: number; fields?: readonly string[]; signal: AbortSignal }): Source {
  // The connection is resolved now: a missing or broken one fails before the run starts.
  const client = clients.for(ref, action);
  const { path, rest } = fillPath(action, query);
  const placed = placeParams(action, rest);
  const named = customReader(ref);
  const extra = { ...(Object.keys(placed.headers).length ? { headers: placed.headers } : {}), ...(placed.body ? { body: placed.body, form: action.body === 'form' } : {}) };
  // Only a list answer's records are read in part (the records parser); one object is read whole.
  const kept = opts.fields && action.extract.shape !== 'object' ? { fields: opts.fields } : {};
  return {
    describe: `${action.method ?? 'GET'} ${path}`,
    ...kept,
    async *pages() {
      // Time slices ask with query parameters only: an action that places parameters in headers or
      // a body is read as one stream.
      const slicing = opts.limit === undefined && Object.keys(extra).length === 0 ? timeSlicing(clients, client, action, path, placed.query, opts.signal, kept) : undefined;
      const read = slicing ?? pages(client, { ...action, path }, placed.query as Query, { ...(opts.limit !== undefined ? { limit: opts.limit } : {}), signal: opts.signal, ahead: () => clients.readWindow(client), ...kept, ...extra });
      for await (const page of read) {
        yield named ? (page as Rec[]).map(named) : (page as Rec[]);
      }
    },
  };
}

/**
 * A cursor-paged read sorted by update time, read in parallel time slices (sources/time-slices.ts),
 * or undefined. A whole read (no `since`, no order of the flow's own) starts in the API's own order;
 * when it is large and one stream would use half the plan's rate or less, it is read again sorted by
 * update time, oldest first, in slices: the order of a whole read is the API's to choose.
 */
function timeSlicing(clients: HttpClients, client: ApiClient, action: ResolvedAction, path: string, asked: Record<string, string | number | boolean>, signal: AbortSignal, fields: { fields?: readonly string[] }) {
  const bounds = sliceBounds(action);
  if (!bounds) return undefined;
  const order = action.since?.kind === 'param' ? (action.since.params ?? {}) : {};
  const whole = asked[bounds.sinceParam] === undefined && Object.keys(order).length > 0 && Object.keys(order).every((k) => asked[k] === undefined);
  if (!canSlice({ ...action, path }, whole ? { ...asked, ...order } : asked, bounds)) return undefined;
  // The newest update time: one record, asked with the read's own filters.
  const newest = async (): Promise<number | null> => {
    const { [action.pagination.type === 'cursor' ? action.pagination.cursorParam : 'cursor']: _cursor, [bounds.sinceParam]: _since, ...filters } = asked;
    const res = await client.request({ method: 'GET', path, query: { ...filters, sort_by: 'update_time', sort_direction: 'desc', [action.pagination.type === 'cursor' ? action.pagination.limitParam : 'limit']: 1 }, cost: action.cost, ...tokensOf(action), version: action.version, signal });
    const rec = (extractRecords(res.body, action.extract) ?? [])[0] as Rec | undefined;
    const t = typeof rec?.[bounds.field] === 'string' ? Date.parse(rec[bounds.field] as string) : NaN;
    return Number.isFinite(t) ? t : null;
  };
  return slicedPages(client, { ...action, path }, asked, {
    ...bounds,
    slices: () => clients.sliceCount(client),
    ...(whole ? { worthSlicing: () => clients.streamTooSlow(client), whole: { order } } : {}),
    ...fields,
    signal,
    newest,
  });
}

/**
 * The parameters that bound a read by update time: the action's `since` parameter (`updated_since`)
 * and its counterpart ending in `until`, when the action takes both.
 */
function sliceBounds(action: ResolvedAction): { sinceParam: string; untilParam: string; field: string } | undefined {
  const since = action.since;
  if (since?.kind !== 'param' || !/since$/.test(since.param)) return undefined;
  const untilParam = since.param.replace(/since$/, 'until');
  return Object.hasOwn(action.params, untilParam) ? { sinceParam: since.param, untilParam, field: since.field } : undefined;
}
