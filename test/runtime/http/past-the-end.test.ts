// Pages asked for past the end of an offset collection are wasted: each costs a request against the
// rate limit and tokens of the daily budget, and the read waits for its answer. Pages are handed on
// in order, but an answer that shows the end may come in long before the consumer reaches it; from
// then on no page beyond it is asked for, and those beyond it still in flight are aborted.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pages, type ApiClient, type ApiResponse, type PageableAction, type RequestOptions } from '../../../src/runtime/http/index.js';
import { action, pageable } from './helpers.js';

const persons: PageableAction = pageable(action('persons', 'v1'));

interface Asked {
  start: number;
  /** When its answer came, or when it was aborted (performance.now()). */
  answeredAt?: number;
  abortedAt?: number;
}

/**
 * A v1 list of `total` records; `delay(start)` is how long the answer to the page at `start` takes.
 * Records every page asked for and whether its request was aborted before its answer. Like the
 * client, it asks `parseWhen` with the answer's size and waits for what it gives before handing
 * the page over.
 */
function server(total: number, delay: (start: number) => number, ends: 'empty' | 'short' = 'empty') {
  const asked: Asked[] = [];
  const client = {
    site: (method: string, path: string) => ({ method, path, host: 'fake' }),
    request: (o: RequestOptions): Promise<ApiResponse> => {
      const start = Number(o.query?.start ?? 0);
      const limit = Number(o.query?.limit ?? 100);
      const entry: Asked = { start };
      asked.push(entry);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const data = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => ({ id: start + i }));
          // 'short': the last page is short and says so; 'empty': every page says there is more
          // (as a server that cannot count cheaply does), so only an empty page shows the end.
          const more = ends === 'short' ? start + data.length < total : data.length > 0;
          entry.answeredAt = performance.now();
          const body = { success: true, data, additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + data.length } : {}) } } };
          // Records of a real size (a v1 person is about 1.7 KB): small answers are parsed at once anyway.
          const wait = o.parseWhen?.(200 + 1700 * data.length);
          const hand = (): void => resolve({ status: 200, headers: {}, body, attempts: 1 } as ApiResponse);
          if (wait) wait.then(hand, reject);
          else hand();
        }, delay(start));
        o.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            entry.abortedAt = performance.now();
            reject(o.signal!.reason);
          },
          { once: true },
        );
      });
    },
  } as unknown as ApiClient;
  return { client, asked };
}

/** Reads every page, taking `consumeMs` over each, and gives the ids read. */
async function read(client: ApiClient, ahead: number, consumeMs: number): Promise<number[]> {
  const ids: number[] = [];
  for await (const page of pages(client, persons, {}, { pageSize: 100, ahead })) {
    for (const r of page) ids.push((r as { id: number }).id);
    if (consumeMs > 0) await sleep(consumeMs);
  }
  return ids;
}

describe('pages past the end of an offset collection', () => {
  it('asks for none beyond an empty page that came back before the consumer reached it', async () => {
    // The first 1,000 records take 40 ms a page, the empty pages past them 1 ms: the end is known
    // long before the consumer, slower than the server, reaches it.
    const { client, asked } = server(1000, (start) => (start === 0 ? 5 : start < 1000 ? 40 : 1));
    const ids = await read(client, 8, 5);
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Only the first empty page is needed to know the end, and it came back before any other went out.
    expect(asked.filter((a) => a.start >= 1000).map((a) => a.start)).toEqual([1000]);
  });

  it('aborts the pages beyond a short last page at once, before the consumer reaches it', async () => {
    // The last page (900, short) comes back at once, while the page before it is slow; the pages
    // past the end are slower still.
    const { client, asked } = server(950, (start) => (start === 0 ? 5 : start === 800 ? 150 : start === 900 ? 1 : start > 900 ? 1000 : 40), 'short');
    const ids = await read(client, 8, 0);
    expect(ids).toEqual(Array.from({ length: 950 }, (_, i) => i));
    const last = asked.find((a) => a.start === 900)!;
    const slow = asked.find((a) => a.start === 800)!;
    const beyond = asked.filter((a) => a.start > 900);
    expect(beyond.length).toBeGreaterThan(0);
    // Aborted as soon as the short page came back, not when the consumer got to it after page 800.
    for (const a of beyond) {
      expect(a.answeredAt).toBeUndefined();
      expect(a.abortedAt).toBeDefined();
      expect(a.abortedAt!).toBeLessThan(slow.answeredAt!);
      expect(a.abortedAt!).toBeGreaterThanOrEqual(last.answeredAt!);
    }
  });
});
