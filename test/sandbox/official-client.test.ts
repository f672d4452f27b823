// The official `pipedrive` npm client as an independent judge: if it can talk to the sandbox on
// these endpoints, with its own URL building, query encoding and response handling, so can a
// client written against the real API. 31.2.1 still has v1 persons/deals lists; 33.x has the rest.
import { v1, v2 } from 'pipedrive';
import { v1 as v1Old } from 'pipedrive-v31';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, UNAUTHORIZED_BODY, type Sandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
const cfg = (version: 'v1' | 'v2', apiKey = sb.token) => ({ apiKey, basePath: `${sb.url}/api/${version}` });

beforeAll(async () => {
  sb = await startSandbox({ seed: 7, plan: 'unlimited' });
});
afterAll(() => sb.close());

describe('pipedrive@31.2.1 (v1 persons and deals)', () => {
  it('lists every person across several pages, in id order, without repeats', async () => {
    const api = new v1Old.PersonsApi(new v1Old.Configuration(cfg('v1')));
    const ids: number[] = [];
    let start: number | undefined = 0;
    let pages = 0;
    while (start !== undefined) {
      const res: any = await api.getPersons({ start, limit: 100 });
      expect(res.success).toBe(true);
      pages++;
      ids.push(...res.data.map((p: any) => p.id));
      const p = res.additional_data.pagination;
      start = p.more_items_in_collection ? p.next_start : undefined;
    }
    expect(pages).toBe(3);
    expect(ids).toEqual(sb.data.persons.all().map((p) => p.id));
    expect(new Set(ids).size).toBe(250);
  });

  it('passes sort through and gets v1 person shapes', async () => {
    const api = new v1Old.PersonsApi(new v1Old.Configuration(cfg('v1')));
    const res: any = await api.getPersons({ limit: 20, sort: 'update_time DESC' });
    const times = res.data.map((p: any) => p.update_time);
    expect(times).toEqual([...times].sort().reverse());
    const p = res.data[0];
    expect(p.owner_id).toMatchObject({ id: expect.any(Number), value: p.owner_id.id });
    expect(p.update_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(Array.isArray(p.email)).toBe(true);
  });

  it('lists open deals', async () => {
    const api = new v1Old.DealsApi(new v1Old.Configuration(cfg('v1')));
    const res: any = await api.getDeals({ status: 'open', limit: 500 });
    expect(res.data.length).toBe(sb.data.deals.all().filter((d) => d.status === 'open').length);
    expect(res.data.every((d: any) => d.status === 'open')).toBe(true);
  });
});

describe('pipedrive@33 (users, leads, recents, v2)', () => {
  it('finds users by name and by email, and reads the current user', async () => {
    const users = new v1.UsersApi(new v1.Configuration(cfg('v1')));
    const someone = sb.data.users.get(2)!;
    const byName: any = await users.findUsersByName({ term: someone.name.split(' ')[0] });
    expect(byName.data.map((u: any) => u.id)).toContain(2);
    const byEmail: any = await users.findUsersByName({ term: someone.email, search_by_email: 1 });
    expect(byEmail.data.map((u: any) => u.id)).toEqual([2]);
    const me: any = await users.getCurrentUser();
    expect(me.data).toMatchObject({ id: 1, is_you: true, company_id: sb.data.company.id, company_domain: sb.data.company.domain, company_name: sb.data.company.name });
  });

  it('adds a lead, then updates it, with ISO-millisecond times from the sandbox clock', async () => {
    const leads = new v1.LeadsApi(new v1.Configuration(cfg('v1')));
    const added: any = await leads.addLead({ AddLeadRequest: { title: 'Client-made lead', person_id: 3, value: { amount: 1200, currency: 'EUR' } } });
    expect(added.data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(added.data).toMatchObject({ title: 'Client-made lead', person_id: 3, source_name: 'API', value: { amount: 1200, currency: 'EUR' } });
    expect(added.data.add_time).toBe(sb.clock.date().toISOString());

    sb.clock.advance(61_000);
    const updated: any = await leads.updateLead({ id: added.data.id, UpdateLeadRequest: { title: 'Renamed', value: null, was_seen: true } });
    expect(updated.data).toMatchObject({ id: added.data.id, title: 'Renamed', value: null, was_seen: true, add_time: added.data.add_time });
    expect(Date.parse(updated.data.update_time) - Date.parse(added.data.add_time)).toBe(61_000);
    const listed: any = await leads.getLeads({ limit: 500 });
    expect(listed.data.find((l: any) => l.id === added.data.id).title).toBe('Renamed');
  });

  it('reads recents with its form-encoded since_timestamp', async () => {
    sb.clock.advance(5_000);
    sb.data.persons.update(17, { name: 'Changed By Test' });
    const since = new Date(sb.clock.now() - 1000).toISOString().slice(0, 19).replace('T', ' ');
    const recents = new v1.RecentsApi(new v1.Configuration(cfg('v1')));
    const res: any = await recents.getRecents({ since_timestamp: since, items: 'person' });
    expect(res.additional_data.since_timestamp).toBe(since);
    expect(res.data).toEqual([{ item: 'person', id: 17, data: expect.objectContaining({ id: 17, name: 'Changed By Test' }) }]);
  });

  it('lists v2 persons with cursors', async () => {
    const persons = new v2.PersonsApi(new v2.Configuration(cfg('v2')));
    const ids: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res: any = await persons.getPersons({ limit: 100, cursor });
      pages++;
      ids.push(...res.data.map((p: any) => p.id));
      cursor = res.additional_data.next_cursor ?? undefined;
      if (!cursor) expect(res.additional_data.next_cursor).toBeNull();
    } while (cursor);
    expect(pages).toBe(3);
    expect(ids).toEqual(sb.data.persons.all().map((p) => p.id));
  });

  it('gets v2 shapes: RFC 3339 times, integer owner_id, emails, custom_fields', async () => {
    const persons = new v2.PersonsApi(new v2.Configuration(cfg('v2')));
    const res: any = await persons.getPersons({ limit: 5, sort_by: 'update_time', sort_direction: 'desc' });
    const p = res.data[0];
    expect(p.update_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(typeof p.owner_id).toBe('number');
    expect(Array.isArray(p.emails)).toBe(true);
    expect(Object.keys(p.custom_fields).every((k) => /^[0-9a-f]{40}$/.test(k))).toBe(true);
  });

  it('rejects a bad token with Pipedrive\'s 401 body', async () => {
    const users = new v1.UsersApi(new v1.Configuration(cfg('v1', '0'.repeat(40))));
    await expect(users.getCurrentUser()).rejects.toEqual(JSON.parse(UNAUTHORIZED_BODY));
    const old = new v1Old.PersonsApi(new v1Old.Configuration(cfg('v1', 'f'.repeat(40))));
    await expect(old.getPersons({})).rejects.toEqual(JSON.parse(UNAUTHORIZED_BODY));
  });

  it('rejects bad lead bodies with the error envelope naming the field', async () => {
    const leads = new v1.LeadsApi(new v1.Configuration(cfg('v1')));
    await expect(leads.addLead({ AddLeadRequest: { person_id: 1 } as never })).rejects.toMatchObject({
      success: false,
      error: 'Validation failed: title: Required',
      data: null,
      additional_data: null,
    });
    await expect(leads.addLead({ AddLeadRequest: { title: 'Orphan' } })).rejects.toMatchObject({ success: false, error: expect.stringMatching(/^Validation failed: person_id: .*organization/) });
    await expect(leads.updateLead({ id: 'not-a-uuid', UpdateLeadRequest: { title: 'x' } })).rejects.toMatchObject({ error: 'Validation failed: id: Invalid uuid' });
  });
});
