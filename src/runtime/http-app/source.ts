// Pages of a read action of an app reached over HTTP, custom fields named as the flow was checked.
import type { ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/model.js';
import { customReader } from '../custom-fields/runtime.js';
import type { Rec } from '../eval.js';
import { pages, type Query } from '../http/index.js';
import type { Source } from '../sources/source.js';
import type { HttpClients } from './clients.js';
import { fillPath } from './requests.js';

/**
 * Offset pages in flight at once while reading (see paginate.ts). One: pages asked for ahead past
 * the end of a collection are wasted requests against the rate limit and the daily budget, which
 * costs more than the latency they hide (a small incremental read would take several times its
 * requests).
 */
const READ_AHEAD = 1;

export function httpSource(clients: HttpClients, ref: ResolvedRef, action: ResolvedAction, query: Record<string, string | number | boolean>, opts: { limit?: number; signal: AbortSignal }): Source {
  // The connection is resolved now: a missing or broken one fails before the run starts.
  const client = clients.for(ref, action);
  const { path, rest } = fillPath(action, query);
  const named = customReader(ref);
  return {
    describe: `${action.method ?? 'GET'} ${path}`,
    async *pages() {
      for await (const page of pages(client, { ...action, path }, rest as Query, { ...(opts.limit !== undefined ? { limit: opts.limit } : {}), signal: opts.signal, ahead: READ_AHEAD })) {
        yield named ? (page as Rec[]).map(named) : (page as Rec[]);
      }
    },
  };
}
