// Offset pages read several at a time: whatever order the answers arrive in (fast-check's scheduler
// decides), every record is yielded once, in order; no more pages than the window are ever in
// flight; and at most `max - 1` pages are asked for past the end of the collection.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pages, type ApiClient, type ApiResponse, type PageableAction, type RequestOptions } from '../../../src/runtime/http/index.js';
import { MAX_SLICES, PageWindow, readWindowFor, SLICED_READ_AHEAD, sliceCountFor, streamTooSlow } from '../../../src/runtime/http/page-window.js';
import { action, pageable } from './helpers.js';

const persons: PageableAction = pageable(action('persons', 'v1'));

/** A v1 list of `total` records answering through the scheduler: each answer arrives when it says. */
function fakeServer(total: number, s: fc.Scheduler) {
  const log = { asked: [] as number[], inFlight: 0, maxInFlight: 0 };
  const client = {
    site: (method: string, path: string) => ({ method, path, host: 'fake' }),
    request: (o: RequestOptions): Promise<ApiResponse> => {
      const start = Number(o.query?.start ?? 0);
      const limit = Number(o.query?.limit ?? 100);
      log.asked.push(start);
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      const data = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => ({ id: start + i }));
      const more = start + data.length < total;
      const body = { success: true, data: data.length ? data : null, additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + data.length } : {}) } } };
      return s.schedule(Promise.resolve({ status: 200, headers: {}, body, attempts: 1 } as ApiResponse), `page ${start}`).finally(() => log.inFlight--);
    },
  } as unknown as ApiClient;
  return { client, log };
}

describe('concurrent offset pages', () => {
  it('yields every record once, in order, whatever order the pages arrive in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 8 }), async (s, total, pageSize, ahead) => {
        const { client, log } = fakeServer(total, s);
        const got: number[] = [];
        const reading = (async () => {
          for await (const page of pages(client, persons, {}, { pageSize, ahead })) for (const r of page) got.push((r as { id: number }).id);
        })();
        await s.waitFor(reading);
        expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
        expect(log.maxInFlight).toBeLessThanOrEqual(ahead);
        // Pages past the end: at most the window's speculation.
        const needed = Math.max(1, Math.ceil(total / pageSize));
        expect(log.asked.length - needed).toBeLessThanOrEqual(ahead - 1);
        expect(new Set(log.asked).size).toBe(log.asked.length);
      }),
      { numRuns: 150 },
    );
  });

  it('a consumer that stops early leaves nothing in flight', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), async (s, stopAfter, ahead) => {
        const { client, log } = fakeServer(200, s);
        const got: number[] = [];
        const reading = (async () => {
          for await (const page of pages(client, persons, {}, { pageSize: 5, ahead })) {
            for (const r of page) got.push((r as { id: number }).id);
            if (got.length >= stopAfter) break;
          }
        })();
        await s.waitFor(reading);
        await s.waitAll();
        expect(got.slice(0, stopAfter)).toEqual(Array.from({ length: stopAfter }, (_, i) => i));
        expect(log.inFlight).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('a late page does not stop the window: pages answered behind it count in it, and requests go on', async () => {
    // Answers released by hand: page 1 is late, the three after it are already answered.
    const asked: number[] = [];
    const answer = new Map<number, () => void>();
    const client = {
      site: (method: string, path: string) => ({ method, path, host: 'fake' }),
      request: (o: RequestOptions): Promise<ApiResponse> => {
        const start = Number(o.query?.start ?? 0);
        asked.push(start);
        const body = { success: true, data: [{ id: start }], additional_data: { pagination: { start, limit: 1, more_items_in_collection: true, next_start: start + 1 } } };
        return new Promise((resolve) => answer.set(start, () => resolve({ status: 200, headers: {}, body, attempts: 1 } as ApiResponse)));
      },
    } as unknown as ApiClient;
    const read = pages(client, persons, {}, { pageSize: 1, ahead: 4 });
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const first = read.next();
    await tick();
    answer.get(0)!();
    expect((await first).value).toEqual([{ id: 0 }]);
    await tick();
    expect(asked).toEqual([0, 1, 2, 3, 4]);
    const second = read.next();
    for (const start of [2, 3, 4]) answer.get(start)!();
    await tick();
    answer.get(1)!();
    expect((await second).value).toEqual([{ id: 1 }]);
    await tick();
    // The consumer holds page 1 and pages 2-4 wait for it: one more page fits the window of 4.
    expect(asked).toEqual([0, 1, 2, 3, 4, 5]);
    await read.return(undefined);
  });

  it('the window starts at one page and opens whole once a page comes back full', () => {
    const w = new PageWindow(25);
    expect(w.size).toBe(1);
    w.full();
    expect(w.size).toBe(25);
    expect(w.speculation).toBe(24);
    w.reset();
    expect(w.size).toBe(1);
  });

  it('the plan decides the largest window: a quarter of the burst per 2 s', () => {
    expect(readWindowFor(20, 2000)).toBe(5);
    expect(readWindowFor(100, 2000)).toBe(25);
    expect(readWindowFor(1000, 2000)).toBe(32);
    expect(readWindowFor(Number.MAX_SAFE_INTEGER, 1000)).toBe(2);
    expect(readWindowFor(2, 2000)).toBe(1);
  });

  it('a cursor read has half the burst per 2 s of time slices at once, more than the offset window', () => {
    expect(sliceCountFor(100, 2000)).toBe(50);
    expect(sliceCountFor(20, 2000)).toBe(10);
    expect(sliceCountFor(1000, 2000)).toBe(MAX_SLICES);
    expect(sliceCountFor(200, 4000)).toBe(50);
    expect(sliceCountFor(Number.MAX_SAFE_INTEGER, 1000)).toBe(2);
    expect(sliceCountFor(1, 2000)).toBe(1);
    for (const burst of [2, 10, 40, 100, 400]) expect(sliceCountFor(burst, 2000)).toBeGreaterThanOrEqual(readWindowFor(burst, 2000));
    // Every slice can keep a page ready within the read's bound.
    expect(SLICED_READ_AHEAD).toBeGreaterThanOrEqual(MAX_SLICES);
  });
});
describe('whether one stream is too slow for the rate', () => {
  it('is so from about twice the spacing the plan allows between requests', () => {
    // premium: 100 per 2 s, one request per 20 ms. A 60 ms server gives one stream 16 pages a second
    // of the 50 allowed: a 40-page read takes 2.4 s in one stream and under half a second at once.
    expect(streamTooSlow(60, 100, 2000)).toBe(true);
    expect(streamTooSlow(200, 100, 2000)).toBe(true);
    // A near server: one stream keeps up with the rate.
    expect(streamTooSlow(15, 100, 2000)).toBe(false);
    // lite: 20 per 2 s, one request per 100 ms.
    expect(streamTooSlow(100, 20, 2000)).toBe(false);
    expect(streamTooSlow(250, 20, 2000)).toBe(true);
    // Nothing timed yet, or no rate to keep busy.
    expect(streamTooSlow(undefined, 100, 2000)).toBe(false);
    expect(streamTooSlow(10_000, Number.MAX_SAFE_INTEGER, 2000)).toBe(false);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 60_000, noNaN: true }), fc.integer({ min: 1, max: 500 }), (ms, burst) => {
        // A slower server is never fast enough where a quicker one was too slow.
        if (streamTooSlow(ms, burst, 2000)) expect(streamTooSlow(ms * 2, burst, 2000)).toBe(true);
      }),
    );
  });
});

