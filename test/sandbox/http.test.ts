// Raw HTTP: envelopes, auth, pagination edges, recents' quirks and the rate limits, checked byte
// by byte where clients match on bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITED_BODY, UNAUTHORIZED_BODY, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { allV1, allV2, call } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 3, plan: 'unlimited' });
});
afterAll(() => sb.close());

describe('envelope and auth', () => {
  it('wraps data in the success envelope with pagination under additional_data', async () => {
    const a = await call(sb, '/api/v1/persons', { query: { limit: 2 } });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    const body = a.json();
    expect(Object.keys(body)).toEqual(['success', 'data', 'additional_data', 'related_objects']);
    expect(body.success).toBe(true);
    expect(body.additional_data).toEqual({ pagination: { start: 0, limit: 2, more_items_in_collection: true, next_start: 2 } });
    expect(Object.keys(body.related_objects)).toEqual(['user', 'organization']);
  });

  it('answers a missing, wrong or malformed token with the exact 401 body', async () => {
    for (const token of [null, 'a'.repeat(40), 'not-a-token']) {
      const a = await call(sb, '/api/v1/users/me', { token });
      expect(a.status).toBe(401);
      expect(a.text).toBe(UNAUTHORIZED_BODY);
    }
  });

  it('accepts the token as api_token in the query, and /v1 without /api', async () => {
    const a = await call(sb, '/v1/users/me', { token: null, query: { api_token: sb.token } });
    expect(a.status).toBe(200);
    expect(a.json().data.company_domain).toBe('sandbox');
  });

  it('answers unknown paths and unknown ids with 404 in the error envelope', async () => {
    const unknown = await call(sb, '/api/v1/personz');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ success: false, error: 'Unknown method .', error_info: expect.stringContaining('developers.pipedrive.com'), data: null, additional_data: null });
    const missing = await call(sb, '/api/v1/persons/999999');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ success: false, error: 'Person not found', data: null });
    const v2missing = await call(sb, '/api/v2/deals/999999');
    expect(v2missing.status).toBe(404);
    expect(v2missing.json().error).toBe('Deal not found');
    const wrongMethod = await call(sb, '/api/v1/recents', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);
  });
});

describe('v1 offset pagination', () => {
  it('serves exactly 500 in one page with no next_start, and caps a larger limit at 500', async () => {
    const five = await startSandbox({ persons: 500, plan: 'unlimited' });
    try {
      const a = (await call(five, '/api/v1/persons', { query: { limit: 500 } })).json();
      expect(a.data).toHaveLength(500);
      expect(a.additional_data.pagination).toEqual({ start: 0, limit: 500, more_items_in_collection: false });
      const capped = (await call(five, '/api/v1/persons', { query: { limit: 501 } })).json();
      expect(capped.data).toHaveLength(500);
      expect(capped.additional_data.pagination.limit).toBe(500);
      five.data.persons.create({ name: 'Number 501' });
      const more = (await call(five, '/api/v1/persons', { query: { limit: 500 } })).json();
      expect(more.additional_data.pagination).toEqual({ start: 0, limit: 500, more_items_in_collection: true, next_start: 500 });
      const last = (await call(five, '/api/v1/persons', { query: { limit: 500, start: 500 } })).json();
      expect(last.data.map((p: any) => p.name)).toEqual(['Number 501']);
      expect(last.additional_data.pagination).toEqual({ start: 500, limit: 500, more_items_in_collection: false });
    } finally {
      await five.close();
    }
  });

  it('answers an empty page with data: null (v1) but [] for leads', async () => {
    const beyond = (await call(sb, '/api/v1/persons', { query: { start: 10_000 } })).json();
    expect(beyond).toEqual({ success: true, data: null, additional_data: { pagination: { start: 10_000, limit: 100, more_items_in_collection: false } } });
    const leads = (await call(sb, '/api/v1/leads', { query: { start: 10_000 } })).json();
    expect(leads.data).toEqual([]);
  });

  it('pages through the default data set in three pages of 100 with the last page short', async () => {
    const { pages, items } = await allV1(sb, '/api/v1/persons');
    expect(pages.map((p) => p.data.length)).toEqual([100, 100, 50]);
    expect(pages[2].additional_data.pagination).toEqual({ start: 200, limit: 100, more_items_in_collection: false });
    expect(new Set(items.map((p) => p.id)).size).toBe(250);
  });

  it('refuses a non-numeric limit or an unknown sort field, naming it', async () => {
    const bad = await call(sb, '/api/v1/persons', { query: { limit: 'ten' } });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toContain("'limit'");
    const sort = await call(sb, '/api/v1/persons', { query: { sort: 'shoe_size DESC' } });
    expect(sort.status).toBe(400);
    expect(sort.json().error).toContain('shoe_size');
  });
});

describe('v2 cursor pagination', () => {
  it('ends with next_cursor null, and refuses a limit over 500 or a forged cursor', async () => {
    const { pages, items } = await allV2(sb, '/api/v2/persons', { limit: 120 });
    expect(pages.map((p) => p.data.length)).toEqual([120, 120, 10]);
    expect(pages[2].additional_data).toEqual({ next_cursor: null });
    expect(items.map((p) => p.id)).toEqual(sb.data.persons.all().map((p) => p.id));
    expect((await call(sb, '/api/v2/persons', { query: { limit: 501 } })).status).toBe(400);
    const forged = await call(sb, '/api/v2/persons', { query: { cursor: 'bm9wZQ' } });
    expect(forged.status).toBe(400);
    expect(forged.json().error).toBe('Validation failed: cursor: invalid cursor');
  });
});

describe('recents', () => {
  const recents = (query: string) => call(sb, `/api/v1/recents?${query}`);

  it('reads a +-encoded since_timestamp as a space, like %20', async () => {
    const plus = await recents('since_timestamp=2026-01-10+00%3A00%3A00&limit=500');
    const pct = await recents('since_timestamp=2026-01-10%2000:00:00&limit=500');
    expect(plus.status).toBe(200);
    expect(plus.json().additional_data.since_timestamp).toBe('2026-01-10 00:00:00');
    expect(plus.json().data).toEqual(pct.json().data);
    expect(plus.json().data.length).toBeGreaterThan(0);
    for (const e of plus.json().data) expect((e.data.update_time ?? e.data.modified) >= '2026-01-10 00:00:00').toBe(true);
  });

  it('requires since_timestamp and its exact format', async () => {
    const missing = await recents('items=person');
    expect(missing.status).toBe(400);
    expect(missing.json().error).toContain('since_timestamp');
    const iso = await recents('since_timestamp=2026-01-10T00:00:00Z');
    expect(iso.status).toBe(400);
    expect(iso.json().error).toContain('since_timestamp');
    expect((await recents('since_timestamp=2026-01-10+00%3A00%3A00&items=persons')).status).toBe(400);
  });

  it('reaches back one month only: older changes are silently left out', async () => {
    const now = sb.clock.now();
    const monthAgo = '2025-12-15 12:00:00';
    const olderButAfterSince = sb.data.persons.all().filter((p) => p.update_time < Date.parse('2025-12-15T12:00:00Z') && p.update_time >= Date.parse('2025-10-01T00:00:00Z'));
    expect(olderButAfterSince.length).toBeGreaterThan(0);
    const a = (await recents('since_timestamp=2025-10-01+00%3A00%3A00&items=person&limit=500')).json();
    const ids = new Set(a.data.map((e: any) => e.id));
    for (const p of olderButAfterSince) expect(ids.has(p.id)).toBe(false);
    expect(a.data.every((e: any) => e.data.update_time >= monthAgo)).toBe(true);
    const inReach = sb.data.persons.all().filter((p) => p.update_time >= Date.parse('2025-12-15T12:00:00Z'));
    expect(a.data.length).toBe(inReach.length);
    expect(a.additional_data.last_timestamp_on_page).toBe(a.data[a.data.length - 1].data.update_time);
    expect(sb.clock.now()).toBe(now);
  });

  it('lists changes oldest first and includes deletions', async () => {
    sb.clock.advance(10_000);
    const person = sb.data.persons.create({ name: 'Short Lived' });
    sb.clock.advance(1_000);
    sb.data.persons.delete(person.id);
    const since = new Date(sb.clock.now() - 20_000).toISOString().slice(0, 19).replace('T', '+');
    const a = (await recents(`since_timestamp=${since}`)).json();
    const last = a.data[a.data.length - 1];
    expect(last).toMatchObject({ item: 'person', id: person.id, data: { active_flag: false, name: 'Short Lived' } });
  });
});

describe('rate limits', () => {
  it('answers a burst over the plan with 429, the exact body and the headers, until the window passes', async () => {
    const lite = await startSandbox({ plan: 'lite', persons: 10 });
    try {
      const answers = await Promise.all(Array.from({ length: 26 }, () => call(lite, '/api/v1/users/me')));
      const ok = answers.filter((a) => a.status === 200);
      const limited = answers.filter((a) => a.status === 429);
      expect(ok).toHaveLength(20);
      expect(limited).toHaveLength(6);
      for (const a of limited) {
        expect(a.text).toBe(RATE_LIMITED_BODY);
        expect(a.headers.get('x-ratelimit-limit')).toBe('20');
        expect(a.headers.get('x-ratelimit-remaining')).toBe('0');
        expect(Number(a.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
        expect(Number(a.headers.get('x-daily-requests-left'))).toBeGreaterThan(0);
      }
      expect(ok.map((a) => Number(a.headers.get('x-ratelimit-remaining'))).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(lite.stats().rateLimited).toBe(6);
      lite.clock.advance(2_000);
      const after = await call(lite, '/api/v1/users/me');
      expect(after.status).toBe(200);
      expect(after.headers.get('x-ratelimit-remaining')).toBe('19');
    } finally {
      await lite.close();
    }
  });

  it('limits search endpoints to 10 per window on every plan', async () => {
    const big = await startSandbox({ plan: 'ultimate', persons: 10 });
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, () => call(big, '/api/v1/users/find', { query: { term: 'a' } })));
      expect(answers.filter((a) => a.status === 429)).toHaveLength(2);
      expect(answers[0].headers.get('x-ratelimit-limit')).toBe('10');
      expect((await call(big, '/api/v1/users/me')).headers.get('x-ratelimit-limit')).toBe('120');
    } finally {
      await big.close();
    }
  });

  it('spends the daily budget by request cost and refuses once it is gone, until midnight', async () => {
    const daily = await startSandbox({ plan: 'growth', persons: 10, dailyBudget: 100 });
    try {
      const lefts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const a = await call(daily, '/api/v1/persons');
        expect(a.status).toBe(200);
        lefts.push(Number(a.headers.get('x-daily-requests-left')));
      }
      expect(lefts).toEqual([80, 60, 40, 20, 0]);
      const refused = await call(daily, '/api/v1/persons/1');
      expect(refused.status).toBe(429);
      expect(refused.text).toBe(RATE_LIMITED_BODY);
      expect(refused.headers.get('x-daily-requests-left')).toBe('0');
      // Midnight UTC on the sandbox calendar resets the budget; v2 lists cost half of v1's.
      daily.clock.set('2026-01-16T00:00:01Z');
      const v2 = await call(daily, '/api/v2/persons');
      expect(v2.status).toBe(200);
      expect(v2.headers.get('x-daily-requests-left')).toBe('90');
      expect((await call(daily, '/api/v1/persons/1')).headers.get('x-daily-requests-left')).toBe('88');
    } finally {
      await daily.close();
    }
  });

  it('computes the default budget from plan and seats, and sends no limit headers when unlimited', async () => {
    const growth = await startSandbox({ plan: 'growth', persons: 1 });
    try {
      const a = await call(growth, '/api/v1/users/me');
      expect(a.headers.get('x-daily-ratelimit-token-limit')).toBe(String(30_000 * 2 * 5));
      growth.setPlan('unlimited');
      const b = await call(growth, '/api/v1/users/me');
      expect(b.headers.get('x-ratelimit-limit')).toBeNull();
    } finally {
      await growth.close();
    }
  });
});
