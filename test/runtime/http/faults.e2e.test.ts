// Retries against the sandbox's seeded faults: 5xx, resets, truncated JSON, latency and timeouts
// are retried for reads until the result is complete and has no duplicates; writes are retried
// only when they cannot have been applied; 4xx are final and carry Pipedrive's text.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, MalformedResponseError, NetworkError, UncertainWriteError, clearLimiters, pages } from '../../../src/runtime/http/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { action, client, closedPort, collect, ids, pageable, rawGet } from './helpers.js';

let sb: Sandbox;
const persons = pageable(action('persons', 'v1'));

beforeAll(async () => {
  sb = await startSandbox({ seed: 11, persons: 2000, plan: 'ultimate' });
});
afterAll(() => sb.close());
beforeEach(() => {
  clearLimiters();
  sb.resetFaults();
  sb.resetStats();
  sb.resetRateLimits();
});

const allIds = () => sb.data.persons.all().map((p) => p.id);

describe('reads are retried until complete, without duplicates', () => {
  it.each([
    ['5xx answers', { failRate: 0.3 }, 'failed'],
    ['connections reset half-way through the answer', { resetRate: 0.3 }, 'reset'],
    ['truncated JSON on a 200', { malformedRate: 0.3 }, 'malformed'],
  ] as const)('%s', async (_name, faults, counter) => {
    sb.setFaults(faults);
    const { client: c, events } = client(sb, { plan: 'ultimate' });
    const { records } = await collect(pages(c, persons, {}, { pageSize: 100 }));
    expect(ids(records)).toEqual(allIds());
    const faultsSeen = sb.stats().faults[counter];
    expect(faultsSeen).toBeGreaterThan(0);
    expect(c.stats().retries).toBe(faultsSeen);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(faultsSeen);
    expect(sb.stats().requests).toBe(20 + faultsSeen);
  });

  it('all faults at once, with latency', async () => {
    sb.setFaults({ failRate: 0.15, resetRate: 0.15, malformedRate: 0.15, latencyMs: 15 });
    const { client: c } = client(sb, { plan: 'ultimate' });
    const { records } = await collect(pages(c, persons, {}, { pageSize: 100 }));
    expect(ids(records)).toEqual(allIds());
    const f = sb.stats().faults;
    expect(f.failed + f.reset + f.malformed).toBeGreaterThan(3);
  });

  it('gives up after the attempts allowed with the last error, typed', async () => {
    sb.failNext(503, 3);
    const { client: c } = client(sb, { plan: 'ultimate', retry: { maxAttempts: 3 } });
    const err = await c.request({ method: 'GET', path: '/persons', cost: 'list' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'SL6507', status: 503, attempts: 3 });
    expect(sb.stats().requests).toBe(3);

    // Two truncated pages: a third attempt succeeds, a client allowing two gives up typed.
    sb.failNext('malformed', 2);
    const third = await c.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 1 } });
    expect(third).toMatchObject({ status: 200, attempts: 3 });
    const c2 = client(sb, { plan: 'ultimate', retry: { maxAttempts: 2 } }).client;
    sb.failNext('malformed', 2);
    const bad = await c2.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 1 } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MalformedResponseError);
    expect(bad).toMatchObject({ code: 'SL6506', attempts: 2, status: 200 });

    // The same when the records are read as the bytes arrive.
    sb.failNext('malformed', 2);
    const streamed = await c2.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 1 }, records: '/data' }).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(MalformedResponseError);
    expect(streamed).toMatchObject({ code: 'SL6506', attempts: 2, status: 200 });
    sb.failNext('malformed', 1);
    const recovered = await c.request({ method: 'GET', path: '/persons', cost: 'list', query: { limit: 2 }, records: '/data' });
    expect(recovered).toMatchObject({ status: 200, attempts: 2 });
    expect(recovered.records).toHaveLength(2);
    expect(recovered.body).toMatchObject({ data: [], additional_data: { pagination: { more_items_in_collection: true } } });
  });

  it('retries a 502 gateway page (HTML, not JSON) as a server error, not as malformed', async () => {
    sb.failNext(502, 2);
    const { client: c } = client(sb, { plan: 'ultimate' });
    const res = await c.request({ method: 'GET', path: '/users/me', cost: 'get' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
  });

  it('times out a slow answer and retries it; a server too slow every time is a NetworkError', async () => {
    sb.setFaults({ latencyMs: 300 });
    const { client: c } = client(sb, { plan: 'ultimate', timeouts: { responseMs: 60 }, retry: { maxAttempts: 2 } });
    const err = await c.request({ method: 'GET', path: '/users/me', cost: 'get' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'SL6504', failure: 'timeout', attempts: 2 });
    sb.setFaults({ latencyMs: 20 });
    const ok = await client(sb, { plan: 'ultimate', timeouts: { responseMs: 2000 } }).client.request({ method: 'GET', path: '/users/me', cost: 'get' });
    expect(ok.status).toBe(200);
  });

  it('stops retrying when the total time allowed would be exceeded', async () => {
    sb.failNext(500, 10);
    const { client: c } = client(sb, { plan: 'ultimate', retry: { baseDelayMs: 200, maxDelayMs: 200, maxElapsedMs: 150 }, random: () => 0.99 });
    const started = performance.now();
    await expect(c.request({ method: 'GET', path: '/users/me', cost: 'get' })).rejects.toMatchObject({ code: 'SL6507', attempts: 1 });
    expect(performance.now() - started).toBeLessThan(150);
  });
});

describe('writes', () => {
  const named = (name: string) => sb.data.persons.all().filter((p) => p.name === name);

  it('a POST whose connection is reset after sending is not retried: UncertainWriteError', async () => {
    sb.failNext('reset');
    const { client: c } = client(sb, { plan: 'ultimate' });
    const err = await c.request({ method: 'POST', path: '/persons', body: { name: 'Reset Once' }, cost: 'create' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UncertainWriteError);
    expect(err).toMatchObject({ code: 'SL6505', attempts: 1, method: 'POST', path: '/api/v1/persons' });
    // It was in fact applied, once: a retry would have made two.
    expect(named('Reset Once')).toHaveLength(1);
    expect(sb.stats().requests).toBe(1);
  });

  it('a POST answered 503 is not retried either', async () => {
    sb.failNext(503);
    const { client: c } = client(sb, { plan: 'ultimate' });
    await expect(c.request({ method: 'POST', path: '/persons', body: { name: 'Five Oh Three' }, cost: 'create' })).rejects.toMatchObject({ code: 'SL6505', status: 503 });
    expect(sb.stats().requests).toBe(1);
  });

  it('a PUT (idempotent) that meets a reset is retried and applied', async () => {
    const id = sb.data.persons.all()[0].id;
    sb.failNext('reset');
    const { client: c } = client(sb, { plan: 'ultimate' });
    const res = await c.request({ method: 'PUT', path: `/persons/${id}`, body: { name: 'Put Twice' }, cost: 'update' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(sb.data.persons.get(id)?.name).toBe('Put Twice');
  });

  it('a POST refused with 429 is retried after the pause, and applied once', async () => {
    sb.setPlan('lite');
    try {
      // Another program spends the whole burst of the token.
      for (let i = 0; i < 20; i++) expect(await rawGet(sb, '/api/v1/users/me')).toBe(200);
      const { client: c, events } = client(sb);
      const res = await c.request({ method: 'POST', path: '/persons', body: { name: 'After The Pause' }, cost: 'create' });
      expect(res.status).toBe(201);
      expect(res.attempts).toBe(2);
      expect(events.filter((e) => e.type === '429')).toHaveLength(1);
      expect(named('After The Pause')).toHaveLength(1);
      expect(c.limiter.stats().pauses).toBeGreaterThanOrEqual(1);
    } finally {
      sb.setPlan('ultimate');
    }
  });

  it('a POST that cannot connect is retried (it cannot have been applied)', async () => {
    const port = await closedPort();
    const { client: c, events } = client({ url: `http://127.0.0.1:${port}`, token: sb.token }, { plan: 'ultimate', retry: { maxAttempts: 3 } });
    const err = await c.request({ method: 'POST', path: '/persons', body: { name: 'Nobody Home' }, cost: 'create' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'SL6504', failure: 'refused', errno: 'ECONNREFUSED', attempts: 3 });
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });
});

describe('final answers', () => {
  it('a 400 is not retried and carries Pipedrive’s error text', async () => {
    const { client: c, events } = client(sb, { plan: 'ultimate' });
    const err = await c.request({ method: 'POST', path: '/persons', body: {}, cost: 'create' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'SL6501', status: 400, apiError: 'Name must be given.', attempts: 1 });
    expect((err as ApiError).apiErrorInfo).toContain('developers.pipedrive.com');
    expect((err as Error).message).toBe(`POST /api/v1/persons on ${new URL(sb.url).host} answered 400: Name must be given.`);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(0);
    expect(sb.stats().requests).toBe(1);
  });

  it('a 404 is final too', async () => {
    const { client: c } = client(sb, { plan: 'ultimate' });
    await expect(c.request({ method: 'GET', path: '/persons/99999999', cost: 'get' })).rejects.toMatchObject({ code: 'SL6501', status: 404, apiError: 'Person not found' });
    expect(sb.stats().requests).toBe(1);
  });

  it('aborting a request that waits for a retry rejects with the abort reason at once', async () => {
    sb.failNext(500, 5);
    const { client: c } = client(sb, { plan: 'ultimate', retry: { baseDelayMs: 5000, maxDelayMs: 5000 }, random: () => 0.99 });
    const ctl = new AbortController();
    const reason = new Error('cancelled by the user');
    const p = c.request({ method: 'GET', path: '/users/me', cost: 'get', signal: ctl.signal });
    setTimeout(() => ctl.abort(reason), 50);
    const started = performance.now();
    await expect(p).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

afterEach(() => sb.resetFaults());
