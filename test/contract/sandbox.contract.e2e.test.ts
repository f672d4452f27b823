// The sandbox held to Pipedrive's own OpenAPI descriptions: for every route it serves (v1 and v2,
// lists, single records, writes) and for its errors, the answer fits the documented response
// schema, the request the test sends uses only documented parameters with documented values, and
// the daily budget is charged the operation's `x-token-cost`.
// Known errors of the descriptions are in exceptions.ts, nowhere else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/sandbox/routes/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from '../sandbox/helpers.js';
import { EXCEPTIONS, used } from './exceptions.js';
import { descriptionsPresent, openApiPath, operation, SKIP_REASON, type Version } from './openapi.js';
import { checkRequest, validator } from './validate.js';

const present = descriptionsPresent();
if (!present) console.warn(SKIP_REASON);

interface Probe {
  method: string;
  version: Version;
  /** The sandbox route it exercises (`/persons/:id`). */
  route: string;
  /** The concrete path after `/api/VERSION`. */
  path: string;
  query?: Record<string, string | number>;
  body?: Record<string, unknown>;
  token?: string | null;
  status: number;
  /** A request that is wrong on purpose (to get an error answer): its parameters are not checked. */
  invalid?: true;
}

let sb: Sandbox;
const ids = { personEmail: '', orgName: '', person: 0, org: 0, deal: 0, activity: 0, note: 0, lead: '', pipeline: 0, stage: 0, user: 0 };

function probes(): Probe[] {
  const p = (method: string, version: Version, route: string, path: string, extra: Partial<Probe> = {}): Probe => ({ method, version, route, path, status: 200, ...extra });
  const v1 = (method: string, route: string, path = route, extra: Partial<Probe> = {}) => p(method, 'v1', route, path, extra);
  const v2 = (method: string, route: string, path = route, extra: Partial<Probe> = {}) => p(method, 'v2', route, path, extra);
  const created = { status: 201 };
  return [
    // v1 reads
    v1('GET', '/persons', '/persons', { query: { start: 0, limit: 50, sort: 'update_time DESC' } }),
    v1('GET', '/persons/:id', `/persons/${ids.person}`),
    v1('GET', '/users'),
    v1('GET', '/users/find', '/users/find', { query: { term: 'a', search_by_email: 0 } }),
    v1('GET', '/users/me'),
    v1('GET', '/users/:id', `/users/${ids.user}`),
    v1('GET', '/leads', '/leads', { query: { limit: 20, start: 0, sort: 'update_time DESC, id ASC' } }),
    v1('GET', '/leads/archived', '/leads/archived', { query: { limit: 20 } }),
    v1('GET', '/leads/:id', `/leads/${ids.lead}`),
    v1('GET', '/leadLabels'),
    v1('GET', '/deals', '/deals', { query: { status: 'all_not_deleted', limit: 50 } }),
    v1('GET', '/deals/:id', `/deals/${ids.deal}`),
    v1('GET', '/organizations', '/organizations', { query: { limit: 50 } }),
    v1('GET', '/organizations/:id', `/organizations/${ids.org}`),
    v1('GET', '/activities', '/activities', { query: { user_id: 0, limit: 50 } }),
    v1('GET', '/activities/:id', `/activities/${ids.activity}`),
    v1('GET', '/notes', '/notes', { query: { limit: 50 } }),
    v1('GET', '/notes/:id', `/notes/${ids.note}`),
    v1('GET', '/pipelines'),
    v1('GET', '/pipelines/:id', `/pipelines/${ids.pipeline}`),
    v1('GET', '/stages', '/stages', { query: { pipeline_id: ids.pipeline } }),
    v1('GET', '/stages/:id', `/stages/${ids.stage}`),
    v1('GET', '/recents', '/recents', { query: { since_timestamp: '2025-12-20 00:00:00', items: 'person,deal,organization,activity,note,pipeline,stage,user', limit: 500 } }),
    v1('GET', '/personFields', '/personFields', { query: { limit: 500 } }),
    v1('GET', '/dealFields', '/dealFields', { query: { limit: 500 } }),
    v1('GET', '/organizationFields', '/organizationFields', { query: { limit: 500 } }),
    // v1 writes
    v1('POST', '/persons', '/persons', { body: { name: 'Contract Person', email: [{ value: 'c@example.com', primary: true, label: 'work' }] }, ...created }),
    v1('PUT', '/persons/:id', `/persons/${ids.person}`, { body: { name: 'Contract Renamed', org_id: null, label: null, phone: '+1 555 0100' } }),
    v1('POST', '/leads', '/leads', { body: { title: 'Contract lead', person_id: ids.person, value: { amount: 10, currency: 'EUR' } }, ...created }),
    v1('PATCH', '/leads/:id', `/leads/${ids.lead}`, { body: { title: 'Contract lead, renamed' } }),
    v1('POST', '/deals', '/deals', { body: { title: 'Contract deal', person_id: ids.person }, ...created }),
    v1('PUT', '/deals/:id', `/deals/${ids.deal}`, { body: { title: 'Contract deal, renamed' } }),
    v1('POST', '/organizations', '/organizations', { body: { name: 'Contract Org' }, ...created }),
    v1('PUT', '/organizations/:id', `/organizations/${ids.org}`, { body: { name: 'Contract Org, renamed' } }),
    v1('POST', '/activities', '/activities', { body: { subject: 'Contract call', type: 'call', person_id: ids.person }, ...created }),
    v1('PUT', '/activities/:id', `/activities/${ids.activity}`, { body: { subject: 'Contract call, moved' } }),
    v1('POST', '/notes', '/notes', { body: { content: 'Contract note', person_id: ids.person } }),
    v1('PUT', '/notes/:id', `/notes/${ids.note}`, { body: { content: 'Contract note, edited' } }),
    // v2 reads
    v2('GET', '/persons', '/persons', { query: { limit: 50, sort_by: 'update_time', sort_direction: 'asc', updated_since: '2020-01-01T00:00:00Z', include_fields: 'open_deals_count,notes_count' } }),
    v2('GET', '/persons/:id', `/persons/${ids.person}`),
    v2('GET', '/organizations', '/organizations', { query: { limit: 50 } }),
    v2('GET', '/organizations/:id', `/organizations/${ids.org}`),
    v2('GET', '/deals', '/deals', { query: { limit: 50, status: 'open,won' } }),
    v2('GET', '/deals/:id', `/deals/${ids.deal}`),
    v2('GET', '/activities', '/activities', { query: { limit: 50 } }),
    v2('GET', '/activities/:id', `/activities/${ids.activity}`),
    v2('GET', '/pipelines'),
    v2('GET', '/pipelines/:id', `/pipelines/${ids.pipeline}`),
    v2('GET', '/stages', '/stages', { query: { pipeline_id: ids.pipeline } }),
    v2('GET', '/stages/:id', `/stages/${ids.stage}`),
    v2('GET', '/personFields', '/personFields', { query: { limit: 500 } }),
    v2('GET', '/dealFields', '/dealFields', { query: { limit: 500 } }),
    v2('GET', '/organizationFields', '/organizationFields', { query: { limit: 500 } }),
    v2('GET', '/persons/search', '/persons/search', { query: { term: ids.personEmail, fields: 'email', exact_match: 'true', limit: 10 } }),
    v2('GET', '/organizations/search', '/organizations/search', { query: { term: ids.orgName, fields: 'name', exact_match: 'true' } }),
    v2('GET', '/deals/search', '/deals/search', { query: { term: 'de', fields: 'title', limit: 2 } }),
    // v2 writes
    v2('POST', '/persons', '/persons', { body: { name: 'Contract Person 2', emails: [{ value: 'c2@example.com', primary: true, label: 'work' }] } }),
    v2('PATCH', '/persons/:id', `/persons/${ids.person}`, { body: { name: 'Contract Renamed 2', org_id: null, postal_address: null } }),
    v2('POST', '/organizations', '/organizations', { body: { name: 'Contract Org 2' } }),
    v2('PATCH', '/organizations/:id', `/organizations/${ids.org}`, { body: { name: 'Contract Org 2, renamed' } }),
    v2('POST', '/deals', '/deals', { body: { title: 'Contract deal 2', person_id: ids.person } }),
    v2('PATCH', '/deals/:id', `/deals/${ids.deal}`, { body: { title: 'Contract deal 2, renamed' } }),
    v2('POST', '/activities', '/activities', { body: { subject: 'Contract call 2', type: 'call' } }),
    v2('PATCH', '/activities/:id', `/activities/${ids.activity}`, { body: { subject: 'Contract call 2, moved' } }),
    // deletes last: they remove the records the probes above use
    v1('DELETE', '/leads/:id', `/leads/${ids.lead}`),
    v1('DELETE', '/notes/:id', `/notes/${ids.note}`),
    v1('DELETE', '/activities/:id', `/activities/${ids.activity}`),
    v2('DELETE', '/activities/:id', `/activities/${ids.activity + 1}`),
    v1('DELETE', '/deals/:id', `/deals/${ids.deal}`),
    v2('DELETE', '/deals/:id', `/deals/${ids.deal + 1}`),
    v1('DELETE', '/persons/:id', `/persons/${ids.person}`),
    v2('DELETE', '/persons/:id', `/persons/${ids.person + 1}`),
    v1('DELETE', '/organizations/:id', `/organizations/${ids.org}`),
    v2('DELETE', '/organizations/:id', `/organizations/${ids.org + 1}`),
    // Webhooks after the records: a registration makes later writes send deliveries.
    v1('POST', '/webhooks', '/webhooks', { body: { subscription_url: 'http://127.0.0.1:9/hook', event_action: 'create', event_object: 'person', name: 'contract', http_auth_user: 'u', http_auth_password: 'p', version: '2.0' }, ...created }),
    v1('GET', '/webhooks'),
    v1('DELETE', '/webhooks/:id', '/webhooks/1'),
  ];
}

/** Errors: the documented error answers where the description has one, else Pipedrive's error envelope. */
function errorProbes(): Probe[] {
  return [
    { method: 'GET', version: 'v1', route: '/users/me', path: '/users/me', token: '0'.repeat(40), status: 401 },
    { method: 'GET', version: 'v1', route: '/users/:id', path: '/users/999999', status: 404 },
    { method: 'GET', version: 'v1', route: '/leads/:id', path: '/leads/00000000-0000-4000-8000-000000000000', status: 404 },
    { method: 'PATCH', version: 'v1', route: '/leads/:id', path: '/leads/00000000-0000-4000-8000-000000000000', body: { title: 'x' }, status: 404 },
    { method: 'POST', version: 'v1', route: '/persons', path: '/persons', body: {}, status: 400, invalid: true },
    { method: 'GET', version: 'v1', route: '/persons/:id', path: '/persons/999999', status: 404 },
    { method: 'GET', version: 'v2', route: '/persons/:id', path: '/persons/999999', status: 404 },
    { method: 'GET', version: 'v2', route: '/persons', path: '/persons', query: { updated_since: 'yesterday' }, status: 400, invalid: true },
    { method: 'PATCH', version: 'v2', route: '/deals/:id', path: '/deals/999999', body: { title: 'x' }, status: 404 },
  ];
}

const ENVELOPE = { type: 'object', required: ['success', 'error'], properties: { success: { const: false }, error: { type: 'string' }, error_info: { type: 'string' } } };

async function send(pr: Probe) {
  const a = await call(sb, `/api/${pr.version}${pr.path}`, { method: pr.method, ...(pr.query ? { query: pr.query } : {}), ...(pr.body ? { body: pr.body } : {}), ...(pr.token !== undefined ? { token: pr.token } : {}) });
  return { status: a.status, body: a.text ? a.json() : undefined };
}

describe.skipIf(!present)('the sandbox against Pipedrive\'s OpenAPI descriptions', () => {
  beforeAll(async () => {
    // Ultimate: a daily budget to charge (the probes stay far below its burst).
    sb = await startSandbox({ seed: 13, plan: 'ultimate' });
    const d = sb.data;
    ids.person = d.persons.all()[0].id;
    ids.personEmail = d.persons.all().find((x) => x.emails.some((e) => e.value))!.emails.find((e) => e.value)!.value;
    ids.orgName = d.organizations.all()[0].name;
    ids.org = d.organizations.all()[0].id;
    ids.deal = d.deals.all()[0].id;
    ids.activity = d.activities.all()[0].id;
    ids.note = d.notes.all()[0].id;
    ids.lead = d.leads.all().find((l) => !l.is_archived)!.id;
    ids.user = d.users.all()[0].id;
    const first = (await call(sb, '/api/v1/pipelines')).json().data[0];
    ids.pipeline = first.id;
    ids.stage = (await call(sb, '/api/v1/stages', { query: { pipeline_id: first.id } })).json().data[0].id;
  });
  afterAll(() => sb?.close());

  it('probes every route the sandbox serves', () => {
    const probed = new Set(probes().map((p) => `${p.method} ${p.version} ${p.route}`));
    const served = ROUTES.map((r) => `${r.method} ${r.version} ${r.path}`);
    expect(served.filter((r) => !probed.has(r))).toEqual([]);
  });

  it('every route is a documented operation', () => {
    const missing = ROUTES.filter((r) => !operation(r.version, r.method, openApiPath(r.path))).map((r) => `${r.method} /${r.version}${r.path}`);
    expect(missing).toEqual([]);
  });

  it('answers fit the documented response schemas; requests use documented parameters; each costs its x-token-cost', async () => {
    const problems: string[] = [];
    for (const pr of [...probes(), ...errorProbes()]) {
      const op = operation(pr.version, pr.method, openApiPath(pr.route))!;
      const what = `${pr.method} /${pr.version}${pr.path}`;
      if (!pr.invalid) problems.push(...checkRequest(op, pr.query ?? {}, pr.body, EXCEPTIONS).map((m) => `${what}: request: ${m}`));
      const budget = sb.dailyRemaining();
      const res = await send(pr);
      const charged = budget - sb.dailyRemaining();
      if (res.status < 400 && charged !== op.tokenCost) problems.push(`${what}: charged ${charged} tokens, x-token-cost is ${op.tokenCost}`);
      if (res.status !== pr.status) {
        problems.push(`${what}: status ${res.status}, expected ${pr.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        continue;
      }
      const documented = validator(op, res.status, EXCEPTIONS);
      if (documented) problems.push(...documented(res.body).map((m) => `${what}: ${res.status}: ${m}`));
      else if (res.status >= 400) problems.push(...validator(null, res.status, EXCEPTIONS, ENVELOPE)!(res.body).map((m) => `${what}: ${res.status}: ${m}`));
      else problems.push(`${what}: the description documents no ${res.status} answer`);
    }
    expect(problems).toEqual([]);
  });

  it('every documented exception applies to some probed operation', () => {
    expect(EXCEPTIONS.filter((e) => !used.has(e)).map((e) => e.reason)).toEqual([]);
  });
});
