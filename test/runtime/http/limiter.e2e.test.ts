// The shared rate limiter against the sandbox's rolling 2-second window: bursts at zero 429s,
// adjusting to the server's x-ratelimit-limit, 429 storms (a misconfigured limiter, another
// program hammering the same token) that pause the whole limiter and still complete, and one
// limiter per (base URL, token) for the whole process.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter, clearLimiters, limiterKey, type Grant } from '../../../src/runtime/http/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { client, connection, rawGet } from './helpers.js';

let sb: Sandbox;
const OTHER_TOKEN = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';

beforeAll(async () => {
  sb = await startSandbox({ seed: 5, persons: 100, plan: 'lite', extraTokens: [OTHER_TOKEN] });
});
afterAll(() => sb.close());
beforeEach(() => {
  clearLimiters();
  sb.setPlan('lite');
  sb.resetRateLimits();
  sb.resetStats();
});

const me = { method: 'GET', path: '/users/me', cost: 'get' } as const;

describe('bursts', () => {
  it('60 requests at plan lite (20 per 2 s): zero 429s, in three windows', async () => {
    const { client: c, events } = client(sb);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 60 }, () => c.request(me)));
    const ms = performance.now() - started;
    expect(answers.every((a) => a.status === 200 && a.attempts === 1)).toBe(true);
    expect(sb.stats().rateLimited).toBe(0);
    expect(sb.stats().requests).toBe(60);
    // Three windows: a little over 4 s, and certainly not 60 at once.
    expect(ms).toBeGreaterThan(3900);
    expect(ms).toBeLessThan(8000);
    expect(c.stats()).toMatchObject({ requests: 60, rateLimited: 0, retries: 0 });
    expect(c.stats().waitMs).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'rate-limit-wait' && e.ms > 1500)).toBe(true);
  });

  it('learns a bigger burst from x-ratelimit-limit (default plan lite, server premium)', async () => {
    sb.setPlan('premium');
    const { client: c } = client(sb);
    expect(c.limiter.stats().burst).toBe(20);
    const started = performance.now();
    await Promise.all(Array.from({ length: 80 }, () => c.request(me)));
    // At 20 per window this would take 6 s; at 100 it fits in one window.
    expect(performance.now() - started).toBeLessThan(1800);
    expect(c.limiter.stats()).toMatchObject({ burst: 100, adjustments: 1 });
    expect(sb.stats().rateLimited).toBe(0);
  });

  it('learns a smaller burst too (plan premium given, server lite), before the server refuses', async () => {
    const { client: c } = client(sb, { plan: 'premium' });
    await Promise.all(Array.from({ length: 40 }, () => c.request(me)));
    expect(c.limiter.stats().burst).toBe(20);
    expect(sb.stats().rateLimited).toBe(0);
  });

  it('keeps search requests to their own, smaller burst as well', async () => {
    sb.setPlan('premium');
    const { client: c } = client(sb, { plan: 'premium' });
    const started = performance.now();
    // /users/find is a search endpoint for the server: 10 per 2 s whatever the plan.
    await Promise.all(Array.from({ length: 15 }, () => c.request({ method: 'GET', path: '/users/find', query: { term: 'a' }, cost: 'search' })));
    expect(sb.stats().rateLimited).toBe(0);
    expect(performance.now() - started).toBeGreaterThan(1900);
  });
});

describe('429 storms', () => {
  it('a limiter misconfigured above the server’s limit: 429s pause it, and every request completes', async () => {
    const { client: c, events } = client(sb, { plan: 'premium', adaptive: false });
    const answers = await Promise.all(Array.from({ length: 50 }, () => c.request(me)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const s = sb.stats();
    expect(s.rateLimited).toBeGreaterThan(0);
    expect(s.byStatus['200']).toBe(50);
    expect(c.stats().rateLimited).toBe(s.rateLimited);
    expect(c.limiter.stats().pauses).toBeGreaterThan(0);
    // Pauses keep the storm short: far fewer 429s than requests.
    expect(s.rateLimited).toBeLessThan(25);
    expect(events.filter((e) => e.type === '429')).toHaveLength(s.rateLimited);
  });

  it('another program hammering the same token: the shared limiter backs off and the run completes', async () => {
    const { client: c } = client(sb);
    let stop = false;
    let hammered = 0;
    const hammer = (async () => {
      while (!stop) {
        await rawGet(sb, '/api/v1/users/me');
        hammered++;
        await sleep(40);
      }
    })();
    try {
      await sleep(100);
      const answers = await Promise.all(Array.from({ length: 30 }, () => c.request(me)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    } finally {
      stop = true;
      await hammer;
    }
    expect(hammered).toBeGreaterThan(20);
    const ls = c.limiter.stats();
    // It met a few 429s (the other program takes slots at any moment), paused, and went on.
    expect(ls.pauses + ls.external).toBeGreaterThan(0);
    expect(c.stats().rateLimited).toBeLessThan(10);
  });

  it('makes room for requests another program made, read from x-ratelimit-remaining, before any 429', async () => {
    // The other program took half of the window just before.
    for (let i = 0; i < 10; i++) expect(await rawGet(sb, '/api/v1/users/me')).toBe(200);
    const { client: c } = client(sb);
    const started = performance.now();
    for (let i = 0; i < 25; i++) await c.request(me);
    expect(sb.stats().rateLimited).toBe(0);
    expect(c.limiter.stats().external).toBe(10);
    // 10 others + 10 of ours filled the first window; the other 15 of ours had to wait for the next.
    expect(performance.now() - started).toBeGreaterThan(1500);
  });

  it('a pause holds every request, including those queued before it', async () => {
    const limiter = new RateLimiter({ burst: 5, windowMs: 400, host: 'example' });
    const site = { method: 'GET', path: '/x', host: 'example' };
    limiter.pause(300);
    expect(limiter.isPaused).toBe(true);
    const started = performance.now();
    const waits = await Promise.all(Array.from({ length: 3 }, () => limiter.run(async (g) => g.waitedMs, { site })));
    expect(performance.now() - started).toBeGreaterThan(290);
    expect(Math.min(...waits)).toBeGreaterThan(290);
    expect(limiter.stats()).toMatchObject({ pauses: 1, granted: 3, paused: false });
  });

  it('a request aborted while the limiter is paused leaves at once, with the abort reason', async () => {
    const limiter = new RateLimiter({ burst: 5, windowMs: 400, host: 'example' });
    limiter.pause(5000);
    const ctl = new AbortController();
    const reason = new Error('user pressed Ctrl-C');
    const p = limiter.run(async () => 'sent', { site: { method: 'GET', path: '/x', host: 'example' }, signal: ctl.signal });
    setTimeout(() => ctl.abort(reason), 30);
    const started = performance.now();
    await expect(p).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(limiter.stats()).toMatchObject({ granted: 0, waiting: 0 });
  });

  it('a 429 pauses the limiter until the reset and fills the window, so the queue does not rush out', async () => {
    const limiter = new RateLimiter({ burst: 5, windowMs: 400, safetyMs: 0, host: 'example' });
    const site = { method: 'GET', path: '/x', host: 'example' };
    let first: Grant | undefined;
    await limiter.run(async (g) => {
      first = g;
      g.sent();
    }, { site });
    expect(limiter.rateLimited(first!, { limit: 5, remaining: 0, resetMs: 100 }, 2)).toBe('burst');
    expect(limiter.isPaused).toBe(true);
    const started = performance.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => limiter.run(async () => void done.push(performance.now() - started), { site })));
    // Paused 100 ms, but the window counts the others' requests as full until 400 ms: then 5, then 1 more.
    expect(Math.min(...done)).toBeGreaterThan(380);
    expect(done.filter((t) => t < 780)).toHaveLength(5);
    expect(Math.max(...done)).toBeGreaterThan(780);
    expect(limiter.stats()).toMatchObject({ pauses: 1, rateLimited: 1 });
  });

  it('answers `daily` for a 429 that says the daily budget is spent, without pausing', async () => {
    const limiter = new RateLimiter({ burst: 5, windowMs: 400, host: 'acme.pipedrive.com', dailyResets: 'midnight (test)' });
    const site = { method: 'GET', path: '/api/v1/persons', host: 'acme.pipedrive.com' };
    let g: Grant | undefined;
    await limiter.run(async (x) => void (g = x), { site });
    expect(limiter.rateLimited(g!, { limit: 5, remaining: 3, dailyLeft: 4 }, 20)).toBe('daily');
    expect(limiter.isPaused).toBe(false);
    const err = await limiter.run(async () => 'sent', { site, tokens: 20 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SL6503', message: 'the daily API budget of acme.pipedrive.com is used up (4 tokens left, this request needs 20); it resets at midnight (test)' });
  });
});

describe('daily budget', () => {
  it('fails fast with a typed error naming the host and the reset, and does not loop', async () => {
    sb.setDailyBudget(50);
    try {
      const { client: c } = client(sb);
      // v1 lists cost 20 (the action's x-token-cost): two fit in 50, and the answer to the second says 10 are left.
      const list = { method: 'GET', path: '/persons', cost: 'list', tokens: 20, query: { limit: 1 } } as const;
      await c.request(list);
      await c.request(list);
      const before = sb.stats().requests;
      const err = await c.request(list).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'DailyBudgetExhausted', code: 'SL6503', dailyLeft: 10, needed: 20 });
      expect((err as Error).message).toContain(new URL(sb.url).host);
      expect((err as Error).message).toContain('resets at midnight');
      // Refused without asking the server.
      expect(sb.stats().requests).toBe(before);
      // A cheaper request (a single GET costs 2) still goes through.
      expect((await c.request({ method: 'GET', path: '/persons/1', cost: 'get', tokens: 2 })).status).toBe(200);
    } finally {
      sb.setDailyBudget(undefined);
    }
  });

  it('a 429 for the daily budget is not retried, and later requests of every client fail without a request', async () => {
    sb.setDailyBudget(10);
    try {
      const { client: a } = client(sb);
      const { client: b } = client(sb);
      const started = performance.now();
      await expect(a.request({ method: 'GET', path: '/persons', cost: 'list', tokens: 20 })).rejects.toMatchObject({ code: 'SL6503', attempts: 1 });
      expect(sb.stats().requests).toBe(1);
      expect(sb.stats().rateLimited).toBe(1);
      await expect(b.request({ method: 'GET', path: '/persons', cost: 'list', tokens: 20 })).rejects.toMatchObject({ code: 'SL6503' });
      expect(sb.stats().requests).toBe(1);
      expect(performance.now() - started).toBeLessThan(500);
      expect(a.limiter.stats().dailyExhausted).toBe(true);
    } finally {
      sb.setDailyBudget(undefined);
    }
  });
});

describe('one limiter per (base URL, token)', () => {
  it('clients with the same base URL and token share it, whatever their API version; other tokens do not', () => {
    const a = client(sb).client;
    const b = client(sb, { plan: 'premium' }).client;
    const v2 = client(sb, { version: 'v2' }).client;
    const other = client(sb, { token: OTHER_TOKEN }).client;
    expect(b.limiter).toBe(a.limiter);
    expect(v2.limiter).toBe(a.limiter);
    expect(other.limiter).not.toBe(a.limiter);
    // The first one's plan holds until the server says otherwise.
    expect(b.limiter.stats().burst).toBe(20);
  });

  it('keys by a fingerprint of the token, never the token', () => {
    const key = limiterKey(`${sb.url}/`, connection(sb.url, sb.token).token);
    expect(key).toMatch(new RegExp(`^${sb.url.replace(/[.]/g, '\\.')}#[0-9a-f]{16}$`));
    expect(key).not.toContain(sb.token);
    expect(limiterKey(sb.url, connection(sb.url, OTHER_TOKEN).token)).not.toBe(key);
  });

  it('two clients of one token together stay under its burst', async () => {
    const a = client(sb).client;
    const b = client(sb).client;
    await Promise.all([...Array.from({ length: 20 }, () => a.request(me)), ...Array.from({ length: 20 }, () => b.request(me))]);
    expect(sb.stats().rateLimited).toBe(0);
    expect(a.limiter.stats().granted).toBe(40);
  });
});
