// Records change, and their times say when: what incremental syncs are tested against.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { allV2, call } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 9, plan: 'unlimited' });
});
afterAll(() => sb.close());

describe('timestamps from the sandbox clock', () => {
  it('sets add_time and update_time on create, and only update_time on update', async () => {
    sb.clock.set('2026-01-15T12:00:00Z');
    const created = (await call(sb, '/api/v1/persons', { method: 'POST', body: { name: 'Tick Tock', email: 'tick@example.com' } })).json().data;
    expect(created).toMatchObject({ add_time: '2026-01-15 12:00:00', update_time: '2026-01-15 12:00:00' });
    sb.clock.advance(90_500);
    const updated = (await call(sb, `/api/v1/persons/${created.id}`, { method: 'PUT', body: { phone: '+1 555 0100' } })).json().data;
    // v1 times have one-second resolution.
    expect(updated).toMatchObject({ add_time: '2026-01-15 12:00:00', update_time: '2026-01-15 12:01:30', phone: [{ value: '+1 555 0100', primary: true, label: 'work' }] });
    const v2 = (await call(sb, `/api/v2/persons/${created.id}`)).json().data;
    expect(v2).toMatchObject({ add_time: '2026-01-15T12:00:00Z', update_time: '2026-01-15T12:01:30Z', emails: [{ value: 'tick@example.com', primary: true, label: 'work' }] });
  });

  it('finds changed records with v2 updated_since (inclusive) and updated_until (exclusive)', async () => {
    sb.clock.set('2026-01-20T08:00:00Z');
    sb.data.persons.update(4, { job_title: 'CTO' });
    sb.data.organizations.update(2, { name: 'Renamed Org' });
    sb.clock.advance(1000);
    sb.data.persons.update(5, { job_title: 'CFO' });
    const since = await allV2(sb, '/api/v2/persons', { updated_since: '2026-01-20T08:00:00Z' });
    expect(since.items.map((p) => p.id)).toEqual([4, 5]);
    const window = await allV2(sb, '/api/v2/persons', { updated_since: '2026-01-20T08:00:00Z', updated_until: '2026-01-20T08:00:01Z' });
    expect(window.items.map((p) => p.id)).toEqual([4]);
    expect((await allV2(sb, '/api/v2/organizations', { updated_since: '2026-01-20T08:00:00Z' })).items.map((o) => o.name)).toEqual(['Renamed Org']);
    // The v1 embed of the renamed organization follows at once.
    const withOrg = sb.data.persons.all().find((p) => p.org_id === 2)!;
    expect((await call(sb, `/api/v1/persons/${withOrg.id}`)).json().data.org_id.name).toBe('Renamed Org');
    const bad = await call(sb, '/api/v2/persons', { query: { updated_since: '2026-01-20 08:00:00' } });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toContain('updated_since');
  });

  it('sorts v2 lists by update_time in either direction and v1 lists by "field DIR, field"', async () => {
    const desc = await allV2(sb, '/api/v2/persons', { sort_by: 'update_time', sort_direction: 'desc', limit: 500 });
    const times = desc.items.map((p) => p.update_time);
    expect(times).toEqual([...times].sort().reverse());
    const v1 = (await call(sb, '/api/v1/persons', { query: { sort: 'last_name ASC, id DESC', limit: 500 } })).json().data;
    const keys = v1.map((p: any) => [p.last_name, p.id]);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : b[1] - a[1]));
    expect(keys).toEqual(sorted);
  });

  it('filters v1 leads by updated_since', async () => {
    sb.clock.set('2026-01-21T10:00:00.250Z');
    const lead = sb.data.leads.all().find((l) => !l.is_archived)!;
    sb.data.leads.update(lead.id, { was_seen: true });
    const a = (await call(sb, '/api/v1/leads', { query: { updated_since: '2026-01-21T10:00:00Z' } })).json();
    expect(a.data.map((l: any) => l.id)).toEqual([lead.id]);
    expect(a.data[0].update_time).toBe('2026-01-21T10:00:00.250Z');
  });

  it('keeps v2 cursors stable when records change between pages', async () => {
    const first = (await call(sb, '/api/v2/persons', { query: { limit: 50, sort_by: 'id' } })).json();
    sb.data.persons.create({ name: 'Inserted Between Pages' });
    sb.data.persons.delete(first.data[10].id);
    const rest = await allV2(sb, '/api/v2/persons', { limit: 100, cursor: first.additional_data.next_cursor });
    const ids = [...first.data.map((p: any) => p.id), ...rest.items.map((p) => p.id)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(50)[0]).toBe(first.data[49].id + 1);
    expect(rest.items.at(-1).name).toBe('Inserted Between Pages');
  });
});

describe('deletes and status changes', () => {
  it('soft-deletes persons: gone from lists, readable by id with active_flag false', async () => {
    const p = sb.data.persons.create({ name: 'To Delete' });
    const del = await call(sb, `/api/v1/persons/${p.id}`, { method: 'DELETE' });
    expect(del.json()).toEqual({ success: true, data: { id: p.id } });
    const got = (await call(sb, `/api/v1/persons/${p.id}`)).json().data;
    expect(got).toMatchObject({ active_flag: false, delete_time: expect.any(String) });
    expect((await call(sb, `/api/v2/persons/${p.id}`)).json().data.is_deleted).toBe(true);
    const list = (await call(sb, '/api/v1/persons', { query: { limit: 500, start: 200 } })).json().data ?? [];
    expect(list.some((x: any) => x.id === p.id)).toBe(false);
    expect((await call(sb, `/api/v1/persons/${p.id}`, { method: 'PUT', body: { name: 'Back' } })).status).toBe(404);
  });

  it('stamps won_time when a deal is won and counts it on the person', async () => {
    sb.clock.set('2026-01-22T09:30:00Z');
    const person = sb.data.persons.create({ name: 'Buyer' });
    const deal = (await call(sb, '/api/v1/deals', { method: 'POST', body: { title: 'Big one', value: 1000, currency: 'EUR', person_id: person.id } })).json().data;
    expect(deal).toMatchObject({ status: 'open', won_time: null, person_id: { value: person.id } });
    sb.clock.advance(60_000);
    const won = (await call(sb, `/api/v2/deals/${deal.id}`, { method: 'PATCH', body: { status: 'won' } })).json().data;
    expect(won).toMatchObject({ status: 'won', won_time: '2026-01-22T09:31:00Z', close_time: '2026-01-22T09:31:00Z' });
    expect((await call(sb, `/api/v1/persons/${person.id}`)).json().data).toMatchObject({ won_deals_count: 1, closed_deals_count: 1, open_deals_count: 0 });
    expect((await call(sb, '/api/v1/deals', { query: { status: 'won', limit: 500 } })).json().data.some((d: any) => d.id === deal.id)).toBe(true);
  });

  it('lists only the token user\'s activities unless user_id=0', async () => {
    const mine = (await call(sb, '/api/v1/activities', { query: { limit: 500 } })).json().data ?? [];
    const all = (await call(sb, '/api/v1/activities', { query: { limit: 500, user_id: 0 } })).json().data;
    expect(mine.every((a: any) => a.user_id === 1)).toBe(true);
    expect(all.length).toBeGreaterThan(mine.length);
  });
});

describe('the in-process data API', () => {
  it('applies the same validation as HTTP', () => {
    expect(() => sb.data.persons.create({})).toThrow('Name must be given.');
    expect(() => sb.data.leads.create({ title: 'no link' })).toThrow(/person_id/);
  });

  it('counts requests by status and path', async () => {
    sb.resetStats();
    await call(sb, '/api/v1/users/me');
    await call(sb, '/api/v1/users/me', { token: null });
    await call(sb, '/api/v1/persons', { query: { limit: 3 } });
    const s = sb.stats();
    expect(s.requests).toBe(3);
    expect(s.byStatus).toEqual({ 200: 2, 401: 1 });
    expect(s.byPath).toEqual({ 'GET /api/v1/users/me': 2, 'GET /api/v1/persons': 1 });
    expect(s.recordsServed).toBe(3);
  });
});
