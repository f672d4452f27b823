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
});
