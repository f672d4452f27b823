// A cursor-paged read (v2) in parallel time slices. Cursors cannot be predicted, so one cursor
// stream is read one page after another, bound by the server's latency. When the read sorts by
// update time, oldest first, and the action takes `updated_since` / `updated_until`, the range of
// times can be cut into slices each read with its own cursor, several at once:
//
//   the first stream   (already under way) up to the first cut; records at the cut or later are
//                      left to the slices after it
//   slice i            updated_since = c_i, updated_until = c_(i+1)  (since inclusive, until exclusive)
//   the last slice     updated_since = c_(k-1), no end: what changes during the run lands there
//                      (a whole read: the newest page, below)
//
// Every record falls in exactly one slice. How records spread over time cannot be known beforehand
// (recent changes are usually denser), so a range whose page comes back full while slots are free
// is cut again, evenly in time: its own stream goes on up to a new cut, and new slices read the rest
// of it. A range whose page came back full while every slot was taken is cut as soon as one frees
// up. Pages are handed on in slice order, so the consumer sees records oldest first as from one
// stream, and what it commits (the watermark, boundary ids) only ever covers a contiguous prefix of
// finished slices.
//
// A since read slices only once its first page came back full (a small read costs nothing more),
// and takes one extra request: the newest update time, where the slices end. A whole read (no
// since) asks for its oldest page and its newest page (sorted the other way) at once: when they
// overlap the read is done; otherwise they give where the times begin and end and how dense the
// records are at both ends, the range between them is cut where about as many records are expected
// in each slice (`betweenCuts`), and the newest page's records are the last slice, already read.
//
// Pages answered ahead of the one being handed on are bounded across all slices
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
  /** A since read: finds the newest update time (ms since epoch), or null when unknown: no slicing then. */
  newest: () => Promise<number | null>;
  /** Asked once the first page is in: whether one stream is too slow for the rate allowed (default: always). */
  worthSlicing?: () => boolean;
  /**
   * A whole read (no since): the parameters that sort it by update time, oldest first. Its oldest
   * and newest pages are asked at once (the newest with `sort_direction=desc`); when one stream keeps
   * up with the rate (`worthSlicing`), the first stream reads on alone up to the newest page.
   */
  whole?: { order: Query };
  /** Keep only these top-level fields of each record (PagesOptions.fields); `field` must be one. */
  fields?: readonly string[];
  signal?: AbortSignal;
}

/** Pages one slice may read ahead of the one being handed on (within SLICED_READ_AHEAD for all). */
const SLICE_BUFFER = 2;

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
  /** The slice being handed on: the read's bound never holds it back, so the consumer always gets on. */
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
    // The slice being handed on is not held back by the read's bound (the other slices' pages fill
    // it, and the consumer must get on), but it is by its own buffer: the consumer drains that, and a
    // consumer slower than the server would otherwise gather the whole slice in memory.
    while (!this.closed && (this.pages.length >= this.buffer || (this.ahead.head !== this && this.ahead.held > this.ahead.max))) await this.ahead.wait();
  }

  /** A page already read, and the slice's end: nothing to wait for. */
  fill(page: unknown[]): void {
    if (page.length) {
      this.pages.push(page);
      this.ahead.held++;
    }
    this.finish();
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
  const size = action.pagination.type === 'cursor' ? action.pagination.pageSizeMax : 0;
  const sorted = o.whole ? { ...query, ...o.whole.order } : query;
  const kept = o.fields ? { fields: o.fields } : {};
  const first = pages(client, action, sorted, { signal: ctl.signal(), ...kept });
  // A whole read asks for its newest page at once: where the times end and how dense they are
  // there, and records to keep. A read that fits in one page pays one request more for it.
  const top = o.whole ? pages(client, action, { ...sorted, sort_direction: 'desc' }, { limit: size, signal: ctl.signal(), ...kept }) : undefined;
  const topPage = top?.next().then(
    (r) => (r.done ? [] : r.value),
    () => null,
  );
  const readers: Promise<void>[] = [];
  const ahead = new ReadAhead(SLICED_READ_AHEAD);
  const ranges: Range[] = [];
  let fallback: AsyncGenerator<unknown[], void, undefined> | undefined;
  try {
    const head = await first.next();
    if (head.done) return;
    const firstPage = head.value;
    const from = timeOf(firstPage[firstPage.length - 1], o.field);
    // A short first page is the whole read; one slice is the plain stream.
    const full = firstPage.length >= size && from !== null;
    const newestPage = full && topPage ? await topPage : null;
    const newestAt = newestPage?.length ? timeOf(newestPage[newestPage.length - 1], o.field) : null;
    if (newestPage && newestAt !== null && from !== null && newestAt < from) {
      // The two pages overlap: every record is older than the first page's last or newer than the
      // newest page's oldest. Those updated at the first page's last time are all in the newest page.
      yield* whole(firstPage, newestPage, from, o.field);
      return;
    }
    const worth = full && Math.floor(o.slices()) > 1 && (o.worthSlicing?.() ?? true);
    // Asking for the newest time is a speculation: when it fails (the daily budget cannot pay for
    // it, the network), the read goes on as the plain stream, so the first page is never lost and
    // a failure of the stream itself comes after the pages read before it.
    const newest = newestAt !== null ? newestAt : !worth || o.whole ? null : await o.newest().catch(() => null);
    if (newest === null || from === null || newest <= from) {
      yield firstPage;
      for (;;) {
        const r = await first.next();
        if (r.done) return;
        yield r.value;
      }
    }

    let active = 0;
    const range = (since: number | undefined, until: number | undefined): Range => {
      const r: Range = { since, until, buf: new SliceBuffer(SLICE_BUFFER, ahead), stop: undefined, parts: [] };
      ranges.push(r);
      return r;
    };
    // Ranges whose page came back full while every slot was taken, with where their stream is: cut
    // as soon as a slot frees up, while their stream goes on.
    const unsliced = new Map<Range, { last: number; pagesRead: number; begin: number }>();
    // Cuts what is left of `r`'s own stream after `pagesRead` pages (its first record at `begin`,
    // the last at `last`) into slices, each read at once, before the parts it may already have; false
    // when too few slots were free for all it would take.
    const cut = (r: Range, last: number, pagesRead: number, begin: number): boolean => {
      const end = r.stop ?? r.until ?? newest;
      if (!worth || end - last < 2000) return true;
      // As many slices as free slots, and, in a bounded range, no more than the pages its rest would
      // take at the density its stream has read so far (each slice costs at least a request). The
      // first stream of a since read is not bounded: how records spread over the whole read cannot
      // be told from its first page (recent changes are usually denser).
      const free = Math.max(0, Math.floor(o.slices()) - active);
      const bounded = r.since !== undefined || r.stop !== undefined;
      const want = bounded ? restSlices(pagesRead, r.since ?? begin, last, end) : Infinity;
      const k = Math.min(free + 1, want);
      if (k < 2) return want < 2;
      const step = Math.max(1000, Math.ceil((end - last) / k / 1000) * 1000);
      const cuts: number[] = [];
      for (let t = Math.floor(last / 1000) * 1000 + step; t < end && cuts.length < k - 1; t += step) cuts.push(t);
      if (cuts.length === 0) return true;
      const parts = cuts.map((t, i) => range(t, i + 1 < cuts.length ? cuts[i + 1] : (r.stop ?? r.until)));
      r.stop = cuts[0];
      r.parts = [...parts, ...r.parts];
      for (const part of parts) start(part);
      // Fewer slots than its rest wants: what is left of its own stream is cut again as more free up.
      return k >= want;
    };
    // Reads range `r` with its own stream (`stream` and its first page, for the first range).
    const read = async (r: Range, stream: AsyncGenerator<unknown[], void, undefined>, page?: unknown[]): Promise<void> => {
      active++;
      try {
        let p = page;
        let pagesRead = 0;
        let begin: number | null = null;
        for (;;) {
          if (!p) {
            const n = await stream.next();
            if (n.done) break;
            p = n.value;
          }
          pagesRead++;
          begin ??= timeOf(p[0], o.field);
          const last = timeOf(p[p.length - 1], o.field);
          // A full page shows the range goes on: what is left of it is cut now if slots are free,
          // or as soon as some are (at its first page every slot may have been taken).
          if (p.length >= size && last !== null && begin !== null && (r.stop === undefined || last < r.stop)) {
            if (cut(r, last, pagesRead, begin)) unsliced.delete(r);
            else unsliced.set(r, { last, pagesRead, begin });
          } else unsliced.delete(r);
          const i = before(p, last, r.stop, o.field);
          const keep = i < p.length ? p.slice(0, i) : p;
          if (keep.length) await r.buf.push(keep);
          if (i < p.length) break;
          p = undefined;
        }
        r.buf.finish();
      } catch (err) {
        r.buf.finish(err);
      } finally {
        unsliced.delete(r);
        active--;
        await stream.return(undefined).catch(() => undefined);
        for (const [u, at] of unsliced) if (cut(u, at.last, at.pagesRead, at.begin)) unsliced.delete(u);
      }
    };
    const start = (r: Range): void => {
      const q = { ...sorted, ...(r.since !== undefined ? { [o.sinceParam]: iso(r.since) } : {}), ...(r.until !== undefined ? { [o.untilParam]: iso(r.until) } : {}) };
      readers.push(read(r, pages(client, action, q, { signal: ctl.signal(), ...kept })));
    };
    const root = range(undefined, undefined);
    const order: Range[] = [root];
    if (newestPage && newestAt !== null) {
      // The first stream reads on from its first page and the newest page is kept from the next
      // whole second after its oldest time; the range between them is cut where about as many
      // records are expected in each slice (the first stream takes the first), or read on by the
      // first stream alone when one stream keeps up with the rate.
      const low = Math.floor(from / 1000) * 1000;
      const until = Math.floor(newestAt / 1000) * 1000 + 1000;
      const cuts = worth ? betweenCuts(firstPage, newestPage, o.field, low, until, Math.floor(o.slices()), size) : [];
      root.stop = cuts[0] ?? until;
      root.parts = cuts.map((t, i) => range(t, i + 1 < cuts.length ? cuts[i + 1] : until));
      for (const part of root.parts) start(part);
      // The newest page's records from `until` on: the last range, already read.
      const tail = range(until, undefined);
      tail.buf.fill(since(newestPage, until, o.field));
      root.parts.push(tail);
    }
    readers.push(read(root, first, firstPage));

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
        // Pages are sorted by time: the last time handed on and how many records had it are in the tail.
        const t = timeOf(page[page.length - 1], o.field);
        if (t !== null) {
          let n = 1;
          while (n < page.length && timeOf(page[page.length - 1 - n], o.field) === t) n++;
          atLast = n === page.length && t === lastAt ? atLast + n : n;
          lastAt = t;
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
    await top?.return(undefined).catch(() => undefined);
    await fallback?.return(undefined).catch(() => undefined);
    await Promise.allSettled(readers);
  }
}

/** How many records of `page` (sorted by time, its last at `last`) are updated before `stop`. */
function before(page: readonly unknown[], last: number | null, stop: number | undefined, field: string): number {
  if (stop === undefined || (last !== null && last < stop)) return page.length;
  const i = page.findIndex((x) => (timeOf(x, field) ?? -Infinity) >= stop);
  return i < 0 ? page.length : i;
}

/**
 * A whole read whose first page (oldest first, its last record at `from`) and newest page (newest
 * first) overlap: the first page's records older than `from`, then the newest page's from `from` on.
 */
function* whole(firstPage: unknown[], newestPage: readonly unknown[], from: number, field: string): Generator<unknown[]> {
  const i = before(firstPage, from, from, field);
  if (i) yield i < firstPage.length ? firstPage.slice(0, i) : firstPage;
  const newer = since(newestPage, from, field);
  if (newer.length) yield newer;
}

/** The records of `newestPage` (newest first) updated at `t` or later, oldest first. */
function since(newestPage: readonly unknown[], t: number, field: string): unknown[] {
  let n = 0;
  while (n < newestPage.length && (timeOf(newestPage[n], field) ?? -Infinity) >= t) n++;
  return newestPage.slice(0, n).reverse();
}

/**
 * Where to cut the range [since, until) of a whole read into at most `k` slices (the first stream
 * reads the first), from its oldest page and its newest page: the density of records is taken to
 * change exponentially in time from the one's to the other's (recent changes are usually denser),
 * and each slice is to hold about half a page by it, so that most finish in their first page
 * whatever the guess. Whole seconds, increasing, strictly between `since` and `until`.
 */
export function betweenCuts(oldest: readonly unknown[], newest: readonly unknown[], field: string, since: number, until: number, k: number, size: number): number[] {
  const span = (page: readonly unknown[]): { at: number; density: number } | null => {
    const ts = page.map((r) => timeOf(r, field)).filter((t): t is number => t !== null);
    if (ts.length < 2) return null;
    const lo = Math.min(...ts);
    const hi = Math.max(...ts);
    return { at: (lo + hi) / 2, density: ts.length / Math.max(1000, hi - lo) };
  };
  const a = span(oldest);
  const b = span(newest);
  if (!a || !b || k < 2 || until - since < 2000) return [];
  const density = (t: number): number => {
    const f = b.at > a.at ? Math.min(1, Math.max(0, (t - a.at) / (b.at - a.at))) : 0.5;
    return Math.exp(Math.log(a.density) + (Math.log(b.density) - Math.log(a.density)) * f);
  };
  const steps = 256;
  const w = (until - since) / steps;
  const mass = [0];
  for (let i = 0; i < steps; i++) mass.push(mass[i] + density(since + (i + 0.5) * w) * w);
  const total = mass[steps];
  const n = Math.max(1, Math.min(k, Math.ceil(total / (size / 2))));
  // The first slice is the first stream's, read on one page after another: half a page by the
  // guess, the rest shared evenly.
  const head = Math.min(total / n, size / 2);
  const cuts: number[] = [];
  let j = 0;
  for (let i = 1; i < n; i++) {
    const m = head + ((total - head) * (i - 1)) / (n - 1);
    while (mass[j + 1] < m) j++;
    const t = Math.floor((since + (j + (m - mass[j]) / (mass[j + 1] - mass[j])) * w) / 1000) * 1000;
    if (t > since && t < until && t > (cuts[cuts.length - 1] ?? -Infinity)) cuts.push(t);
  }
  return cuts;
}

/**
 * The slices to cut the rest of a bounded range into, [last, end), after its stream read `pagesRead`
 * full pages from `since` to `last`: the pages the rest would take at that density, and one more.
 * Records are usually denser toward the end of a range (recent changes), so the rest is more often
 * underestimated than not; a slice too few costs the whole read a round trip (that slice's stream
 * reading on page after page) where a slice too many costs one request.
 */
export function restSlices(pagesRead: number, since: number, last: number, end: number): number {
  return Math.ceil((pagesRead * (end - last)) / Math.max(1000, last - since)) + 1;
}

/**
 * The rest of a sliced read as one stream: every record updated at or after `from` (the last time
 * handed on), the first `skip` of those updated exactly then left out (they were handed on).
 */
async function* rest(client: ApiClient, action: PageableAction, query: Query, o: SliceOptions, from: number | undefined, skip: number): AsyncGenerator<unknown[], void, undefined> {
  let left = skip;
  for await (const page of pages(client, action, { ...query, ...(from !== undefined ? { [o.sinceParam]: iso(from) } : {}) }, { ...(o.signal ? { signal: o.signal } : {}), ...(o.fields ? { fields: o.fields } : {}) })) {
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
