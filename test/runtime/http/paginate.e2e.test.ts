// Paging list actions against the sandbox: v1 offsets and v2 cursors, the edges (exactly a page,
// empty, last page), `limit` as a total, prefetching one page ahead and stopping when the consumer
// stops, query encoding, and the shapes the ExtractDef allows.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError, clearLimiters, pages } from '../../../src/runtime/http/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { action, client, collect, ids, pageable, requestLog } from './helpers.js';

// One sandbox per collection size; plan unlimited so that paging is all these tests measure.
const sandboxes = new Map<number, { sb: Sandbox; log: ReturnType<typeof requestLog> }>();

async function sandbox(persons: number, extra: Parameters<typeof startSandbox>[0] = {}): Promise<{ sb: Sandbox; log: ReturnType<typeof requestLog> }> {
  const key = extra.leadsPagination ? -persons - 1 : persons;
  let s = sandboxes.get(key);
  if (!s) {
    const log = requestLog();
    s = { sb: await startSandbox({ seed: 3, persons, plan: 'unlimited', onRequest: log.onRequest, ...extra }), log };
    sandboxes.set(key, s);
  }
  s.log.entries.length = 0;
  return s;
}

beforeAll(() => clearLimiters());
afterAll(async () => {
  for (const { sb } of sandboxes.values()) await sb.close();
});

const persons = pageable(action('persons', 'v1'));
const personsV2 = pageable(action('persons', 'v2'));
const listPaths = (log: ReturnType<typeof requestLog>) => log.entries.filter((e) => e.path.startsWith('/api/v1/persons') || e.path.startsWith('/api/v2/persons')).map((e) => e.path);

describe('records read in part', () => {
  it('keeps only the fields asked for, each as the whole record has it, v1 and v2, several pages at once', async () => {
    const { sb } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const fields = ['id', 'name', 'update_time', 'org_id', 'no_such_field'];
    const pick = (r: unknown) => Object.fromEntries(fields.filter((f) => Object.hasOwn(r as object, f)).map((f) => [f, (r as Record<string, unknown>)[f]]));
    for (const a of [persons, personsV2]) {
      const whole = await collect(pages(c, a, {}, { ahead: 3 }));
      const part = await collect(pages(c, a, {}, { ahead: 3, fields }));
      expect(part.pages.map((p) => p.length)).toEqual(whole.pages.map((p) => p.length));
      expect(part.records).toEqual(whole.records.map(pick));
      expect(Object.keys(part.records[0] as object).sort()).toEqual(['id', 'name', 'org_id', 'update_time']);
    }
  });
});

describe('v1 offset pagination', () => {
  it('reads every record across pages of 500, in order, once each', async () => {
    const { sb, log } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { pages: got, records } = await collect(pages(c, persons));
    expect(got.map((p) => p.length)).toEqual([500, 500, 234]);
    expect(ids(records)).toEqual(sb.data.persons.all().map((p) => p.id));
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=0&limit=500', '/api/v1/persons?start=500&limit=500', '/api/v1/persons?start=1000&limit=500']);
  });

  it('stops after a page of exactly 500 that says nothing more exists', async () => {
    const { sb, log } = await sandbox(500);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { pages: got } = await collect(pages(c, persons));
    expect(got.map((p) => p.length)).toEqual([500]);
    expect(listPaths(log)).toHaveLength(1);
  });

  it('reads two full pages when the total is an exact multiple of the page size', async () => {
    const { sb, log } = await sandbox(1000);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { records } = await collect(pages(c, persons));
    expect(new Set(ids(records)).size).toBe(1000);
    expect(listPaths(log)).toHaveLength(2);
  });

  it('yields nothing for an empty collection (v1 answers data: null) after one request', async () => {
    const { sb, log } = await sandbox(0);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { pages: got } = await collect(pages(c, persons));
    expect(got).toEqual([]);
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=0&limit=500']);
  });

  it('treats limit as the total: page sizes shrink to what is still wanted', async () => {
    const { sb, log } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { records } = await collect(pages(c, persons, {}, { limit: 730 }));
    expect(ids(records)).toEqual(sb.data.persons.all().slice(0, 730).map((p) => p.id));
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=0&limit=500', '/api/v1/persons?start=500&limit=230']);

    log.entries.length = 0;
    const small = await collect(pages(c, persons, {}, { limit: 10 }));
    expect(small.records).toHaveLength(10);
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=0&limit=10']);
  });

  it('starts from a start given in the query and keeps the other parameters on every page', async () => {
    const { sb, log } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { records } = await collect(pages(c, persons, { start: 1000, sort: 'id DESC' }));
    expect(records).toHaveLength(234);
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=1000&sort=id+DESC&limit=500']);
  });

  it('prefetches exactly one page while the consumer holds the current one', async () => {
    const { sb, log } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const it = pages(c, persons, {}, { pageSize: 100 });
    const first = await it.next();
    expect(first.done).toBe(false);
    await sleep(150);
    // The second page was asked for while we held the first; the third was not.
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=0&limit=100', '/api/v1/persons?start=100&limit=100']);
    await it.return();
  });

  it('stops when the consumer stops, aborting the prefetched page', async () => {
    const { sb, log } = await sandbox(1234);
    sb.setFaults({ latencyMs: 100 });
    try {
      const { client: c, events } = client(sb, { plan: 'ultimate' });
      let seen = 0;
      for await (const page of pages(c, persons, {}, { pageSize: 100 })) {
        seen += page.length;
        break;
      }
      await sleep(250);
      expect(seen).toBe(100);
      // The prefetched request was cut before its (delayed) answer, or before it was even made (then
      // it is not counted): only the first was answered.
      expect(events.filter((e) => e.type === 'request').length).toBeGreaterThanOrEqual(1);
      expect(events.filter((e) => e.type === 'request').length).toBeLessThanOrEqual(2);
      expect(events.filter((e) => e.type === 'response')).toHaveLength(1);
      expect(listPaths(log)).toHaveLength(1);
    } finally {
      sb.setFaults({ latencyMs: 0 });
    }
  });

  it('reads leads whose pagination sits directly under additional_data (the second pointer)', async () => {
    const { sb, log } = await sandbox(10, { leads: 730, leadsPagination: 'flat' });
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { pages: got, records } = await collect(pages(c, pageable(action('leads', 'v1'))));
    // /v1/leads lists the leads that are not archived.
    const live = sb.data.leads.all().filter((l) => !l.is_archived).map((l) => l.id);
    expect(live.length).toBeGreaterThan(500);
    expect(got.map((p) => p.length)).toEqual([500, live.length - 500]);
    expect(new Set(records.map((r) => (r as { id: string }).id))).toEqual(new Set(live));

    // Exactly one full page: only the flat `more_items_in_collection: false` says not to ask again.
    for (const id of live.slice(500)) sb.data.leads.delete(id);
    const before = log.entries.length;
    expect((await collect(pages(c, pageable(action('leads', 'v1'))))).records).toHaveLength(500);
    expect(log.entries.length - before).toBe(1);
  });
});

describe('reading several offset pages ahead', () => {
  /** The most requests that were in flight at once, from the client's events. */
  const maxInFlight = (events: { type: string }[]): number => {
    let now = 0;
    let max = 0;
    for (const e of events) {
      if (e.type === 'request') max = Math.max(max, ++now);
      if (e.type === 'response') now--;
    }
    return max;
  };

  it('keeps `ahead` pages in flight and still yields every record once, in order', async () => {
    const { sb, log } = await sandbox(1234);
    sb.setFaults({ latencyMs: 20 });
    try {
      const one = client(sb, { plan: 'ultimate' });
      await collect(pages(one.client, persons, {}, { pageSize: 100 }));
      expect(maxInFlight(one.events)).toBe(1);

      log.entries.length = 0;
      const four = client(sb, { plan: 'ultimate' });
      const { pages: got, records } = await collect(pages(four.client, persons, {}, { pageSize: 100, ahead: 4 }));
      expect(maxInFlight(four.events)).toBe(4);
      expect(got.map((p) => p.length)).toEqual([...Array(12).fill(100), 34]);
      expect(ids(records)).toEqual(sb.data.persons.all().map((p) => p.id));
      // Past the end at most ahead - 1 requests were made (and cut short).
      expect(four.events.filter((e) => e.type === 'request').length).toBeLessThanOrEqual(13 + 3);
    } finally {
      // Let the server finish the requests that were cut short, so they do not log into the next test.
      await sleep(60);
      sb.setFaults({ latencyMs: 0 });
    }
  });

  it('asks for no more than the limit, even ahead', async () => {
    const { sb, log } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { records } = await collect(pages(c, persons, {}, { pageSize: 100, ahead: 4, limit: 250 }));
    expect(ids(records)).toEqual(sb.data.persons.all().slice(0, 250).map((p) => p.id));
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=0&limit=100', '/api/v1/persons?start=100&limit=100', '/api/v1/persons?start=200&limit=50']);
  });

  it('does not read ahead from a server that returns less than asked, which would skip records', async () => {
    const { sb, log } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    // The definition allows 600 a page, the server caps at 500: predicted starts would be wrong.
    const greedy = { ...persons, pagination: { ...persons.pagination, pageSizeMax: 600 } } as typeof persons;
    const { records } = await collect(pages(c, greedy, {}, { ahead: 4 }));
    expect(ids(records)).toEqual(sb.data.persons.all().map((p) => p.id));
    expect(listPaths(log)).toEqual(['/api/v1/persons?start=0&limit=600', '/api/v1/persons?start=500&limit=600', '/api/v1/persons?start=1000&limit=600']);
  });
});

describe('v2 cursor pagination', () => {
  it('follows next_cursor until it is null', async () => {
    const { sb, log } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate', version: 'v2' });
    const { pages: got, records } = await collect(pages(c, personsV2));
    expect(got.map((p) => p.length)).toEqual([500, 500, 234]);
    expect(ids(records)).toEqual(sb.data.persons.all().map((p) => p.id));
    const paths = listPaths(log);
    expect(paths[0]).toBe('/api/v2/persons?limit=500');
    expect(paths[1]).toMatch(/^\/api\/v2\/persons\?cursor=[\w-]+&limit=500$/);
    expect(paths).toHaveLength(3);
  });

  it('ends on a null cursor after an exact multiple, and caps the total with limit', async () => {
    const { sb, log } = await sandbox(1000);
    const { client: c } = client(sb, { plan: 'ultimate', version: 'v2' });
    expect((await collect(pages(c, personsV2))).records).toHaveLength(1000);
    expect(listPaths(log)).toHaveLength(2);
    log.entries.length = 0;
    const { records } = await collect(pages(c, personsV2, {}, { limit: 501 }));
    expect(ids(records)).toEqual(sb.data.persons.all().slice(0, 501).map((p) => p.id));
    expect(listPaths(log)[1]).toMatch(/limit=1$/);
  });

  it('yields nothing for an empty collection', async () => {
    const { sb } = await sandbox(0);
    const { client: c } = client(sb, { plan: 'ultimate', version: 'v2' });
    expect((await collect(pages(c, personsV2))).pages).toEqual([]);
  });
});

describe('requests and shapes', () => {
  it('form-encodes the query like the official client: a space is +, a colon %3A', async () => {
    const { sb, log } = await sandbox(50);
    const { client: c } = client(sb, { plan: 'ultimate' });
    await collect(pages(c, pageable(action('recents', 'v1')), { since_timestamp: '2026-01-01 00:00:00', items: 'person' }));
    const recents = log.entries.filter((e) => e.path.startsWith('/api/v1/recents'));
    expect(recents[0].status).toBe(200);
    expect(recents[0].path).toBe('/api/v1/recents?since_timestamp=2026-01-01+00%3A00%3A00&items=person&start=0&limit=500');
  });

  it('reads an object-shaped answer as one record, without paging', async () => {
    const { sb, log } = await sandbox(50);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { pages: got } = await collect(pages(c, pageable(action('users.me', 'v1'))));
    expect(got).toHaveLength(1);
    expect(got[0]).toHaveLength(1);
    expect(got[0][0]).toMatchObject({ id: expect.any(Number), company_id: expect.any(Number) });
    expect(log.entries.map((e) => e.path)).toEqual(['/api/v1/users/me']);
  });

  it('refuses an answer whose records are not where the definition says', async () => {
    const { sb } = await sandbox(50);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const wrong = { ...persons, extract: { pointer: '/additional_data', shape: 'list' as const } };
    const err = await collect(pages(c, wrong)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as MalformedResponseError).code).toBe('SL6506');
    expect((err as Error).message).toContain('/additional_data');
  });

  it('rejects with the reason when the caller aborts between pages', async () => {
    const { sb } = await sandbox(1234);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const ctl = new AbortController();
    const it = pages(c, persons, {}, { pageSize: 100, signal: ctl.signal });
    await it.next();
    const reason = new Error('stop now');
    ctl.abort(reason);
    await expect(it.next()).rejects.toBe(reason);
  });
});

describe('aborting a read', () => {
  it('cancels the page being awaited at once, not one answer later', async () => {
    const sb = await startSandbox({ seed: 3, persons: 600, plan: 'unlimited', faults: { latencyMs: 1500 } });
    try {
      const { client: c } = client(sb, { plan: 'ultimate' });
      const ctl = new AbortController();
      const it = pages(c, persons, {}, { signal: ctl.signal })[Symbol.asyncIterator]();
      const first = it.next();
      await sleep(100);
      const t0 = performance.now();
      ctl.abort(new Error('stop'));
      await expect(first).rejects.toThrow();
      // The sandbox answers after 1.5 s; an abort that only reached queued pages would wait for it.
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      await sb.close();
    }
  });
});
