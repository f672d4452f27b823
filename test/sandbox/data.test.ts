// Generated data: deterministic from the seed, shaped like a real company's, with custom fields
// under hash keys that the *Fields endpoints explain. And data files as an alternative.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_START, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { tempDir } from '../helpers/cli.js';
import { allV1, allV2, call } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 42, plan: 'unlimited' });
});
afterAll(() => sb.close());

async function dump(s: Sandbox): Promise<string> {
  const parts = await Promise.all(['/api/v1/persons', '/api/v1/deals', '/api/v1/leads?archived_status=all', '/api/v1/organizations', '/api/v1/activities?user_id=0', '/api/v1/notes'].map((p) => allV1(s, p, 500)));
  return JSON.stringify(parts.map((p) => p.items));
}

describe('determinism', () => {
  it('gives the same data, ids and timestamps for the same seed and sizes, and different data for another seed', async () => {
    const twin = await startSandbox({ seed: 42, plan: 'unlimited' });
    const other = await startSandbox({ seed: 43, plan: 'unlimited' });
    try {
      const [a, b, c] = await Promise.all([dump(sb), dump(twin), dump(other)]);
      expect(b).toBe(a);
      expect(c).not.toBe(a);
      // Created leads get seeded UUIDs too.
      expect(twin.data.leads.create({ title: 'x', person_id: 1 }).id).toBe(sb.data.leads.create({ title: 'x', person_id: 1 }).id);
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it('keeps persons unchanged when only the number of deals changes', async () => {
    const more = await startSandbox({ seed: 42, deals: 80, plan: 'unlimited' });
    try {
      expect(more.data.persons.all().map((p) => [p.name, p.add_time])).toEqual(sb.data.persons.all().map((p) => [p.name, p.add_time]));
      expect(more.data.deals.all()).toHaveLength(80);
    } finally {
      await more.close();
    }
  });

  it('honours sizes', async () => {
    const small = await startSandbox({ persons: 7, deals: 3, leads: 2, organizations: 2, plan: 'unlimited' });
    try {
      expect(small.data.persons.all()).toHaveLength(7);
      expect(small.data.deals.all()).toHaveLength(3);
      expect(small.data.leads.all()).toHaveLength(2);
      expect(small.data.organizations.all()).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});

describe('shape of the generated company', () => {
  it('starts the clock at 2026-01-15T12:00:00Z and spreads record times over the months before', () => {
    expect(sb.clock.date().toISOString()).toBe('2026-01-15T12:00:00.000Z');
    expect(DEFAULT_START).toBe(sb.clock.now());
    const persons = sb.data.persons.all();
    const monthAgo = Date.parse('2025-12-15T12:00:00Z');
    const recent = persons.filter((p) => p.update_time >= monthAgo).length;
    expect(recent).toBeGreaterThan(20);
    expect(persons.length - recent).toBeGreaterThan(20);
    expect(persons.every((p) => p.add_time <= p.update_time && p.update_time < sb.clock.now())).toBe(true);
    // Ids follow creation order, like an auto-increment column.
    const adds = persons.map((p) => p.add_time);
    expect(adds).toEqual([...adds].sort((x, y) => x - y));
  });

  it('serves v1 persons with owner objects, contact arrays and UTC times', async () => {
    const p = (await call(sb, '/api/v1/persons/1')).json().data;
    expect(p.owner_id).toEqual({ id: expect.any(Number), name: expect.any(String), email: expect.any(String), has_pic: 0, pic_hash: null, active_flag: true, value: p.owner_id.id });
    expect(p.add_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    for (const c of [...p.email, ...p.phone]) expect(Object.keys(c).sort()).toEqual(expect.arrayContaining(['primary', 'value']));
    const noPhone = (await allV1(sb, '/api/v1/persons', 500)).items.find((x) => x.phone.length === 1 && x.phone[0].value === '');
    expect(noPhone.phone).toEqual([{ value: '', primary: true }]);
    const withOrg = (await allV1(sb, '/api/v1/persons', 500)).items.find((x) => x.org_id !== null);
    expect(withOrg.org_id).toMatchObject({ name: expect.any(String), people_count: expect.any(Number), value: expect.any(Number), owner_id: expect.any(Number) });
  });

  it('serves leads with UUID ids and ISO-millisecond times, and v2 records with integer owners', async () => {
    const lead = (await call(sb, '/api/v1/leads', { query: { limit: 1 } })).json().data[0];
    expect(lead.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lead.add_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const deal = (await call(sb, '/api/v2/deals', { query: { limit: 1 } })).json().data[0];
    expect(typeof deal.owner_id).toBe('number');
    expect(deal.add_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const stages = (await allV2(sb, '/api/v2/stages')).items;
    expect(stages.length).toBeGreaterThan(3);
    expect(stages[0]).toMatchObject({ id: expect.any(Number), pipeline_id: expect.any(Number), deal_probability: expect.any(Number) });
  });

  it('lists custom person fields under 40-hex keys (text, enum with options, number) that records use', async () => {
    const { items: fields } = await allV1(sb, '/api/v1/personFields', 500);
    const custom = fields.filter((f) => f.edit_flag);
    expect(custom.every((f) => /^[0-9a-f]{40}$/.test(f.key))).toBe(true);
    const types = new Set(custom.map((f) => f.field_type));
    for (const t of ['varchar', 'enum', 'double']) expect(types).toContain(t);
    const segment = custom.find((f) => f.name === 'Segment');
    expect(segment.options.length).toBeGreaterThan(2);
    expect(fields.find((f) => f.key === 'name')).toMatchObject({ edit_flag: false, mandatory_flag: true });

    const persons = (await allV1(sb, '/api/v1/persons', 500)).items;
    for (const f of custom) expect(persons.every((p) => f.key in p)).toBe(true);
    const optionIds = new Set(segment.options.map((o: any) => o.id));
    const used = persons.map((p) => p[segment.key]).filter((v) => v !== null);
    expect(used.length).toBeGreaterThan(50);
    expect(used.every((v) => optionIds.has(v))).toBe(true);
    const v2 = (await call(sb, '/api/v2/persons/1')).json().data;
    expect(v2.custom_fields[segment.key]).toBe(persons[0][segment.key]);

    for (const path of ['/api/v1/dealFields', '/api/v1/organizationFields']) {
      const defs = (await allV1(sb, path, 500)).items.filter((f) => f.edit_flag);
      expect(defs.map((f) => f.field_type)).toEqual(expect.arrayContaining(['enum', 'double', 'varchar']));
    }
  });
});

describe('data files', () => {
  it('loads records from a file, with their ids, times and custom values', async () => {
    const segment = sb.data.customFieldKey('person', 'Segment');
    const file = join(tempDir('sluice-sandbox-'), 'company.json');
    writeFileSync(
      file,
      JSON.stringify({
        now: '2026-03-01T09:00:00Z',
        company: { name: 'Acme', domain: 'acme' },
        users: [{ id: 7, name: 'Ada Admin', email: 'ada@acme.test', is_admin: true }],
        organizations: [{ id: 3, name: 'Globex', owner_id: 7 }],
        persons: [{ id: 10, name: 'Grace Hopper', email: ['grace@globex.test'], org_id: 3, [segment]: 101, add_time: '2026-02-01 10:00:00', update_time: '2026-02-20T08:00:00Z' }],
        leads: [{ id: '11111111-2222-4333-8444-555555555555', title: 'Upsell', person_id: 10 }],
      }),
    );
    const s = await startSandbox({ data: file, plan: 'unlimited' });
    try {
      const p = (await call(s, '/api/v1/persons/10')).json().data;
      expect(p).toMatchObject({ id: 10, name: 'Grace Hopper', add_time: '2026-02-01 10:00:00', update_time: '2026-02-20 08:00:00', org_id: { value: 3, name: 'Globex' }, [segment]: 101, owner_id: { id: 7 } });
      expect((await call(s, '/api/v1/users/me')).json().data).toMatchObject({ id: 7, company_name: 'Acme', company_domain: 'acme' });
      expect((await call(s, '/api/v1/leads/11111111-2222-4333-8444-555555555555')).json().data.title).toBe('Upsell');
      expect(s.clock.date().toISOString()).toBe('2026-03-01T09:00:00.000Z');
      expect(s.data.deals.all()).toEqual([]);
      expect(s.data.persons.create({ name: 'Next' }).id).toBe(11);
    } finally {
      await s.close();
    }
  });

  it('names the record that does not validate', async () => {
    const file = join(tempDir('sluice-sandbox-'), 'bad.json');
    writeFileSync(file, JSON.stringify({ persons: [{ name: 'ok' }, { name: 'bad', org_id: 99 }] }));
    await expect(startSandbox({ data: file })).rejects.toThrow(/^persons\[1\]: Invalid value for field 'org_id'/);
    writeFileSync(file, JSON.stringify({ people: [] }));
    await expect(startSandbox({ data: file })).rejects.toThrow(/unknown key "people"/);
  });
});
