// Writes in flight follow the observed latency (rate x latency, within the burst), and the runner
// never has more tasks going than the limit it is given, starting them in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concurrencyFor, LatencyEstimate, MAX_CONCURRENCY, runAdaptive, START_CONCURRENCY } from '../../../src/runtime/http/adaptive-concurrency.js';

describe('how many writes in flight', () => {
  it('is rate x latency (with headroom), at least a few, at most the burst', () => {
    // premium: 100 per 2 s = 0.05 per ms.
    expect(concurrencyFor(undefined, 100, 2000)).toBe(START_CONCURRENCY);
    expect(concurrencyFor(0, 100, 2000)).toBe(START_CONCURRENCY);
    expect(concurrencyFor(100, 2, 2000)).toBe(2);
    expect(concurrencyFor(200, 100, 2000)).toBe(Math.ceil(0.05 * 200 * 1.25) + 1);
    expect(concurrencyFor(500, 100, 2000)).toBe(Math.ceil(0.05 * 500 * 1.25) + 1);
    expect(concurrencyFor(10_000, 20, 2000)).toBe(20);
    expect(concurrencyFor(10_000, 1000, 2000)).toBe(MAX_CONCURRENCY);
    // No rate limit: no rate to keep busy.
    expect(concurrencyFor(10_000, Number.MAX_SAFE_INTEGER, 2000)).toBe(START_CONCURRENCY);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 60_000, noNaN: true }), fc.integer({ min: 1, max: 500 }), (ms, burst) => {
        const n = concurrencyFor(ms, burst, 2000);
        expect(n).toBeGreaterThanOrEqual(Math.min(START_CONCURRENCY, burst));
        expect(n).toBeLessThanOrEqual(Math.min(burst, MAX_CONCURRENCY));
        // Slower answers never mean fewer in flight.
        expect(concurrencyFor(ms * 2, burst, 2000)).toBeGreaterThanOrEqual(n);
      }),
    );
  });

  it('follows the answers: a mean weighted toward the recent ones', () => {
    const l = new LatencyEstimate();
    expect(l.ms).toBeUndefined();
    l.observe(100);
    expect(l.ms).toBe(100);
    for (let i = 0; i < 40; i++) l.observe(500);
    expect(l.ms).toBeGreaterThan(490);
    l.observe(Number.NaN);
    expect(l.ms).toBeGreaterThan(490);
  });
});

describe('runAdaptive', () => {
  it('runs every task once, starts them in order, never more at once than the limit of the moment', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 0, max: 40 }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }), async (s, n, limits) => {
        let active = 0;
        let calls = 0;
        let current = 0;
        const started: number[] = [];
        let over = false;
        const run = runAdaptive(
          n,
          () => (current = limits[calls++ % limits.length]),
          async (i) => {
            started.push(i);
            active++;
            // A task starts right after the limit was read: with it, no more than that are running.
            if (active > current) over = true;
            await s.schedule(Promise.resolve(), `task ${i}`);
            active--;
          },
        );
        await s.waitFor(run);
        expect(started).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(over).toBe(false);
        expect(active).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('starts nothing new once told to stop, and reports the first failure after the running ones end', async () => {
    let stop = false;
    const done: number[] = [];
    await runAdaptive(10, () => 2, async (i) => {
      await new Promise((r) => setTimeout(r, 5));
      done.push(i);
      if (i === 3) stop = true;
    }, () => stop);
    expect(done.length).toBeLessThanOrEqual(5);
    expect(done).toContain(3);

    const ended: number[] = [];
    await expect(
      runAdaptive(6, () => 3, async (i) => {
        await new Promise((r) => setTimeout(r, i === 0 ? 1 : 10));
        ended.push(i);
        if (i === 0) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // Those already running when the first failed were awaited.
    expect(ended.sort()).toEqual([0, 1, 2]);
  });
});
