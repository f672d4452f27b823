// A page's bytes are kept as they arrive and parsed only when its reader reaches it
// (RequestOptions.parseWhen): pages read ahead cost their bytes, not their parsed records, and
// parsing them all as they arrive, interleaved, would finish every one of them late.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MalformedResponseError, clearLimiters, pages } from '../../../src/runtime/http/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { action, client, collect, ids, pageable } from './helpers.js';

let sb: Sandbox;
const persons = pageable(action('persons', 'v1'));

beforeAll(async () => {
  sb = await startSandbox({ seed: 5, persons: 600, plan: 'ultimate' });
});
afterAll(() => sb.close());
beforeEach(() => {
  clearLimiters();
  sb.resetFaults();
  sb.resetStats();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Settles `p` into a state that can be read synchronously. */
function watch<T>(p: Promise<T>): { settled: () => boolean; result: Promise<T | unknown> } {
  let done = false;
  const result = p.then(
    (v) => ((done = true), v),
    (e: unknown) => ((done = true), e),
  );
  return { settled: () => done, result };
}

describe('a list answer is parsed when its reader wants it', () => {
  it('waits, whole and answered, until parseWhen settles; then its records come', async () => {
    const { client: c, events } = client(sb, { plan: 'ultimate' });
    const wanted = deferred();
    const sizes: number[] = [];
    const parseWhen = (bytes: number): Promise<void> => (sizes.push(bytes), wanted.promise);
    const req = watch(c.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 200 }, records: '/data', parseWhen }));
    await expect.poll(() => events.some((e) => e.type === 'response')).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(req.settled()).toBe(false);
    wanted.resolve();
    const res = (await req.result) as { records: unknown[]; attempts: number };
    expect(res.records).toHaveLength(200);
    expect(res.attempts).toBe(1);
    expect(sb.stats().requests).toBe(1);
    // Asked once, with the size of the whole answer.
    expect(sizes).toHaveLength(1);
    expect(sizes[0]).toBeGreaterThan(JSON.stringify(res.records).length);
  });

  it('parses at once when parseWhen gives nothing to wait for', async () => {
    const { client: c } = client(sb, { plan: 'ultimate' });
    const res = await c.request({ method: 'GET', path: '/persons', cost: 'list', query: { start: 600, limit: 500 }, records: '/data', parseWhen: () => undefined });
    expect(res.records ?? []).toHaveLength(0);
    expect(res.body).toMatchObject({ additional_data: { pagination: { more_items_in_collection: false } } });
  });

  it('ends with the abort reason when aborted while its bytes wait, without a retry', async () => {
    const { client: c, events } = client(sb, { plan: 'ultimate' });
    const ctl = new AbortController();
    const req = watch(c.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 200 }, records: '/data', parseWhen: () => new Promise(() => undefined), signal: ctl.signal }));
    await expect.poll(() => events.some((e) => e.type === 'response')).toBe(true);
    const reason = new Error('no longer wanted');
    ctl.abort(reason);
    expect(await req.result).toBe(reason);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0 });
  });

  it('retries an answer found malformed when it is wanted, and fails as malformed when every attempt is', async () => {
    const { client: c } = client(sb, { plan: 'ultimate', retry: { maxAttempts: 2 } });
    sb.failNext('malformed', 1);
    const wanted = deferred();
    const req = c.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 200 }, records: '/data', parseWhen: () => wanted.promise });
    setTimeout(wanted.resolve, 20);
    const res = await req;
    expect(res).toMatchObject({ status: 200, attempts: 2 });
    expect(res.records).toHaveLength(200);

    sb.failNext('malformed', 2);
    const bad = await c.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 200 }, records: '/data', parseWhen: () => Promise.resolve() }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MalformedResponseError);
    expect(bad).toMatchObject({ code: 'SL6506', attempts: 2 });
  });

  it('does not count the wait for the reader against the time retries may take', async () => {
    // A reader slower than the retry policy's whole time (a destination held back by its own rate
    // limit, say) still gets a malformed answer retried.
    const { client: c } = client(sb, { plan: 'ultimate', retry: { maxElapsedMs: 150 } });
    sb.failNext('malformed', 1);
    const wanted = deferred();
    const req = c.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 200 }, records: '/data', parseWhen: () => wanted.promise });
    setTimeout(wanted.resolve, 300);
    const res = await req;
    expect(res).toMatchObject({ status: 200, attempts: 2 });
    expect(res.records).toHaveLength(200);
  });
});

describe('paging with pages read ahead', () => {
  it('keeps a cursor read\'s next page as bytes while the reader works on the one before', async () => {
    const { client: c } = client(sb, { plan: 'ultimate', version: 'v2' });
    const decisions: ('now' | 'wait')[] = [];
    const request = c.request.bind(c);
    c.request = (o) => {
      const ask = o.parseWhen;
      if (!ask) return request(o);
      const parseWhen = (bytes: number): Promise<unknown> | undefined => {
        const w = ask(bytes);
        decisions.push(w === undefined ? 'now' : 'wait');
        return w;
      };
      return request(Object.assign({}, o, { parseWhen }));
    };
    const seen: number[] = [];
    for await (const page of pages(c, pageable(action('persons', 'v2')), {}, { pageSize: 100 })) {
      seen.push(...ids(page));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toHaveLength(600);
    // Six pages of 100 persons, each well over the size parsed at once; the first is wanted at once.
    expect(decisions).toEqual(['wait', 'wait', 'wait', 'wait', 'wait', 'wait']);
  });

  it('hands every record on in order while later pages wait unparsed, and a reader that stops early ends the read', async () => {
    const { client: c, events } = client(sb, { plan: 'ultimate' });
    const { records } = await collect(pages(c, persons, {}, { pageSize: 100, ahead: 4 }));
    expect(ids(records)).toEqual(sb.data.persons.all().map((p) => p.id));

    // Every request of a read that stops early settles: those whose bytes wait are aborted.
    const before = events.filter((e) => e.type === 'response').length;
    let pending = 0;
    const request = c.request.bind(c);
    c.request = (o) => {
      pending++;
      const r = request(o);
      r.then(
        () => pending--,
        () => pending--,
      );
      return r;
    };
    const seen: number[] = [];
    for await (const page of pages(c, persons, {}, { pageSize: 100, ahead: 4 })) {
      seen.push(...ids(page));
      // The pages read ahead are all in, waiting as bytes, when the reader stops.
      if (seen.length >= 200) {
        await expect.poll(() => events.filter((e) => e.type === 'response').length - before).toBeGreaterThanOrEqual(5);
        break;
      }
    }
    expect(seen).toEqual(sb.data.persons.all().slice(0, 200).map((p) => p.id));
    await expect.poll(() => pending).toBe(0);
  });
});
