// Lookups by id through an action the API answers for many ids at once (v2 persons, deals,
// organizations with `ids=`): a page of records costs one request per 100 distinct ids, not one per
// record, each record gets its own record (or null when the id does not exist), and the answers are
// cached per id as one-by-one lookups are.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { project, sandboxesPerTest, type TestSandbox } from './helpers/sandbox-run.js';

const sb = sandboxesPerTest();
const requests = (s: TestSandbox, path: RegExp) => s.log.filter((e) => e.method === 'GET' && path.test(e.path));
const jsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { n: number; person_id: number; name: string | null; email: string | null });

describe('batched lookups by id', () => {
  it('2,000 records looked up by person id: one request per 100 distinct ids of a page', async () => {
    const s = await sb({ persons: 1500, plan: 'unlimited' });
    // 2,000 records; person ids cycle over 1..1,600, so 100 of them do not exist and some repeat.
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ n: i, person_id: (i % 1600) + 1 })).join('\n');
    const p = project(s, {
      'in.jsonl': `${lines}\n`,
      'f.flow': `source file.jsonl with path = "in.jsonl" as { n: integer, person_id: integer }
  -> lookup person = pipedrive.persons.get where id = person_id
  -> map { n: n, person_id: person_id, name: person.name, email: primary(person.emails) }
  -> dest file.jsonl with path = "out.jsonl"
`,
    }, 'v2');
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    const out = jsonl(join(p.dir, 'out.jsonl'));
    expect(out).toHaveLength(2000);
    const persons = new Map(s.data.persons.all().map((x) => [x.id, x]));
    for (const row of out) {
      const person = persons.get(row.person_id);
      expect(row.name).toBe(person ? person.name : null);
    }
    const one = requests(s, /^\/api\/v2\/persons\/\d+/);
    const many = requests(s, /^\/api\/v2\/persons\?/);
    expect(one).toEqual([]);
    // Each request carries at most 100 ids, and no id is asked for twice (the cache answers repeats).
    const asked = many.map((e) => new URLSearchParams(e.path.split('?')[1]).get('ids')!.split(',').map(Number));
    for (const ids of asked) expect(ids.length).toBeLessThanOrEqual(100);
    expect(asked.flat().length).toBe(1600);
    expect(new Set(asked.flat()).size).toBe(1600);
    // One by one would be 1,600 requests (the distinct ids); batched it is at most 1/50 of that.
    expect(many.length).toBeLessThanOrEqual(1600 / 50);
    expect(r.summary.http?.requests).toBe(many.length);
  });

  it('deals and organizations batch too; a lookup one by one (v1) still works as before', async () => {
    const s = await sb({ persons: 30, deals: 40, organizations: 20, plan: 'unlimited' });
    const p = project(s, {
      'f.flow': `source pipedrive.deals
  -> filter org_id != null
  -> lookup org = pipedrive.organizations.get where id = org_id
  -> lookup deal = pipedrive.deals.get where id = id
  -> map { id: id, org: org.name, title: deal.title }
  -> dest file.jsonl with path = "out.jsonl"
`,
    }, 'v2');
    const r = await p.run('f.flow');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const orgs = new Map(s.data.organizations.all().map((o) => [o.id, o.name]));
    // A whole v2 read comes oldest first (its oldest and newest pages are asked at once).
    const at = (d: { update_time: unknown }) => new Date(d.update_time as string | number).getTime();
    const deals = s.data.deals.all().filter((d) => !d.deleted && d.org_id).sort((a, b) => at(a) - at(b) || a.id - b.id);
    const out = readFileSync(join(p.dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; org: string | null; title: string });
    expect(out.map((x) => x.title)).toEqual(deals.map((d) => d.title));
    expect(out.map((x) => x.org)).toEqual(deals.map((d) => orgs.get(d.org_id!) ?? null));
    expect(requests(s, /^\/api\/v2\/(deals|organizations)\/\d+/)).toEqual([]);
    expect(requests(s, /^\/api\/v2\/organizations\?/)).toHaveLength(1);
    expect(requests(s, /^\/api\/v2\/deals\?ids=/)).toHaveLength(1);

    const v1 = project(s, {
      'f.flow': `source pipedrive.persons where limit = 5
  -> lookup person = pipedrive.persons.get where id = id
  -> map { id: id, person: person.name }
  -> dest file.jsonl with path = "out.jsonl"
`,
    }, 'v1');
    const r1 = await v1.run('f.flow');
    expect(r1.code, r1.stderr).toBe(0);
    expect(requests(s, /^\/api\/v1\/persons\/\d+/)).toHaveLength(5);
  });
});
