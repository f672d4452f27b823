// A cursor-paged read (v2) in parallel time slices. Cursors cannot be predicted, so one cursor
// stream is read one page after another, bound by the server's latency. When the read sorts by
// update time, oldest first (a `since` read), and the action takes `updated_since` /
// `updated_until`, the range of times can be cut into slices each read with its own cursor, several
// at once:
//
//   slice 0:      the first stream itself (already under way), up to t1; records at t1 or later are
//                 left to the next slice
//   slice i:      updated_since = t_i, updated_until = t_(i+1)  (since inclusive, until exclusive)
//   last slice:   updated_since = t_(k-1), no end: what changes during the run lands there
//
// Every record falls in exactly one slice. Pages are handed on in slice order, so the consumer sees
// records oldest first as from one stream, and what it commits (the watermark, boundary ids) only
// ever covers a contiguous prefix of finished slices. Slicing starts only once the first page came
// back full (a small incremental read costs nothing more) and takes one extra request: the newest
// update time, where the slices end. The slices are even in time, not in records (how records
// spread over time cannot be known beforehand: recent changes are usually denser), so a slice may
// be empty: that costs one request, at most one per slice.
import type { ApiClient, Query } from '../http/client.js';
import { pages, type PageableAction } from '../http/paginate.js';
import { getPath } from '../eval.js';

export interface SliceOptions {
  /** The parameters that bound a read by update time. */
  sinceParam: string;
  untilParam: string;
  /** The record field holding the update time (RFC 3339 or `YYYY-MM-DD HH:MM:SS`). */
  field: string;
  /** Slices read at once (the first stream included); re-read as slices start. */
  slices: () => number;
  /** Finds the newest update time (ms since epoch), or null when unknown: no slicing then. */
  newest: () => Promise<number | null>;
  signal?: AbortSignal;
  /** Pages a slice may read ahead of the one being handed on. */
  buffer?: number;
}

/** Whether an action and query can be read in time slices: cursor pages, both bounds, sorted by the field ascending. */
export function canSlice(action: PageableAction & { params?: Readonly<Record<string, unknown>> }, query: Query, o: Pick<SliceOptions, 'sinceParam' | 'untilParam'>): boolean {
  if (action.pagination.type !== 'cursor' || !action.params) return false;
  if (!Object.hasOwn(action.params, o.sinceParam) || !Object.hasOwn(action.params, o.untilParam)) return false;
  // The flow's own bound, or a limit on the total, keeps the read as one stream.
  return query[o.untilParam] === undefined && query.sort_by === 'update_time' && query.sort_direction === 'asc';
}

const timeOf = (rec: unknown, field: string): number | null => {
  const v = getPath(rec as Record<string, never>, field);
  if (typeof v !== 'string') return null;
  const t = Date.parse(/T/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
  return Number.isFinite(t) ? t : null;
};

/** A queue of pages one slice has read, with room for `buffer` of them before the reader waits. */
class SliceBuffer {
  pages: unknown[][] = [];
  done = false;
  private closed = false;
  error: { e: unknown } | undefined;
  private wake: (() => void) | undefined;
  private room: (() => void) | undefined;

  constructor(private readonly buffer: number) {}

  async push(page: unknown[]): Promise<void> {
    this.pages.push(page);
    this.notify();
    while (this.pages.length >= this.buffer && !this.closed) await new Promise<void>((r) => (this.room = r));
  }

  /** The consumer is gone: a reader waiting for room goes on (and finds its signal aborted). */
  close(): void {
    this.closed = true;
    this.room?.();
    this.room = undefined;
  }

  finish(error?: unknown): void {
    this.done = true;
    if (error !== undefined) this.error = { e: error };
    this.notify();
  }

  /** The next page, or undefined at the end of the slice. */
  async next(): Promise<unknown[] | undefined> {
    for (;;) {
      if (this.pages.length) {
        const p = this.pages.shift()!;
        this.room?.();
        this.room = undefined;
        return p;
      }
      if (this.error) throw this.error.e;
      if (this.done) return undefined;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function* slicedPages(client: ApiClient, action: PageableAction, query: Query, o: SliceOptions): AsyncGenerator<unknown[], void, undefined> {
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const first = pages(client, action, query, { signal: ctl.signal });
  const readers: Promise<void>[] = [];
  let buffers: SliceBuffer[] = [];
  try {
    const head = await first.next();
    if (head.done) return;
    const firstPage = head.value;
    const size = action.pagination.type === 'cursor' ? action.pagination.pageSizeMax : 0;
    const k = Math.max(1, Math.floor(o.slices()));
    const from = timeOf(firstPage[firstPage.length - 1], o.field);
    // A short first page is the whole read; one slice is the plain stream.
    // Asking for the newest time is a speculation: when it fails (the daily budget cannot pay for
    // it, the network), the read goes on as the plain stream, so the first page is never lost and
    // a failure of the stream itself comes after the pages read before it.
    const newest = firstPage.length >= size && k > 1 && from !== null ? await o.newest().catch(() => null) : null;
    if (newest === null || from === null || newest <= from) {
      yield firstPage;
      for (;;) {
        const r = await first.next();
        if (r.done) return;
        yield r.value;
      }
    }
    // Whole seconds: the API's times have that resolution, and its bounds are RFC 3339 seconds.
    const step = Math.max(1000, Math.ceil((newest - from) / k / 1000) * 1000);
    const cuts: number[] = [];
    for (let t = Math.floor(from / 1000) * 1000 + step; t <= newest && cuts.length < k - 1; t += step) cuts.push(t);
    buffers = cuts.map(() => new SliceBuffer(o.buffer ?? 1));
    cuts.forEach((t, i) => {
      const q = { ...query, [o.sinceParam]: iso(t), ...(i + 1 < cuts.length ? { [o.untilParam]: iso(cuts[i + 1]) } : {}) };
      const buf = buffers[i];
      readers.push(
        (async () => {
          try {
            for await (const page of pages(client, action, q, { signal: ctl.signal })) await buf.push(page);
            buf.finish();
          } catch (err) {
            buf.finish(err);
          }
        })(),
      );
    });
    // Slice 0: the first stream up to the first cut.
    const end = cuts[0];
    const before = (page: unknown[]): { keep: unknown[]; past: boolean } => {
      const i = page.findIndex((r) => (timeOf(r, o.field) ?? -Infinity) >= end);
      return i < 0 ? { keep: page, past: false } : { keep: page.slice(0, i), past: true };
    };
    let cut = before(firstPage);
    if (cut.keep.length) yield cut.keep;
    while (!cut.past) {
      const r = await first.next();
      if (r.done) break;
      cut = before(r.value);
      if (cut.keep.length) yield cut.keep;
    }
    await first.return(undefined);
    for (const buf of buffers) {
      for (;;) {
        const page = await buf.next();
        if (!page) break;
        if (page.length) yield page;
      }
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    ctl.abort();
    for (const b of buffers) b.close();
    await first.return(undefined).catch(() => undefined);
    await Promise.allSettled(readers);
  }
}
