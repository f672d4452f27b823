// Where each parameter of a request goes, as the action's definition says (`in`): the query
// string, a header (named like the parameter) or a field of the request body. Path parameters are
// filled into the path before this (fillPath in http-io.ts).
import type { ResolvedAction } from '../../apps/types.js';

export type Scalar = string | number | boolean;

export interface Placed {
  query: Record<string, Scalar>;
  headers: Record<string, string>;
  body: Record<string, Scalar> | undefined;
}

/** Splits parameter values by where the action sends them; undeclared keys (since, paging) stay in the query. */
export function placeParams(action: Pick<ResolvedAction, 'params'>, values: Readonly<Record<string, Scalar>>): Placed {
  const out: Placed = { query: {}, headers: {}, body: undefined };
  for (const [k, v] of Object.entries(values)) {
    const where = Object.hasOwn(action.params, k) ? action.params[k].in : 'query';
    if (where === 'header') out.headers[k] = String(v);
    else if (where === 'body') (out.body ??= {})[k] = v;
    else out.query[k] = v;
  }
  return out;
}

/**
 * Whether a failed write's status rejects only that record (kept as rejected, the run goes on):
 * the app's `http.errors.reject` list when it has one, else every 4xx but 401 (credentials) and
 * 429 (rate limit), which would fail every record alike.
 */
export function rejectsRecord(rejectList: readonly number[] | null | undefined, status: number): boolean {
  if (rejectList) return rejectList.includes(status);
  return status >= 400 && status < 500 && status !== 401 && status !== 429;
}
