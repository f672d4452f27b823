// `check --explain`: what one run of a flow asks of the API, and what it costs of the daily budget.
import { describe, expect, it } from 'vitest';
import { explainFlows } from '../../src/cli/explain.js';
import { check, conn } from './harness.js';

const FLOW = `source pipedrive.persons where limit = 10 since ~{CreatedDate}~
  -> lookup owner = pipedrive.users.find where term = name
  -> map { title: name, person_id: id }
  -> dest pipedrive.leads`;

describe('check --explain', () => {
  it('says what each page, lookup and written record costs, by the API version used', () => {
    const auto = explainFlows(check(FLOW).model!)[0];
    expect(auto.cost).toEqual({ sourcePage: 10, pageSize: 500, lookups: [{ name: 'owner', tokens: 40 }], destRecord: 10 });
    expect(auto.text).toContain('cost: 10 tokens of the daily budget per page (up to 500 records)');
    expect(auto.text).toContain('lookup owner = pipedrive.users.find (once per distinct request, cached; 40 tokens a request)');
    expect(auto.text).toContain('-> dest pipedrive.leads: POST /leads (API v1; 10 tokens a record)');
    // A connection forcing v1 pays v1 prices.
    const v1 = explainFlows(check(FLOW, { connections: [conn('pipedrive', 'v1')] }).model!)[0];
    expect(v1.cost?.sourcePage).toBe(20);
    expect(v1.text).toContain('source pipedrive.persons: GET /persons (API v1, connection pipedrive)');
  });

  it('says how pages are read: a growing window of offsets, time slices, or one cursor after another', () => {
    const v1 = explainFlows(check('source pipedrive.persons -> dest stdout', { connections: [conn('pipedrive', 'v1')] }).model!)[0];
    expect(v1.reading?.mode).toBe('window');
    expect(v1.text).toContain('pages: several at once: one, then once it comes back full as many as the window allows');
    const sliced = explainFlows(check('source pipedrive.persons since ~{CreatedDate}~ -> dest stdout').model!)[0];
    expect(sliced.reading?.mode).toBe('slices');
    expect(sliced.text).toContain('in parallel time slices once the first page is full (`updated_since` / `updated_until`');
    expect(sliced.text).toContain('a slice that fails leaves the rest to one stream');
    const whole = explainFlows(check('source pipedrive.persons -> dest stdout').model!)[0];
    expect(whole.reading?.mode).toBe('slices');
    expect(whole.text).toContain("cursor pages oldest first, the first and the newest page asked at once (one request more than a read of one page); when they do not meet and one stream would use half the plan's rate or less, the range between them in parallel time slices");
    // An action without update-time bounds: one cursor after another.
    const plain = explainFlows(check('source pipedrive.stages -> dest stdout').model!)[0];
    expect(plain.reading?.mode).toBe('sequential');
  });

  it('says how records are written to an API, and says nothing of writes to a file', () => {
    const api = explainFlows(check(FLOW).model!)[0];
    expect(api.writing?.mode).toBe('adaptive');
    expect(api.text).toContain("writes: as many at once as the plan's rate x the observed latency (at least 4, within the burst; 4 against an API without a rate limit)");
    expect(api.text.indexOf('writes:')).toBeGreaterThan(api.text.indexOf('-> dest pipedrive.leads'));
    const file = explainFlows(check('source pipedrive.persons -> dest file.jsonl with path = "p.jsonl"').model!)[0];
    expect(file.writing).toBeUndefined();
    expect(file.text).not.toContain('writes:');
    // A tee with an API among its destinations writes to it the same way.
    const tee = explainFlows(check('source pipedrive.persons -> map { title: name, person_id: id } -> tee { dest file.jsonl with path = "p.jsonl", dest pipedrive.leads }').model!)[0];
    expect(tee.writing?.mode).toBe('adaptive');
  });

  it('says which lookups batch, and through what', () => {
    const flow = `source pipedrive.deals
  -> lookup person = pipedrive.persons.get where id = person_id
  -> lookup owner = pipedrive.users.find where term = title
  -> map { id: id, who: person.name, owner: owner.name }
  -> dest stdout`;
    const plan = explainFlows(check(flow).model!)[0];
    expect(plan.batched).toEqual([{ name: 'person', through: 'pipedrive.persons', max: 100 }]);
    expect(plan.text).toContain('lookup person = pipedrive.persons.get (batched: the ids of a page go 100 a request through pipedrive.persons with `ids=`, cached per id)');
    expect(plan.text).toContain('lookup owner = pipedrive.users.find (once per distinct request, cached');
    // v1 has no batch read: one by one.
    const v1 = explainFlows(check(flow.replace('where id = person_id', 'where id = person_id.value'), { connections: [conn('pipedrive', 'v1')] }).model!)[0];
    expect(v1.batched).toBeUndefined();
  });

  it('lists every destination of a tee, each with its request', () => {
    const flow = `source pipedrive.persons
  -> map { title: name, person_id: id }
  -> tee { dest pipedrive.leads, dest file.jsonl with path = "out/leads.jsonl" }`;
    const plan = explainFlows(check(flow).model!)[0];
    expect(plan.tee?.map((d) => d.action)).toEqual(['pipedrive.leads', 'file.jsonl']);
    expect(plan.text).toContain('-> tee: every record to each destination; written once all have accepted it');
    expect(plan.text).toContain('     dest pipedrive.leads: POST /leads');
    expect(plan.text).toContain('     dest file.jsonl');
  });
});
