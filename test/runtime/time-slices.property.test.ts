// A cursor read in time slices against a fake v2 list whose answers arrive in the order fast-check's
// scheduler picks: whatever the update times (ties included), the slices at once and the slices
// whose requests fail, every record is handed on once, oldest first, as from one stream; pages
// answered ahead of the consumer stay within the read's bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiClient, ApiResponse, PageableAction, RequestOptions } from '../../src/runtime/http/index.js';
import { SLICED_READ_AHEAD } from '../../src/runtime/http/page-window.js';
import { betweenCuts, restSlices, slicedPages } from '../../src/runtime/sources/time-slices.js';
import { action, pageable } from './http/helpers.js';

const PAGE = 5;
const persons: PageableAction = (() => {
  const a = pageable(action('persons', 'v2'));
  return { ...a, pagination: { ...a.pagination, pageSizeMax: PAGE } as typeof a.pagination };
})();
const T0 = Date.UTC(2025, 0, 1);
const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Rec {
  id: number;
  update_time: string;
}

/** A v2 list sorted by (update_time, id), with updated_since / updated_until and keyset cursors. */
function fakeV2(records: Rec[], s: fc.Scheduler, failBounded: boolean) {
  const log = { requests: 0, bounded: 0, byTime: 0 };
  const key = (r: Rec) => [Date.parse(r.update_time), r.id] as const;
  const client = {
    site: (method: string, path: string) => ({ method, path, host: 'fake' }),
    request: (o: RequestOptions): Promise<ApiResponse> => {
      log.requests++;
      const q = o.query ?? {};
      const desc = q.sort_direction === 'desc';
      const since = q.updated_since ? Date.parse(String(q.updated_since)) : -Infinity;
      const until = q.updated_until ? Date.parse(String(q.updated_until)) : Infinity;
      if (q.updated_until) log.bounded++;
      if (failBounded && q.updated_until) return s.schedule(Promise.reject(new Error('bounded read refused')), 'refused');
      // Without sort_by: by id, as the API's own order.
      const byTime = q.sort_by === 'update_time';
      if (byTime) log.byTime++;
      let list = records.filter((r) => Date.parse(r.update_time) >= since && Date.parse(r.update_time) < until).sort((a, b) => (byTime ? key(a)[0] - key(b)[0] : 0) || a.id - b.id);
      if (desc) list = list.reverse();
      if (q.cursor) {
        const [t, id] = String(q.cursor).split(':').map(Number);
        list = list.filter((r) => (byTime ? key(r)[0] > t || (key(r)[0] === t && r.id > id) : r.id > id));
      }
      const limit = Number(q.limit);
      const data = list.slice(0, limit);
      const last = data[data.length - 1];
      const next = list.length > limit && last ? `${byTime ? key(last)[0] : 0}:${last.id}` : null;
      return s.schedule(Promise.resolve({ status: 200, headers: {}, body: { success: true, data, additional_data: { next_cursor: next } }, attempts: 1 } as ApiResponse), `page ${String(q.cursor ?? q.updated_since ?? '')}`);
    },
  } as unknown as ApiClient;
  return { client, log };
}

const QUERY = { sort_by: 'update_time', sort_direction: 'asc' };

async function readAll(client: ApiClient, s: fc.Scheduler, slices: number, newest: number | null, whole = false): Promise<number[]> {
  const got: number[] = [];
  const reading = (async () => {
    const read = slicedPages(client, persons, whole ? {} : QUERY, {
      sinceParam: 'updated_since',
      untilParam: 'updated_until',
      field: 'update_time',
      slices: () => slices,
      newest: async () => newest,
      ...(whole ? { whole: { order: QUERY } } : {}),
    });
    for await (const page of read) for (const r of page) got.push((r as Rec).id);
  })();
  await s.waitFor(reading);
  return got;
}

const recordsArb = fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }).map((secs) => secs.map((sec, id) => ({ id, update_time: iso(T0 + sec * 60_000) })));
const inOrder = (records: Rec[]) => [...records].sort((a, b) => Date.parse(a.update_time) - Date.parse(b.update_time) || a.id - b.id).map((r) => r.id);
const newestOf = (records: Rec[]) => (records.length ? Math.max(...records.map((r) => Date.parse(r.update_time))) : null);

describe('time slices', () => {
  it('cut the range between the oldest and the newest page where about as many records are expected in each slice', () => {
    const at = (sec: number) => ({ update_time: iso(T0 + sec * 1000) });
    // Ten records over 1000 s at the start, ten over 10 s at the end: denser towards the end.
    const oldest = Array.from({ length: 10 }, (_, i) => at(i * 100));
    const newest = Array.from({ length: 10 }, (_, i) => at(100_000 - i));
    const cuts = betweenCuts(oldest, newest, 'update_time', T0 + 1000_000, T0 + 99_990_000, 8, 10);
    expect(cuts.length).toBe(7);
    for (let i = 0; i < cuts.length; i++) {
      expect(cuts[i] % 1000).toBe(0);
      expect(cuts[i]).toBeGreaterThan(i ? cuts[i - 1] : T0 + 1000_000);
      expect(cuts[i]).toBeLessThan(T0 + 99_990_000);
    }
    // Each slice after the first is shorter than the one before it.
    const widths = cuts.slice(1).map((c, i) => c - cuts[i]);
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeLessThan(widths[i - 1]);
    // Few records expected between: fewer slices; none when there is no room for one.
    expect(betweenCuts(oldest, newest, 'update_time', T0 + 1000_000, T0 + 1002_000, 8, 10).length).toBeLessThan(2);
    expect(betweenCuts(oldest, newest, 'update_time', T0, T0 + 1000, 8, 10)).toEqual([]);
    expect(betweenCuts(oldest, newest, 'update_time', T0 + 1000_000, T0 + 99_990_000, 1, 10)).toEqual([]);
  });

  it('hand on every record once, oldest first, whatever the times, the slices and the order of answers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), recordsArb, fc.integer({ min: 1, max: 8 }), async (s, records, slices) => {
        const { client } = fakeV2(records, s, false);
        expect(await readAll(client, s, slices, newestOf(records))).toEqual(inOrder(records));
      }),
      { numRuns: 150 },
    );
  });

  it('read a whole read once, oldest first, from its oldest and its newest page at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), recordsArb, fc.integer({ min: 1, max: 8 }), fc.boolean(), async (s, records, slices, failBounded) => {
        const { client } = fakeV2(records, s, failBounded);
        expect(await readAll(client, s, slices, null, true)).toEqual(inOrder(records));
      }),
      { numRuns: 200 },
    );
  });

  it('read a whole read whose oldest and newest pages overlap without another round', async () => {
    const records = Array.from({ length: 2 * PAGE - 1 }, (_, id) => ({ id, update_time: iso(T0 + ((id * 7) % (2 * PAGE - 1)) * 1000) }));
    const now = { schedule: <T>(p: Promise<T>) => p, waitFor: <T>(p: Promise<T>) => p } as unknown as fc.Scheduler;
    const { client, log } = fakeV2(records, now, false);
    expect(await readAll(client, now, 8, null, true)).toEqual(inOrder(records));
    // The two pages, and the first stream's next page, asked as its first came in.
    expect(log.requests).toBeLessThanOrEqual(3);
  });

  it('start the slices of a whole read as soon as its oldest and newest pages are in', async () => {
    const records = Array.from({ length: 100 }, (_, id) => ({ id, update_time: iso(T0 + id * 60_000) }));
    const now = { schedule: <T>(p: Promise<T>) => p } as unknown as fc.Scheduler;
    const { client, log } = fakeV2(records, now, false);
    const asked: string[] = [];
    const watching = { ...client, request: (o: RequestOptions) => (asked.push(`${String(o.query?.sort_direction)} ${String(o.query?.updated_since ?? '')}`), client.request(o)) } as unknown as ApiClient;
    const got: number[] = [];
    for await (const page of slicedPages(watching, persons, {}, { sinceParam: 'updated_since', untilParam: 'updated_until', field: 'update_time', slices: () => 30, newest: async () => { throw new Error('not asked'); }, whole: { order: QUERY } })) {
      for (const r of page) got.push((r as Rec).id);
    }
    expect(got).toEqual(records.map((r) => r.id));
    expect(asked.slice(0, 2).sort()).toEqual(['asc ', 'desc ']);
    // 90 records between the two pages in slices of about half a page, most done in one page.
    expect(log.bounded).toBeGreaterThan(10);
    expect(log.requests).toBeLessThan(100 / PAGE + 30);
  });

  it('go on as one stream when slice requests fail, losing and repeating nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), recordsArb, fc.integer({ min: 2, max: 8 }), async (s, records, slices) => {
        const { client } = fakeV2(records, s, true);
        expect(await readAll(client, s, slices, newestOf(records))).toEqual(inOrder(records));
      }),
      { numRuns: 150 },
    );
  });

  it('read in several slices once the first page is full, and keep pages ahead of the consumer within the bound', async () => {
    const records = Array.from({ length: 400 }, (_, id) => ({ id, update_time: iso(T0 + id * 60_000) }));
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { client, log } = fakeV2(records, s, false);
        let held = 0;
        let maxHeld = 0;
        const got: number[] = [];
        const reading = (async () => {
          const read = slicedPages(client, persons, QUERY, { sinceParam: 'updated_since', untilParam: 'updated_until', field: 'update_time', slices: () => 8, newest: async () => newestOf(records) });
          // A slow consumer: the slices get far ahead of it unless bounded.
          for await (const page of read) {
            for (const r of page) got.push((r as Rec).id);
            await new Promise((r) => setTimeout(r, 0));
          }
        })();
        const watch = setInterval(() => {
          held = log.requests - got.length / PAGE;
          maxHeld = Math.max(maxHeld, held);
        }, 0);
        await s.waitFor(reading);
        clearInterval(watch);
        expect(got).toEqual(records.map((r) => r.id));
        expect(log.bounded).toBeGreaterThan(0);
        // Requests answered or in flight beyond the pages consumed: the bound, plus one in flight a slice.
        expect(maxHeld).toBeLessThanOrEqual(SLICED_READ_AHEAD + 2 * 8 + 2);
      }),
      { numRuns: 5 },
    );
  });
  it('keep the slice being handed on within its buffer when the consumer is slower than the server', async () => {
    // A whole read that one stream keeps up with reads on in its first stream alone: that stream is
    // the one handed on, and a destination slower than the server must not let it run ahead.
    const records = Array.from({ length: 400 }, (_, id) => ({ id, update_time: iso(T0 + id * 60_000) }));
    for (const whole of [true, false]) {
      const now = { schedule: <T>(p: Promise<T>) => p } as unknown as fc.Scheduler;
      const { client, log } = fakeV2(records, now, false);
      const got: number[] = [];
      let most = 0;
      const read = slicedPages(client, persons, whole ? {} : QUERY, {
        sinceParam: 'updated_since',
        untilParam: 'updated_until',
        field: 'update_time',
        slices: () => (whole ? 8 : 1),
        worthSlicing: () => false,
        newest: async () => newestOf(records),
        ...(whole ? { whole: { order: QUERY } } : {}),
      });
      for await (const page of read) {
        for (const r of page) got.push((r as Rec).id);
        await new Promise((r) => setTimeout(r, 1));
        most = Math.max(most, log.requests - got.length / PAGE);
      }
      expect(got).toEqual(records.map((r) => r.id));
      // Pages asked for and not yet taken: the slice's buffer, one in flight, and a whole read's newest page.
      expect(most).toBeLessThanOrEqual(4);
    }
  });

  it('read in many slices at once without warning of a leak of abort listeners', async () => {
    const records = Array.from({ length: 400 }, (_, id) => ({ id, update_time: iso(T0 + id * 60_000) }));
    const now = { schedule: <T>(p: Promise<T>) => p } as unknown as fc.Scheduler;
    const { client, log } = fakeV2(records, now, false);
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const got: number[] = [];
      for await (const page of slicedPages(client, persons, QUERY, { sinceParam: 'updated_since', untilParam: 'updated_until', field: 'update_time', slices: () => 24, newest: async () => newestOf(records) })) {
        for (const r of page) got.push((r as Rec).id);
      }
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(got).toEqual(records.map((r) => r.id));
      expect(log.bounded).toBeGreaterThan(10);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
  it('cut the rest of a range that came back full into one slice more than its density predicts', () => {
    const min = 60_000;
    // One page over 10 minutes, 10 minutes left: one more page by that density, cut in two.
    expect(restSlices(1, T0, T0 + 10 * min, T0 + 20 * min)).toBe(2);
    // Two pages over 10 minutes, 20 left: four more, cut in five.
    expect(restSlices(2, T0, T0 + 10 * min, T0 + 30 * min)).toBe(5);
    // A sliver left is still cut in two: it may hold more than the density says.
    expect(restSlices(3, T0, T0 + 60 * min, T0 + 60 * min + 2000)).toBe(2);
  });

  it('cut a slice that was read on alone for want of free slots as soon as slots are free again', async () => {
    // Two slices at once: the first stream and one part. The part's first page comes while the
    // first stream still reads, so it cannot be cut then; once the first stream is done it is.
    const records = Array.from({ length: 400 }, (_, id) => ({ id, update_time: iso(T0 + id * 60_000) }));
    const now = { schedule: <T>(p: Promise<T>) => p } as unknown as fc.Scheduler;
    const { client } = fakeV2(records, now, false);
    const sinces = new Set<string>();
    const watching = { ...client, request: (o: RequestOptions) => (o.query?.updated_since && sinces.add(String(o.query.updated_since)), client.request(o)) } as unknown as ApiClient;
    const got: number[] = [];
    for await (const page of slicedPages(watching, persons, QUERY, { sinceParam: 'updated_since', untilParam: 'updated_until', field: 'update_time', slices: () => 2, newest: async () => newestOf(records) })) {
      for (const r of page) got.push((r as Rec).id);
    }
    expect(got).toEqual(records.map((r) => r.id));
    expect(sinces.size).toBeGreaterThan(1);
  });
});
