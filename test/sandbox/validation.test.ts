// Validation like the real API: 400s in Pipedrive's envelope with a message naming the field,
// 404 for unknown ids, and nothing changed when a request is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './helpers.js';

let sb: Sandbox;
let leadId: string;
let label: string;
beforeAll(async () => {
  sb = await startSandbox({ plan: 'unlimited' });
  leadId = sb.data.leads.all()[0].id;
  label = (await call(sb, '/api/v1/leadLabels')).json().data[0].id;
});
afterAll(() => sb.close());

const envelope = (message: string | RegExp) => ({ success: false, error: message instanceof RegExp ? expect.stringMatching(message) : message, error_info: expect.any(String), data: null, additional_data: null });

describe('persons', () => {
  it('refuses a person without a name with the exact documented body', async () => {
    const before = sb.data.persons.all().length;
    for (const body of [{}, { name: '' }, { name: '   ' }, { email: 'x@example.com' }]) {
      const a = await call(sb, '/api/v1/persons', { method: 'POST', body });
      expect(a.status).toBe(400);
      expect(a.text).toBe(
        '{"success":false,"error":"Name must be given.","error_info":"Please check developers.pipedrive.com for more information about Pipedrive API.","data":null,"additional_data":null}',
      );
    }
    expect(sb.data.persons.all().length).toBe(before);
  });

  it.each([
    [{ name: 'A', org_id: 999 }, "'org_id'"],
    [{ name: 'A', owner_id: 'me' }, "'owner_id'"],
    [{ name: 'A', email: [{ value: 'not-an-email' }] }, "'email[0].value'"],
    [{ name: 'A', phone: [{ value: '1', label: 'pager' }] }, "'phone[0].label'"],
    [{ name: 'A', visible_to: '2' }, "'visible_to'"],
    [{ name: 'A', add_time: '2026-01-01T00:00:00Z' }, "'add_time'"],
  ])('POST /v1/persons %j -> 400 naming %s', async (body, field) => {
    const a = await call(sb, '/api/v1/persons', { method: 'POST', body });
    expect(a.status).toBe(400);
    expect(a.json()).toEqual(envelope(new RegExp(field.replace(/[[\].]/g, '\\$&'))));
  });

  it('checks custom field values against their definition', async () => {
    const segment = sb.data.customFieldKey('person', 'Segment');
    const ltv = sb.data.customFieldKey('person', 'Lifetime value');
    const bad = await call(sb, '/api/v1/persons', { method: 'POST', body: { name: 'A', [segment]: 9999 } });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toContain(segment);
    const badNum = await call(sb, '/api/v1/persons', { method: 'POST', body: { name: 'A', [ltv]: 'lots' } });
    expect(badNum.status).toBe(400);
    expect(badNum.json().error).toContain(ltv);
    const v2 = await call(sb, '/api/v2/persons', { method: 'POST', body: { name: 'A', custom_fields: { ['0'.repeat(40)]: 1 } } });
    expect(v2.status).toBe(400);
    expect(v2.json().error).toContain('custom_fields.0000');
  });

  it('refuses v2 bodies with v1 habits (strings for numbers, email instead of emails)', async () => {
    const a = await call(sb, '/api/v2/persons', { method: 'POST', body: { name: 'A', owner_id: '1' } });
    expect(a.json().error).toBe('Validation failed: owner_id: Expected integer, received string');
    const b = await call(sb, '/api/v2/persons', { method: 'POST', body: { name: 'A', emails: 'a@example.com' } });
    expect(b.json().error).toBe('Validation failed: emails: Expected array, received string');
    const c = await call(sb, '/api/v2/persons', { method: 'POST', body: {} });
    expect(c.json().error).toBe('Validation failed: name: Required');
  });

  it('answers 404 for unknown ids and 400 for ids that are not numbers', async () => {
    expect((await call(sb, '/api/v1/persons/424242', { method: 'PUT', body: { name: 'x' } })).status).toBe(404);
    expect((await call(sb, '/api/v1/persons/424242', { method: 'DELETE' })).status).toBe(404);
    const nan = await call(sb, '/api/v1/persons/abc');
    expect(nan.status).toBe(400);
    expect(nan.json().error).toContain("'id'");
  });
});

describe('leads', () => {
  it.each([
    [{ person_id: 1 }, 'Validation failed: title: Required'],
    [{ title: '', person_id: 1 }, /^Validation failed: title: /],
    [{ title: 'T' }, /^Validation failed: person_id: A lead must be linked to a person or an organization/],
    [{ title: 'T', person_id: '1' }, 'Validation failed: person_id: Expected integer, received string'],
    [{ title: 'T', person_id: null }, 'Validation failed: person_id: Expected value, received null'],
    [{ title: 'T', person_id: 999999 }, 'Validation failed: person_id: person 999999 does not exist'],
    [{ title: 'T', organization_id: 999999 }, 'Validation failed: organization_id: organization 999999 does not exist'],
    [{ title: 'T', person_id: 1, value: { amount: 10 } }, 'Validation failed: value.currency: Required'],
    [{ title: 'T', person_id: 1, value: { currency: 'EUR' } }, 'Validation failed: value.amount: Required'],
    [{ title: 'T', person_id: 1, value: { amount: '10', currency: 'EUR' } }, 'Validation failed: value.amount: Expected number, received string'],
    [{ title: 'T', person_id: 1, expected_close_date: null }, 'Validation failed: expected_close_date: Expected value, received null'],
    [{ title: 'T', person_id: 1, expected_close_date: '2026-02-30' }, /^Validation failed: expected_close_date: /],
    [{ title: 'T', person_id: 1, label_ids: ['nope'] }, 'Validation failed: label_ids[0]: Invalid uuid'],
    [{ title: 'T', person_id: 1, label_ids: ['00000000-0000-4000-8000-000000000000'] }, /^Validation failed: label_ids\[0\]: lead label .* does not exist/],
    [{ title: 'T', person_id: 1, visible_to: 3 }, /^Validation failed: visible_to: must be one of "1", "3"/],
    [{ title: 'T', person_id: 1, was_seen: 'yes' }, 'Validation failed: was_seen: Expected boolean, received string'],
    [{ title: 'T', person_id: 1, owner_id: 99 }, 'Validation failed: owner_id: user 99 does not exist'],
  ])('POST /v1/leads %j -> 400 %s', async (body, message) => {
    const before = sb.data.leads.all().length;
    const a = await call(sb, '/api/v1/leads', { method: 'POST', body });
    expect(a.status).toBe(400);
    expect(a.json()).toEqual(envelope(message));
    expect(sb.data.leads.all().length).toBe(before);
  });

  it('takes a full valid lead', async () => {
    const a = await call(sb, '/api/v1/leads', {
      method: 'POST',
      body: { title: 'Full', organization_id: 2, value: { amount: 5, currency: 'USD' }, label_ids: [label], expected_close_date: '2026-03-01', visible_to: '7', was_seen: true },
    });
    expect(a.status).toBe(201);
    expect(a.json().data).toMatchObject({ title: 'Full', person_id: null, organization_id: 2, label_ids: [label], visible_to: '7', was_seen: true, is_archived: false });
  });

  it('PATCH allows nulls where the docs do, but not for the title or the last link', async () => {
    const lead = sb.data.leads.create({ title: 'Patch me', person_id: 5, expected_close_date: '2026-02-01', value: { amount: 1, currency: 'EUR' } });
    const ok = await call(sb, `/api/v1/leads/${lead.id}`, { method: 'PATCH', body: { expected_close_date: null, value: null, is_archived: true } });
    expect(ok.status).toBe(200);
    expect(ok.json().data).toMatchObject({ expected_close_date: null, value: null, is_archived: true });
    expect((await call(sb, `/api/v1/leads/${lead.id}`, { method: 'PATCH', body: { title: null } })).json().error).toBe('Validation failed: title: Expected value, received null');
    const unlink = await call(sb, `/api/v1/leads/${lead.id}`, { method: 'PATCH', body: { person_id: null } });
    expect(unlink.status).toBe(400);
    expect(unlink.json().error).toMatch(/^Validation failed: person_id: A lead must be linked/);
    expect(sb.data.leads.get(lead.id)!.person_id).toBe(5);
  });

  it('checks the UUID before looking the lead up', async () => {
    const bad = await call(sb, '/api/v1/leads/12345');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual(envelope('Validation failed: id: Invalid uuid'));
    const unknown = await call(sb, '/api/v1/leads/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual(envelope('Lead not found'));
    expect((await call(sb, `/api/v1/leads/${leadId}`)).status).toBe(200);
    expect((await call(sb, `/api/v1/leads/${leadId.toUpperCase()}`)).json().data.id).toBe(leadId);
  });
});

describe('users and other endpoints', () => {
  it('requires term on users/find', async () => {
    const a = await call(sb, '/api/v1/users/find');
    expect(a.status).toBe(400);
    expect(a.json()).toEqual(envelope("Invalid value for field 'term': is required."));
    expect((await call(sb, '/api/v1/users/find', { query: { term: 'zzzz-nobody' } })).json().data).toEqual([]);
  });

  it('refuses notes without content or a link, and deals without a title', async () => {
    expect((await call(sb, '/api/v1/notes', { method: 'POST', body: { person_id: 1 } })).json().error).toBe('Content must be given.');
    expect((await call(sb, '/api/v1/notes', { method: 'POST', body: { content: 'x' } })).json().error).toBe('Either deal_id, person_id, org_id or lead_id must be given.');
    expect((await call(sb, '/api/v1/deals', { method: 'POST', body: { value: 3 } })).json().error).toBe('Title must be given.');
    expect((await call(sb, '/api/v1/deals', { method: 'POST', body: { title: 'x', stage_id: 999 } })).json().error).toContain("'stage_id'");
  });

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(`${sb.url}/api/v1/persons`, { method: 'POST', headers: { 'x-api-token': sb.token, 'content-type': 'application/json' }, body: '{"name":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('Request body is not valid JSON.');
  });

  it('takes a form-encoded v1 body, as old clients send', async () => {
    const res = await fetch(`${sb.url}/api/v1/persons`, {
      method: 'POST',
      headers: { 'x-api-token': sb.token, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Form+Person&org_id=2&email%5B%5D=a%40example.com&email%5B%5D=b%40example.com',
    });
    expect(res.status).toBe(201);
    const data = ((await res.json()) as any).data;
    expect(data).toMatchObject({ name: 'Form Person', org_id: { value: 2 } });
    expect(data.email.map((e: any) => e.value)).toEqual(['a@example.com', 'b@example.com']);
  });
});
