// The plan the checker emits for each flow, which the runtime runs and `check --explain` prints.
import { describe, expect, it } from 'vitest';
import type { FlowPlan } from '../../src/check/plan-types.js';
import { printExpr } from '../../src/language/printer.js';
import { explainFlows } from '../../src/cli/explain.js';
import { check } from './harness.js';

function plan(flow: string): FlowPlan {
  const r = check(flow);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.model!.flows[0].plan!;
}

describe('flow plan', () => {
  it('puts each where condition where it runs: API parameter, path, limit or engine', () => {
    const p = plan('source pipedrive.persons where owner_id = 7 and limit = 50 and name = "Ada" -> dest stdout');
    expect(p.source!.pushed.map((x) => [x.param, x.in, printExpr(x.value)])).toEqual([['owner_id', 'query', '7']]);
    expect(printExpr(p.source!.limit!)).toBe('50');
    expect(p.source!.engine.map((c) => c.key[0].value)).toEqual(['name']);
    expect(p.source!.conditions.map((c) => c.placement.kind)).toEqual(['api', 'limit', 'engine']);
    expect(p.source!.since).toBeNull();
  });

  it('since: explicit, implied by the since-parameter set to the watermark, or absent', () => {
    expect(printExpr(plan('source pipedrive.persons since ~{CreatedDate}~ -> dest stdout').source!.since!.expr)).toBe('~{CreatedDate}~');
    const implied = plan('source pipedrive.recents where items = "person" and since_timestamp = ~{CreatedDate}~ -> dest stdout').source!.since;
    expect(implied?.implied).toBe(true);
    // A source whose action cannot read from a watermark has no since in its plan.
    expect(plan('source pipedrive.users -> dest stdout').source!.since).toBeNull();
  });

  it('the destination: explicit clears and upsert by a listed field, with its update action', () => {
    const p = plan('source pipedrive.persons -> map { name: name, emails: emails, job_title: null } -> dest pipedrive.persons upsert by email');
    expect(p.dest!.explicit).toEqual(['job_title']);
    expect(p.dest!.upsert).toMatchObject({ field: 'email', update: 'persons.update' });
    expect(p.dest!.ref.action?.qualified).toBe('pipedrive.persons.create');
  });

  it('the boundary digest covers the fields a closed map reads, and the engine conditions', () => {
    expect(plan('source pipedrive.persons where name = "A" since ~{CreatedDate}~ -> map { n: name, o: org_id } -> dest stdout').digest).toEqual(['name', 'org_id']);
    // A map with `...` passes whole records on: the digest is the whole record.
    expect(plan('source pipedrive.persons since ~{CreatedDate}~ -> map { ..., n: name } -> dest stdout').digest).toBeNull();
  });

  it('the source is read for the fields the flow reads, when a closed map decides what goes on', () => {
    expect(plan('source pipedrive.persons where name = "A" -> filter add_time != null -> map { n: name, o: org_id } -> dest stdout').reads).toEqual(['add_time', 'name', 'org_id']);
    // A lookup's key is read from the source record; what the lookup gives is not (a superset is harmless).
    expect(plan('source pipedrive.persons -> lookup o = pipedrive.organizations.get where id = org_id -> map { n: name, org: o.name } -> dest stdout').reads).toEqual(['name', 'o', 'org_id']);
    // Whole records: a map with `...`, no map at all, or a declared record type.
    expect(plan('source pipedrive.persons -> map { ..., n: name } -> dest stdout').reads).toBeNull();
    expect(plan('source pipedrive.persons -> dest stdout').reads).toBeNull();
    expect(plan('source file.jsonl with path = "in.jsonl" as { id: integer } -> map { id: id } -> dest stdout').reads).toBeNull();
    // Refused records go whole to the flow's own reject destination.
    expect(plan('flow f {\n  on reject file.jsonl with path = "rej.jsonl"\n  source pipedrive.persons -> map { n: name } -> dest stdout\n}').reads).toBeNull();
  });

  it('--explain prints the plan: implied since and upsert included', () => {
    const model = check('source pipedrive.persons -> map { name: name, emails: emails } -> dest pipedrive.persons upsert by email').model!;
    const e = explainFlows(model)[0];
    expect(e.dest?.upsert).toMatchObject({ field: 'email', update: 'pipedrive.persons.update' });
    expect(e.text).toMatch(/upsert by email: searches \/persons\/search/);
    expect(e.fields).toEqual(['emails', 'name']);
    expect(e.text).toMatch(/fields: only `emails`, `name` of each record .* are parsed/);
    // A file gives whole records, whatever the flow reads of them.
    const file = explainFlows(check('source file.jsonl with path = "in.jsonl" -> map { a: x } -> dest stdout').model!)[0];
    expect(file.fields).toBeUndefined();
    expect(file.text).not.toMatch(/fields:/);
    const recents = explainFlows(check('source pipedrive.recents where items = "person" and since_timestamp = ~{CreatedDate}~ -> dest stdout').model!)[0];
    expect(recents.since).toMatch(/since_timestamp/);
  });
});
