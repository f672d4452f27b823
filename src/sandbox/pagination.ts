// Offset pagination (v1) and cursor pagination (v2), plus the two ways of asking for an order.
import type { Query } from './validation.js';

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;

export interface OffsetPage {
  start: number;
  limit: number;
}

/**
 * v1 `start` / `limit`. A limit over 500 is capped rather than refused (the v1 docs say "a maximum
 * value of 500 is allowed"; capping is the reading under which a careless client still terminates).
 */
export function readOffsetPage(q: Query): OffsetPage {
  const start = q.int('start', { min: 0 }) ?? 0;
  const limit = Math.min(q.int('limit', { min: 1 }) ?? DEFAULT_LIMIT, MAX_LIMIT);
  return { start, limit };
}

export interface OffsetPagination {
  start: number;
  limit: number;
  more_items_in_collection: boolean;
  next_start?: number;
}

/** `next_start` only when more items exist, as PIPEDRIVE.md says. */
export function offsetPagination(page: OffsetPage, total: number): OffsetPagination {
  const more = page.start + page.limit < total;
  return more
    ? { start: page.start, limit: page.limit, more_items_in_collection: true, next_start: page.start + page.limit }
    : { start: page.start, limit: page.limit, more_items_in_collection: false };
}

export type SortValue = string | number | boolean | null;
export type Accessor<T> = (r: T) => SortValue;
export type Comparator<T> = (a: T, b: T) => number;

function compareValues(a: SortValue, b: SortValue): number {
  // SQL order: NULL before anything in ascending order.
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
}

/**
 * v1 `sort`: "update_time ASC, name DESC". Unknown fields are a 400 naming the field; ties fall
 * back to id so that pages never overlap.
 */
export function readV1Sort<T extends { id: number | string }>(q: Query, fields: Record<string, Accessor<T>>): { key: string; cmp: Comparator<T> } | undefined {
  const raw = q.str('sort');
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const keys: { get: Accessor<T>; sign: number }[] = [];
  for (const part of parts) {
    const m = /^(\S+)(?:\s+(ASC|DESC))?$/i.exec(part);
    if (!m) throw q.fail('sort', `cannot read '${part}'; use e.g. "update_time ASC, name DESC"`);
    const get = fields[m[1]];
    if (!get) throw q.fail('sort', `unknown field '${m[1]}'; sortable: ${Object.keys(fields).join(', ')}`);
    keys.push({ get, sign: (m[2] ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1 });
  }
  const key = keys.length ? parts.join(',').toLowerCase() : 'id';
  return {
    key,
    cmp: (a, b) => {
      for (const k of keys) {
        const c = compareValues(k.get(a), k.get(b));
        if (c !== 0) return c * k.sign;
      }
      return compareValues(a.id, b.id);
    },
  };
}

// ---- v2 cursors ----------------------------------------------------------------------------------

export type V2SortBy = 'id' | 'update_time' | 'add_time';
export type V2Direction = 'asc' | 'desc';

export interface CursorList {
  sortBy: V2SortBy;
  direction: V2Direction;
  limit: number;
  /** The last (sort value, id) already returned. */
  after?: [number, number];
}

/**
 * A cursor is opaque to clients; ours is keyset-based (last sort value and id) so that records
 * created or changed between pages neither repeat nor vanish, the reason APIs move to cursors.
 */
export function encodeCursor(list: CursorList, value: number, id: number): string {
  return Buffer.from(JSON.stringify([list.sortBy, list.direction, value, id])).toString('base64url');
}

export function readCursorList(q: Query, sortable: readonly V2SortBy[] = ['id', 'update_time', 'add_time']): CursorList {
  const limit = q.int('limit', { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT;
  let sortBy = q.oneOf('sort_by', sortable);
  let direction = q.oneOf('sort_direction', ['asc', 'desc'] as const);
  const raw = q.str('cursor');
  if (raw === undefined) return { sortBy: sortBy ?? 'id', direction: direction ?? 'asc', limit };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 4 ||
    !sortable.includes(decoded[0]) ||
    (decoded[1] !== 'asc' && decoded[1] !== 'desc') ||
    typeof decoded[2] !== 'number' ||
    typeof decoded[3] !== 'number'
  ) {
    throw q.fail('cursor', 'invalid cursor');
  }
  if ((sortBy && sortBy !== decoded[0]) || (direction && direction !== decoded[1])) {
    throw q.fail('cursor', 'the cursor was made for a different sort_by / sort_direction');
  }
  sortBy = decoded[0] as V2SortBy;
  direction = decoded[1] as V2Direction;
  return { sortBy, direction, limit, after: [decoded[2] as number, decoded[3] as number] };
}

/** `sorted` must already be in (value, id) order for the list's direction. */
export function cursorPage<T extends { id: number }>(sorted: readonly T[], value: (r: T) => number, list: CursorList): { items: T[]; next: string | null } {
  let from = 0;
  if (list.after) {
    const [av, aid] = list.after;
    const sign = list.direction === 'asc' ? 1 : -1;
    // First record strictly after the cursor in list order (binary search).
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = sorted[mid];
      const c = (value(r) - av || r.id - aid) * sign;
      if (c <= 0) lo = mid + 1;
      else hi = mid;
    }
    from = lo;
  }
  const items = sorted.slice(from, from + list.limit);
  const last = items[items.length - 1];
  const next = from + list.limit < sorted.length && last ? encodeCursor(list, value(last), last.id) : null;
  return { items, next };
}

export function cursorComparator<T extends { id: number }>(value: (r: T) => number, direction: V2Direction): Comparator<T> {
  const sign = direction === 'asc' ? 1 : -1;
  return (a, b) => (value(a) - value(b) || a.id - b.id) * sign;
}
