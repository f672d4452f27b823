// The v2 search endpoints: exact and partial matches in the chosen fields, custom text fields,
// cursor pages, filters, errors, and the burst limit of 10 searches per 2 s on every plan.
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './helpers.js';

const open: Sandbox[] = [];
async function sb(options: Parameters<typeof startSandbox>[0] = {}): Promise<Sandbox> {
  const s = await startSandbox({ seed: 5, persons: 0, organizations: 0, deals: 0, ...options });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const ids = (a: { json: () => any }) => a.json().data.items.map((x: any) => x.item.id);

describe('GET /api/v2/persons/search, /organizations/search, /deals/search', () => {
  it('exact_match finds whole values only, case-insensitively, in the fields asked', async () => {
    const s = await sb();
    const ann = s.data.persons.create({ name: 'Ann Smith', email: 'ann@x.test' }).id;
    const anna = s.data.persons.create({ name: 'Anna', email: 'anna@x.test', phone: '+1 555 0101' }).id;
    const exact = await call(s, '/api/v2/persons/search', { query: { term: 'ANN@x.test', fields: 'email', exact_match: 'true' } });
    expect(exact.status).toBe(200);
    expect(exact.json().data.items).toEqual([
      { result_score: 1, item: expect.objectContaining({ id: ann, type: 'person', name: 'Ann Smith', emails: ['ann@x.test'], organization: null }) },
    ]);
    expect(exact.json().additional_data).toEqual({ next_cursor: null });
    // Partial: both, the closer match first; the name field does not hold emails.
    expect(ids(await call(s, '/api/v2/persons/search', { query: { term: 'ann', fields: 'email' } }))).toEqual([ann, anna]);
    expect(ids(await call(s, '/api/v2/persons/search', { query: { term: 'ann@x.test', fields: 'name', exact_match: 'true' } }))).toEqual([]);
    expect(ids(await call(s, '/api/v2/persons/search', { query: { term: '+1 555 0101', fields: 'phone', exact_match: 'true' } }))).toEqual([anna]);
    s.data.persons.delete(ann);
    expect(ids(await call(s, '/api/v2/persons/search', { query: { term: 'ann@x.test', fields: 'email', exact_match: 'true' } }))).toEqual([]);
  });

  it('custom text fields, organizations by name, deals by title and status; cursor pages', async () => {
    const s = await sb();
    const key = s.data.customFieldKey('deal', 'Competitor');
    const d1 = s.data.deals.create({ title: 'Alpha', [key]: 'EXT-1' }).id;
    const d2 = s.data.deals.create({ title: 'Alpha two', [key]: 'EXT-12' }).id;
    const hit = await call(s, '/api/v2/deals/search', { query: { term: 'EXT-1', fields: 'custom_fields', exact_match: 'true' } });
    expect(hit.json().data.items).toEqual([{ result_score: 1, item: expect.objectContaining({ id: d1, title: 'Alpha', custom_fields: ['EXT-1'] }) }]);
    expect(ids(await call(s, '/api/v2/deals/search', { query: { term: 'alpha', fields: 'title', status: 'open' } }))).toEqual([d1, d2]);
    s.data.deals.update(d1, { status: 'won' });
    expect(ids(await call(s, '/api/v2/deals/search', { query: { term: 'alpha', fields: 'title', status: 'open' } }))).toEqual([d2]);

    for (let i = 0; i < 5; i++) s.data.organizations.create({ name: `Acme ${i}` });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(s, '/api/v2/organizations/search', { query: { term: 'acme', fields: 'name', limit: 2, ...(cursor ? { cursor } : {}) } });
      expect(page.status).toBe(200);
      seen.push(...ids(page));
      cursor = page.json().additional_data.next_cursor;
    } while (cursor);
    expect(seen).toEqual(s.data.organizations.all().map((o) => o.id));
  });

  it('400 without a term, for a short partial term, an unknown field or a bad cursor', async () => {
    const s = await sb();
    const queries: Record<string, string>[] = [{}, { term: 'a' }, { term: 'ab', fields: 'title' }, { term: 'ab', cursor: 'nope' }];
    for (const query of queries) {
      expect((await call(s, '/api/v2/persons/search', { query })).status, JSON.stringify(query)).toBe(400);
    }
    expect((await call(s, '/api/v2/persons/search', { query: { term: 'a', exact_match: 'true' } })).status).toBe(200);
  });

  it('at most 10 searches per 2 seconds, even on the largest plan, apart from the other requests', async () => {
    const s = await sb({ plan: 'ultimate' });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await call(s, '/api/v2/persons/search', { query: { term: 'zz' } })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses[10]).toBe(429);
    expect((await call(s, '/api/v2/persons')).status).toBe(200);
  });
});
