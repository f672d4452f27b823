// The Pipedrive writes beyond persons, each as `sluice run` against the sandbox: deals and
// organizations created and updated, activities and notes created, at the version each exists in
// (v2; notes only in v1, also from a connection that uses v2).
import { describe, expect, it } from 'vitest';
import { project, sandboxesPerTest, type TestSandbox } from './helpers/sandbox-run.js';

const sb = sandboxesPerTest();

const writes = (s: TestSandbox) => s.log.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.path.split('?')[0]}`);

describe('pipedrive writes: deals, organizations, activities, notes', () => {
  it('deals.create and deals.update (v2 POST and PATCH)', async () => {
    const s = await sb({ persons: 3, deals: 2 });
    const p = project(
      s,
      {
        'new.jsonl': ['{"t":"Big one","v":1200,"person":1}', '{"t":"Small one","v":30,"person":2}'].join('\n'),
        'c.flow': 'source file.jsonl with path = "new.jsonl" as { t: string, v: number, person: integer } -> map { title: t, value: v, currency: "EUR", person_id: person } -> dest pipedrive.deals.create\n',
        'u.jsonl': '{"id":1,"t":"Renamed"}\n',
        'u.flow': 'source file.jsonl with path = "u.jsonl" as { id: integer, t: string } -> map { id: id, title: t, status: "won" } -> dest pipedrive.deals.update\n',
      },
      'v2',
    );
    const c = await p.run('c.flow');
    expect(c.code, c.stderr).toBe(0);
    expect(c.summary).toMatchObject({ written: 2, rejected: 0 });
    // Sent several at a time: the sandbox numbers them in the order they arrived.
    const created = s.data.deals.all().slice(2).map((d) => [d.title, d.value, d.currency, d.person_id]);
    expect(created.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['Big one', 1200, 'EUR', 1],
      ['Small one', 30, 'EUR', 2],
    ]);
    const u = await p.run('u.flow');
    expect(u.code, u.stderr).toBe(0);
    expect(s.data.deals.get(1)).toMatchObject({ title: 'Renamed', status: 'won' });
    expect(writes(s)).toEqual(['POST /api/v2/deals', 'POST /api/v2/deals', 'PATCH /api/v2/deals/1']);
  });

  it('organizations.create and organizations.update (v2), with the address as an object', async () => {
    const s = await sb({ organizations: 1 });
    const p = project(
      s,
      {
        'c.flow': 'source file.jsonl with path = "o.jsonl" as { n: string, a: string } -> map { name: n, address: { value: a } } -> dest pipedrive.organizations.create\n',
        'o.jsonl': '{"n":"Acme","a":"1 Main St, Springfield"}\n',
        'u.flow': 'source file.jsonl with path = "u.jsonl" as { id: integer, n: string } -> map { id: id, name: n } -> dest pipedrive.organizations.update\n',
        'u.jsonl': '{"id":1,"n":"First Org Renamed"}\n',
      },
      'v2',
    );
    for (const f of ['c.flow', 'u.flow']) {
      const r = await p.run(f);
      expect(r.code, r.stderr).toBe(0);
      expect(r.summary).toMatchObject({ written: 1, rejected: 0 });
    }
    const orgs = s.data.organizations.all();
    expect(orgs.map((o) => [o.name, o.address])).toEqual([
      ['First Org Renamed', s.data.organizations.get(1)!.address],
      ['Acme', '1 Main St, Springfield'],
    ]);
    expect(writes(s)).toEqual(['POST /api/v2/organizations', 'PATCH /api/v2/organizations/1']);
  });

  it('activities.create (v2) and notes.create (v1, also from a v2 connection)', async () => {
    const s = await sb({ persons: 2, activities: 0, notes: 0 });
    const p = project(
      s,
      {
        'a.flow': 'source pipedrive.persons -> map { subject: "Call " + name, type: "call", person_id: id, due_date: "2026-02-01", due_time: "09:30", done: false } -> dest pipedrive.activities.create\n',
        'n.flow': 'source pipedrive.persons -> map { content: "Met " + name, person_id: id, pinned_to_person_flag: 1 } -> dest pipedrive.notes.create\n',
      },
      'v2',
    );
    for (const f of ['a.flow', 'n.flow']) {
      const r = await p.run(f);
      expect(r.code, r.stderr).toBe(0);
      expect(r.summary).toMatchObject({ written: 2, rejected: 0 });
    }
    const persons = s.data.persons.all();
    expect(s.data.activities.all().map((a) => [a.subject, a.type, a.person_id, a.due_date, a.due_time])).toEqual(
      persons.map((x) => [`Call ${x.name}`, 'call', x.id, '2026-02-01', '09:30']),
    );
    expect(s.data.notes.all().map((n) => [n.content, n.person_id, n.pinned_to_person_flag])).toEqual(persons.map((x) => [`Met ${x.name}`, x.id, true]));
    expect(writes(s)).toEqual(['POST /api/v2/activities', 'POST /api/v2/activities', 'POST /api/v1/notes', 'POST /api/v1/notes']);
  });

  it('check rejects fields the write does not take, and a missing required field', async () => {
    const s = await sb();
    const p = project(
      s,
      {
        'bad.flow': 'source pipedrive.persons -> map { title: name, colour: "red" } -> dest pipedrive.deals.create\n',
        'nocontent.flow': 'source pipedrive.persons -> map { person_id: id } -> dest pipedrive.notes.create\n',
      },
      'v2',
    );
    const bad = await p.sluice(['check', 'bad.flow']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/colour/);
    const none = await p.sluice(['check', 'nocontent.flow']);
    expect(none.code).not.toBe(0);
    expect(none.stdout + none.stderr).toMatch(/content/);
  });
});
