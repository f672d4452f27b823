// Validating a connection of a defined app before it is saved (`sluice connections add APP`) or
// later (`sluice connections test NAME`): the request its definition names in `connection.test`
// (one record asked for), or, for PostgreSQL, a connection and `SELECT current_user`.
import type { AppDef } from '../../apps/types.js';
import type { ResolvedConnection } from '../../connections/resolve.js';
import { Secret } from '../../connections/secret.js';

export interface AppProbeResult {
  /** What was asked: `GET /products` or `SELECT current_user`. */
  checked: string;
  /** What the answer says, for the success line: `1 record`, `user postgres`. */
  reached: string;
  elapsedMs: number;
}

export async function probeAppConnection(app: AppDef, conn: ResolvedConnection, options: { timeoutMs?: number } = {}): Promise<AppProbeResult> {
  const t0 = performance.now();
  if (app.kind === 'postgres') {
    const url = conn.fields?.url;
    const { pgTarget, openClient } = await import('../postgres/connection.js');
    const target = pgTarget({ url: url instanceof Secret ? url.reveal() : url }, {});
    const client = await openClient(target);
    try {
      const r = await client.query<{ user: string; db: string }>('SELECT current_user AS "user", current_database() AS db');
      return { checked: 'SELECT current_user', reached: `user ${r.rows[0].user} on ${target.display}`, elapsedMs: Math.round(performance.now() - t0) };
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const test = app.connection?.test?.action;
  const action = test ? app.actions.find((a) => a.name === test && a.role === 'read') : undefined;
  if (!action) return { checked: 'nothing (the app names no `connection.test` action)', reached: 'not checked', elapsedMs: 0 };
  const variant = action.variants[action.variants.length - 1];
  const { ApiClient, extractRecords } = await import('../http/index.js');
  const client = new ApiClient(app, conn, { ...(options.timeoutMs ? { timeouts: { connectMs: options.timeoutMs, responseMs: options.timeoutMs, requestMs: options.timeoutMs } } : {}), retry: { maxAttempts: 2 } });
  const p = variant.pagination;
  const query = p.type !== 'none' && p.limitParam ? { [p.limitParam]: 1, ...(p.type === 'page' ? { [p.pageParam]: p.firstPage ?? 1 } : {}) } : {};
  const res = await client.request({ method: variant.method ?? 'GET', path: variant.path ?? '/', query, cost: variant.cost, version: variant.version });
  const n = extractRecords(res.body, variant.extract)?.length;
  return { checked: `${variant.method ?? 'GET'} ${variant.path}`, reached: n === undefined ? `status ${res.status}` : `status ${res.status}, ${n} record${n === 1 ? '' : 's'}`, elapsedMs: Math.round(performance.now() - t0) };
}
