// The shape every v2 list shares: updated_since / updated_until, sort_by / sort_direction, cursor
// pagination with additional_data.next_cursor (null on the last page).
import { HEX40 } from '../../custom-fields.js';
import { cursorComparator, cursorPage, readCursorList, type V2SortBy } from '../../pagination.js';
import { jsonList, ok, type Json, type Reply } from '../../reply.js';
import type { Req } from '../../router.js';
import { Query } from '../../validation.js';

interface Timed {
  id: number;
  add_time: number;
  update_time: number;
}

export interface V2ListSpec<T extends Timed> {
  key: string;
  select: () => T[];
  json: (r: T) => Json;
  sortable?: readonly V2SortBy[];
}

export function v2List<T extends Timed>(req: Req, q: Query, spec: V2ListSpec<T>): Reply {
  const list = readCursorList(q, spec.sortable);
  const since = q.rfcTime('updated_since');
  const until = q.rfcTime('updated_until');
  const value = list.sortBy === 'id' ? (r: T) => r.id : list.sortBy === 'add_time' ? (r: T) => r.add_time : (r: T) => r.update_time;
  // updated_since is inclusive, updated_until exclusive (Pipedrive's v2 docs).
  const inRange = (r: T) => (since === undefined || r.update_time >= since) && (until === undefined || r.update_time < until);
  let sorted: readonly T[];
  if (list.sortBy === 'update_time') {
    // Sorted by update time, a time range is a run of the one sorted list, found by binary search:
    // a read cut into many time slices then costs the sandbox no more than one stream does.
    const all = req.world.store.view(`v2|${spec.key}|||update_time|${list.direction}`, () => spec.select().sort(cursorComparator(value, list.direction)));
    // Each range once per data version: a cursor page is then found by binary search, not a copy.
    sorted = since === undefined && until === undefined ? all : req.world.store.view(`v2|${spec.key}|${since ?? ''}|${until ?? ''}|update_time|${list.direction}`, () => timeRange(all, since, until, list.direction));
  } else {
    sorted = req.world.store.view(`v2|${spec.key}|${since ?? ''}|${until ?? ''}|${list.sortBy}|${list.direction}`, () => spec.select().filter(inRange).sort(cursorComparator(value, list.direction)));
  }
  const { items, next } = cursorPage(sorted, value, list);
  const reply = ok(jsonList(items.map(spec.json)), { additional: { next_cursor: next } });
  reply.records = items.length;
  return reply;
}

/** The records of `sorted` (by update time, in `direction`) updated in [since, until). */
export function timeRange<T extends Timed>(sorted: readonly T[], since: number | undefined, until: number | undefined, direction: 'asc' | 'desc'): readonly T[] {
  if (since === undefined && until === undefined) return sorted;
  // Ascending: the first index updated at or after `t`; descending: the first updated before `t`.
  const edge = (t: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const u = sorted[mid].update_time;
      const before = direction === 'asc' ? u < t : u >= t;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  if (direction === 'asc') return sorted.slice(since === undefined ? 0 : edge(since), until === undefined ? sorted.length : edge(until));
  // Newest first: the range starts after the records at or after `until` and ends before those older than `since`.
  return sorted.slice(until === undefined ? 0 : edge(until), since === undefined ? sorted.length : edge(since));
}

/** `ids=1,2,3` (at most 100), shared by the v2 lists that take it. */
export function readIds(q: Query): Set<number> | undefined {
  const ids = q.intList('ids');
  if (ids && ids.length > 100) throw q.fail('ids', 'at most 100 ids are allowed');
  return ids ? new Set(ids) : undefined;
}

/** `custom_fields=key1,key2` limits the custom fields returned (at most 15 keys, as Pipedrive allows). */
export function readCustomKeys(q: Query): string[] | undefined {
  const raw = q.str('custom_fields');
  if (raw === undefined) return undefined;
  const keys = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (keys.length > 15) throw q.fail('custom_fields', 'at most 15 keys are allowed');
  for (const k of keys) if (!HEX40.test(k)) throw q.fail('custom_fields', `'${k}' is not a custom field key`);
  return keys;
}

/** A record's v2 JSON, from the cache unless the client narrowed its custom fields. */
export function v2Json(req: Req, record: object, build: () => Record<string, unknown>, customKeys: string[] | undefined): Json {
  if (!customKeys) return req.world.store.cachedJson(record, 'v2', build);
  const obj = build();
  const all = obj.custom_fields as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const k of customKeys) if (k in all) picked[k] = all[k];
  return JSON.stringify({ ...obj, custom_fields: picked });
}
