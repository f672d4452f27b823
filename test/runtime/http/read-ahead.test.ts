// Against a server without a rate limit, a read keeps at most two pages ahead of a destination
// slower than the server: pages asked for and not yet taken hold memory, and a faster reader would
// only hold more of them. (Under a rate limit the window follows the plan: page-window.ts.)
import { describe, expect, it } from 'vitest';
import { pages, type ApiClient, type ApiResponse, type PageableAction, type RequestOptions } from '../../../src/runtime/http/index.js';
import { readWindowFor } from '../../../src/runtime/http/page-window.js';
import { action, pageable } from './helpers.js';

const persons: PageableAction = pageable(action('persons', 'v1'));

/** A v1 list of `total` records whose every answer comes at once; counts pages asked for. */
function instantServer(total: number) {
  const log = { asked: 0 };
  const client = {
    site: (method: string, path: string) => ({ method, path, host: 'fake' }),
    request: (o: RequestOptions): Promise<ApiResponse> => {
      log.asked++;
      const start = Number(o.query?.start ?? 0);
      const limit = Number(o.query?.limit ?? 100);
      const data = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => ({ id: start + i }));
      const more = start + data.length < total;
      const body = { success: true, data, additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + data.length } : {}) } } };
      return Promise.resolve({ status: 200, headers: {}, body, attempts: 1 } as ApiResponse);
    },
  } as unknown as ApiClient;
  return { client, log };
}

describe('read-ahead against a server without a rate limit', () => {
  it('stays at most two pages ahead of a slow destination', async () => {
    const { client, log } = instantServer(5000);
    const ahead = readWindowFor(Infinity, 2000);
    let taken = 0;
    let most = 0;
    for await (const page of pages(client, persons, {}, { pageSize: 100, ahead })) {
      taken++;
      // A destination much slower than the server: every answer is in before it comes back.
      await new Promise((resolve) => setTimeout(resolve, 2));
      most = Math.max(most, log.asked - taken);
      expect(page).toHaveLength(100);
    }
    expect(taken).toBe(50);
    expect(most).toBeLessThanOrEqual(2);
  });
});
