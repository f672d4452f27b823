// A cursor-paged read (v2) in parallel time slices. Cursors cannot be predicted, so one cursor
// stream is read one page after another, bound by the server's latency. When the read sorts by
// update time, oldest first, and the action takes `updated_since` / `updated_until`, the range of
// times can be cut into slices each read with its own cursor, several at once:
//
//   the first stream   (already under way) up to the first cut; records at the cut or later are
//                      left to the slices after it
//   slice i            updated_since = c_i, updated_until = c_(i+1)  (since inclusive, until exclusive)
//   the last slice     updated_since = c_(k-1), no end: what changes during the run lands there
//
// Every record falls in exactly one slice. The slices are even in time, not in records (how records
// spread over time cannot be known beforehand: recent changes are usually denser), so a slice whose
// page comes back full while slots are free is cut again the same way: its own stream goes on
// up to a new cut, and new slices read the rest of its range. Pages are handed on in slice order, so
// the consumer sees records oldest first as from one stream, and what it commits (the watermark,
// boundary ids) only ever covers a contiguous prefix of finished slices.
//
// Slicing starts only once the first page came back full (a small read costs nothing more) and takes
// one extra request: the newest update time, where the slices end (a whole read needs none: see
// `whole`). Pages answered ahead of the one being handed on are bounded across all slices
// (SLICED_READ_AHEAD). When a slice fails, the read goes on as one stream from the last record
// handed on: a failure of the slicing itself (a bound the server refuses, a request cut short) never
// fails a read that one stream can do.
import type { ApiClient, Query } from '../http/client.js';
import { SLICED_READ_AHEAD } from '../http/page-window.js';
import { pages, type PageableAction } from '../http/paginate.js';
import { getPath } from '../eval.js';

export interface SliceOptions {
  /** The parameters that bound a read by update time. */
  sinceParam: string;
  untilParam: string;
  /** The record field holding the update time (RFC 3339 or `YYYY-MM-DD HH:MM:SS`). */
  field: string;
  /** Slices read at once (the first stream included); asked again whenever a slice may be cut. */
  slices: () => number;
  /** Finds the newest update time (ms since epoch), or null when unknown: no slicing then. */
  newest: () => Promise<number | null>;
  /** Asked once the first page is in: whether one stream is too slow for the rate allowed (default: always). */
  worthSlicing?: () => boolean;
  /**
   * A whole read, in the API's own order: the parameters that sort it by update time, oldest first.
   * Sliced, it is read again in that order, every slice at once. Its first page, in the API's order,
   * is a sample of the update times: the slices are cut at its quantiles, the first open below, the
   * last open above, so no request is needed to find where the times begin or end (that page itself
   * is left unused). Where ids follow creation the sample leans to old records; a slice that turns
   * out dense is cut again.
   */
  whole?: { order: Query };
  signal?: AbortSignal;
  /** Pages one slice may read ahead of the one being handed on (within SLICED_READ_AHEAD for all). */
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

/** Pages answered and not yet handed on, counted across every slice of one read. */
class ReadAhead {
  held = 0;
  /** The slice being handed on: it never waits, so the consumer always gets on. */
  head: SliceBuffer | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(readonly max: number) {}

  wait(): Promise<void> {
    return new Promise<void>((r) => this.waiting.add(r));
  }

  /** A page was taken (or a slice closed): every waiting slice looks again. */
  wake(): void {
    const all = [...this.waiting];
    this.waiting.clear();
    for (const r of all) r();
  }
}

/** A queue of pages one slice has read, with room for `buffer` of them (and the read's bound) before the reader waits. */
class SliceBuffer {
  pages: unknown[][] = [];
  done = false;
  private closed = false;
  error: { e: unknown } | undefined;
  private notifyConsumer: (() => void) | undefined;

  constructor(
    private readonly buffer: number,
    private readonly ahead: ReadAhead,
  ) {}

  async push(page: unknown[]): Promise<void> {
    this.pages.push(page);
    this.ahead.held++;
    this.notify();
    while (!this.closed && this.ahead.head !== this && (this.pages.length >= this.buffer || this.ahead.held > this.ahead.max)) await this.ahead.wait();
  }

  /** The consumer is gone: a reader waiting for room goes on (and finds its signal aborted). */
  close(): void {
    this.closed = true;
    this.ahead.held -= this.pages.length;
    this.pages = [];
    this.ahead.wake();
  }

  finish(error?: unknown): void {
    this.done = true;
    if (error !== undefined) this.error = { e: error };
    this.notify();
  }

  /** The next page, or undefined at the end of the slice. */
  async next(): Promise<unknown[] | undefined> {
    if (this.ahead.head !== this) {
      this.ahead.head = this;
      this.ahead.wake();
    }
    for (;;) {
      if (this.pages.length) {
        const p = this.pages.shift()!;
        this.ahead.held--;
        this.ahead.wake();
        return p;
      }
      if (this.error) throw this.error.e;
      if (this.done) return undefined;
      await new Promise<void>((r) => (this.notifyConsumer = r));
    }
  }

  private notify(): void {
    this.notifyConsumer?.();
    this.notifyConsumer = undefined;
  }
}

/** One time range [since, until) of the read: its own stream's pages, then the slices it was cut into. */
interface Range {
  since: number | undefined;
  until: number | undefined;
  buf: SliceBuffer;
  /** Where this range's own stream stops: the first of `parts`. */
  stop: number | undefined;
  parts: Range[];
}

/**
 * One abort controller a stream of the read, all aborted together: one signal shared by every slice
 * would gather a listener a slice (Node warns of a leak past ten).
 */
class Streams {
  private readonly all = new Set<AbortController>();
  private reason: { r: unknown } | undefined;

  signal(): AbortSignal {
    const c = new AbortController();
    if (this.reason) c.abort(this.reason.r);
    else this.all.add(c);
    return c.signal;
  }

  abort(reason?: unknown): void {
    this.reason ??= { r: reason };
    for (const c of this.all) c.abort(reason);
    this.all.clear();
  }
}

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function* slicedPages(client: ApiClient, action: PageableAction, query: Query, o: SliceOptions): AsyncGenerator<unknown[], void, undefined> {
  const ctl = new Streams();
  const onAbort = (): void => ctl.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const first = pages(client, action, query, { signal: ctl.signal() });
  const readers: Promise<void>[] = [];
  const ahead = new ReadAhead(SLICED_READ_AHEAD);
  const ranges: Range[] = [];
  let fallback: AsyncGenerator<unknown[], void, undefined> | undefined;
  try {
    const head = await first.next();
    if (head.done) return;
    const firstPage = head.value;
    const size = action.pagination.type === 'cursor' ? action.pagination.pageSizeMax : 0;
    const from = timeOf(firstPage[firstPage.length - 1], o.field);
    // A short first page is the whole read; one slice is the plain stream.
    // Asking for the newest time is a speculation: when it fails (the daily budget cannot pay for
    // it, the network), the read goes on as the plain stream, so the first page is never lost and
    // a failure of the stream itself comes after the pages read before it.
    const worth = firstPage.length >= size && from !== null && Math.floor(o.slices()) > 1 && (o.worthSlicing?.() ?? true);
    const sample = o.whole && worth ? wholeCuts(firstPage, o.field, Math.floor(o.slices())) : undefined;
    const newest = !worth ? null : sample ? (sample.length ? sample[sample.length - 1] : null) : await o.newest().catch(() => null);
    if (newest === null || from === null || (!sample && newest <= from)) {
      yield firstPage;
      for (;;) {
        const r = await first.next();
        if (r.done) return;
        yield r.value;
      }
    }

    let active = 0;
    const range = (since: number | undefined, until: number | undefined): Range => {
      const r: Range = { since, until, buf: new SliceBuffer(o.buffer ?? 2, ahead), stop: undefined, parts: [] };
      ranges.push(r);
      return r;
    };
    // Cuts the rest of `r` after `pagesRead` pages of it (the last record at `last`) into slices,
    // each read at once.
    const cut = (r: Range, last: number, pagesRead: number): void => {
      // A whole read's newest time is its sample's: the open last slice reads whatever is newer.
      const end = r.until ?? newest;
      if (end - last < 2000) return;
      // As many slices as free slots. Over the whole read, how records spread cannot be told from
      // its first page (recent changes are usually denser); within a slice it can, roughly: a slice
      // whose rest would fit in a page or two is not cut (each slice costs at least a request).
      let k = Math.max(0, Math.floor(o.slices()) - active) + 1;
      if (r.since !== undefined) k = Math.min(k, Math.ceil((pagesRead * (end - last)) / Math.max(1000, last - r.since)));
      if (k < 2) return;
      const step = Math.max(1000, Math.ceil((end - last) / k / 1000) * 1000);
      const cuts: number[] = [];
      for (let t = Math.floor(last / 1000) * 1000 + step; t < end && cuts.length < k - 1; t += step) cuts.push(t);
      if (cuts.length === 0) return;
      r.stop = cuts[0];
      r.parts = cuts.map((t, i) => range(t, i + 1 < cuts.length ? cuts[i + 1] : r.until));
      for (const part of r.parts) start(part);
    };
    // Reads range `r` with its own stream (`stream` and its first page, for the first range).
    const read = async (r: Range, stream: AsyncGenerator<unknown[], void, undefined>, page?: unknown[]): Promise<void> => {
      active++;
      try {
        let p = page;
        let pagesRead = 0;
        for (;;) {
          if (!p) {
            const n = await stream.next();
            if (n.done) break;
            p = n.value;
          }
          pagesRead++;
          // Not cut yet (at its first page every slot may have been taken): a full page shows the
          // range goes on, and slots freed since let its rest be read at once.
          if (r.stop === undefined) {
            const last = timeOf(p[p.length - 1], o.field);
            if (p.length >= size && last !== null) cut(r, last, pagesRead);
          }
          const stop = r.stop;
          const i = stop === undefined ? -1 : p.findIndex((x) => (timeOf(x, o.field) ?? -Infinity) >= stop);
          const keep = i < 0 ? p : p.slice(0, i);
          if (keep.length) await r.buf.push(keep);
          if (i >= 0) break;
          p = undefined;
        }
        r.buf.finish();
      } catch (err) {
        r.buf.finish(err);
      } finally {
        active--;
        await stream.return(undefined).catch(() => undefined);
      }
    };
    const sorted = o.whole ? { ...query, ...o.whole.order } : query;
    const start = (r: Range): void => {
      const q = { ...sorted, ...(r.since !== undefined ? { [o.sinceParam]: iso(r.since) } : {}), ...(r.until !== undefined ? { [o.untilParam]: iso(r.until) } : {}) };
      readers.push(read(r, pages(client, action, q, { signal: ctl.signal() })));
    };
    // A since read goes on with its first stream, cut after its first page; a whole read starts
    // over sorted by update time, cut at its sample's quantiles at once.
    let root: Range | undefined;
    const order: Range[] = [];
    if (sample) {
      await first.return(undefined);
      const cuts = sample.slice(0, -1);
      for (let i = 0; i <= cuts.length; i++) order.push(range(i ? cuts[i - 1] : undefined, i < cuts.length ? cuts[i] : undefined));
      for (const r of order) start(r);
    } else {
      root = range(undefined, undefined);
      order.push(root);
      readers.push(read(root, first, firstPage));
    }

    // Hands on every range's own pages, then its parts, depth first: oldest first.
    let lastAt: number | null = null;
    let atLast = 0;
    while (order.length) {
      const r = order.shift()!;
      for (;;) {
        let page: unknown[] | undefined;
        try {
          page = await r.buf.next();
        } catch (err) {
          // The first range is the plain stream: its failure is the read's. A slice's failure (a
          // bound refused, a request cut short) leaves the rest to one stream.
          if (r === root || o.signal?.aborted) throw err;
          fallback = rest(client, action, sorted, o, lastAt ?? r.since, lastAt === null ? 0 : atLast);
          break;
        }
        if (!page) break;
        for (const x of page) {
          const t = timeOf(x, o.field);
          if (t !== null && t === lastAt) atLast++;
          else if (t !== null) {
            lastAt = t;
            atLast = 1;
          }
        }
        yield page;
      }
      if (fallback) break;
      order.unshift(...r.parts);
    }
    if (fallback) {
      ctl.abort();
      for (const r of ranges) r.buf.close();
      yield* fallback;
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    ctl.abort();
    for (const r of ranges) r.buf.close();
    await first.return(undefined).catch(() => undefined);
    await fallback?.return(undefined).catch(() => undefined);
    await Promise.allSettled(readers);
  }
}

/**
 * Where to cut a whole read into `k` slices of about as many records each, from a sample of its
 * update times (a page in another order than by time): the sample's quantiles in whole seconds,
 * increasing, then the sample's newest time last. Empty when the sample cannot be cut.
 */
export function wholeCuts(sample: readonly unknown[], field: string, k: number): number[] {
  const times = sample.map((r) => timeOf(r, field)).filter((t): t is number => t !== null).sort((a, b) => a - b);
  if (times.length < 2 || k < 2) return [];
  const cuts: number[] = [];
  for (let i = 1; i < k; i++) {
    const t = Math.floor(times[Math.floor((i * times.length) / k)] / 1000) * 1000;
    if (t > (cuts[cuts.length - 1] ?? -Infinity)) cuts.push(t);
  }
  // One cut below every sampled time leaves the first slice empty in the sample: drop it.
  if (cuts.length && cuts[0] <= times[0]) cuts.shift();
  return cuts.length ? [...cuts, times[times.length - 1]] : [];
}

/**
 * The rest of a sliced read as one stream: every record updated at or after `from` (the last time
 * handed on), the first `skip` of those updated exactly then left out (they were handed on).
 */
async function* rest(client: ApiClient, action: PageableAction, query: Query, o: SliceOptions, from: number | undefined, skip: number): AsyncGenerator<unknown[], void, undefined> {
  let left = skip;
  for await (const page of pages(client, action, { ...query, ...(from !== undefined ? { [o.sinceParam]: iso(from) } : {}) }, { ...(o.signal ? { signal: o.signal } : {}) })) {
    let i = 0;
    while (left > 0 && i < page.length && timeOf(page[i], o.field) === from) {
      i++;
      left--;
    }
    // Past the records of that second: nothing more to leave out.
    if (i < page.length) left = 0;
    const keep = i ? page.slice(i) : page;
    if (keep.length) yield keep;
  }
}
