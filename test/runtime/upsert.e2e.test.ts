// `dest ... upsert by FIELD` end to end against the sandbox: re-running an import updates the
// records it created instead of duplicating them (persons by email, organizations by name, deals
// by a custom external id), an ambiguous match rejects the record (kept, with the reason), a key
// repeated within one run creates once, and `sluice check` refuses what cannot upsert.
import { describe, expect, it } from 'vitest';
import { project, sandboxesPerTest, type TestSandbox } from './helpers/sandbox-run.js';

const sb = sandboxesPerTest();

const calls = (s: TestSandbox, from = 0) => s.log.slice(from).map((e) => `${e.method} ${e.path.split('?')[0]}`);
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const PERSONS = `source file.jsonl with path = "people.jsonl" as { name: string, mail: string }
  -> map { name: name, emails: [{ value: mail, primary: true }] }
  -> dest pipedrive.persons.create upsert by email
`;

describe('upsert by: re-running an import updates instead of duplicating', () => {
  it('persons by email: the second run updates the three persons the first created', async () => {
    const s = await sb({ persons: 5 });
    const p = project(s, { 'p.flow': PERSONS, 'people.jsonl': jsonl([{ name: 'Ada', mail: 'ada@x.test' }, { name: 'Bob', mail: 'bob@x.test' }, { name: 'Cy', mail: 'cy@x.test' }]) }, 'v2');
    const first = await p.run('p.flow');
    expect(first.code, first.stderr).toBe(0);
    expect(first.summary).toMatchObject({ written: 3, rejected: 0 });
    expect(s.data.persons.all()).toHaveLength(8);
    p.write('people.jsonl', jsonl([{ name: 'Ada Lovelace', mail: 'ADA@x.test' }, { name: 'Bob B', mail: 'bob@x.test' }, { name: 'Cy C', mail: 'cy@x.test' }]));
    const from = s.log.length;
    const second = await p.run('p.flow');
    expect(second.code, second.stderr).toBe(0);
    expect(second.summary).toMatchObject({ written: 3, rejected: 0 });
    expect(s.data.persons.all()).toHaveLength(8);
    // Writes go out several at a time: the sandbox numbers the persons in the order they arrived.
    expect(s.data.persons.all().slice(5).map((x) => x.name).sort()).toEqual(['Ada Lovelace', 'Bob B', 'Cy C']);
    const writes = calls(s, from).filter((c) => !c.startsWith('GET /api/v2/persons/search'));
    expect(writes.filter((c) => !c.startsWith('GET')).sort()).toEqual(s.data.persons.all().slice(5).map((x) => `PATCH /api/v2/persons/${x.id}`).sort());
    expect(calls(s, from).filter((c) => c === 'GET /api/v2/persons/search')).toHaveLength(3);
  });

  it('`dest pipedrive.persons upsert by email`: the read name as a dest is its create', async () => {
    const s = await sb({ persons: 2 });
    const flow = PERSONS.replace('dest pipedrive.persons.create', 'dest pipedrive.persons');
    const p = project(s, { 'p.flow': flow, 'people.jsonl': jsonl([{ name: 'Ada', mail: 'ada@x.test' }]) }, 'v2');
    const check = await p.sluice(['check', 'p.flow']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect((await p.run('p.flow')).summary).toMatchObject({ written: 1 });
    p.write('people.jsonl', jsonl([{ name: 'Ada Lovelace', mail: 'ada@x.test' }]));
    expect((await p.run('p.flow')).summary).toMatchObject({ written: 1 });
    expect(s.data.persons.all().map((x) => x.name)).toEqual([...s.data.persons.all().slice(0, 2).map((x) => x.name), 'Ada Lovelace']);
  });

  it('a key twice in one run (in any case) creates once, then updates', async () => {
    const s = await sb({ persons: 0 });
    const p = project(s, { 'p.flow': PERSONS, 'people.jsonl': jsonl([{ name: 'Ada', mail: 'ada@x.test' }, { name: 'Ada L', mail: 'ADA@X.test' }]) }, 'v2');
    const r = await p.run('p.flow');
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ written: 2, rejected: 0 });
    expect(s.data.persons.all().map((x) => x.name)).toEqual(['Ada L']);
  });

  it('organizations by name', async () => {
    const s = await sb({ organizations: 2 });
    const existing = s.data.organizations.all()[0];
    const flow = `source file.jsonl with path = "orgs.jsonl" as { name: string, city: string }
  -> map { name: name, address: { value: city } }
  -> dest pipedrive.organizations.create upsert by name
`;
    const p = project(s, { 'o.flow': flow, 'orgs.jsonl': jsonl([{ name: existing.name, city: 'Oslo' }, { name: 'Brand New AS', city: 'Bergen' }]) }, 'v2');
    for (let run = 0; run < 2; run++) {
      const r = await p.run('o.flow');
      expect(r.code, r.stderr).toBe(0);
      expect(r.summary).toMatchObject({ written: 2, rejected: 0 });
      expect(s.data.organizations.all()).toHaveLength(3);
    }
    expect(s.data.organizations.get(existing.id)!.address).toBe('Oslo');
    expect(s.data.organizations.all()[2]).toMatchObject({ name: 'Brand New AS', address: 'Bergen' });
  });

  it('deals by a custom external id (named after `sluice discover`)', async () => {
    const s = await sb({ deals: 3 });
    const flow = `source file.jsonl with path = "deals.jsonl" as { ext: string, title: string, value: number }
  -> map { title: title, value: value, ExternalId: ext }
  -> dest pipedrive.deals.create upsert by ExternalId
`;
    const p = project(s, { 'd.flow': flow, 'deals.jsonl': jsonl([{ ext: 'ERP-1', title: 'One', value: 10 }, { ext: 'ERP-2', title: 'Two', value: 20 }]) }, 'v2');
    const disc = await p.sluice(['discover', 'pipedrive']);
    expect(disc.code, disc.stderr).toBe(0);
    const key = s.data.customFieldKey('deal', 'ExternalId');
    expect((await p.run('d.flow')).summary).toMatchObject({ written: 2, rejected: 0 });
    p.write('deals.jsonl', jsonl([{ ext: 'ERP-1', title: 'One', value: 11 }, { ext: 'ERP-2', title: 'Two', value: 22 }]));
    const again = await p.run('d.flow');
    expect(again.code, again.stderr).toBe(0);
    expect(again.summary).toMatchObject({ written: 2, rejected: 0 });
    const deals = s.data.deals.all();
    expect(deals).toHaveLength(5);
    expect(deals.slice(3).map((d) => [d.title, d.value, d.custom[key]]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['One', 11, 'ERP-1'],
      ['Two', 22, 'ERP-2'],
    ]);
  });
});

describe('upsert by: ambiguous matches and check errors', () => {
  it('two records with the key: the record is rejected with the reason and kept, the others go on', async () => {
    const s = await sb({ persons: 0 });
    s.data.persons.create({ name: 'Twin 1', email: 'twin@x.test' });
    s.data.persons.create({ name: 'Twin 2', email: 'twin@x.test' });
    const p = project(s, { 'p.flow': PERSONS, 'people.jsonl': jsonl([{ name: 'Twin?', mail: 'twin@x.test' }, { name: 'Solo', mail: 'solo@x.test' }]) }, 'v2');
    const r = await p.run('p.flow');
    expect(r.summary).toMatchObject({ written: 1, rejected: 1 });
    expect(s.data.persons.all().map((x) => x.name)).toEqual(['Twin 1', 'Twin 2', 'Solo']);
    const rejected = await p.sluice(['state', 'rejected', 'p.flow', '--format', 'json']);
    expect(rejected.stdout).toMatch(/upsert by `email`: 2 or more records have \\"twin@x.test\\"/);
    expect(rejected.stdout).toMatch(/Twin\?/);
  });

  it('check: a write that cannot upsert, a field it cannot search by, a field the records lack, a misspelt clause', async () => {
    const s = await sb();
    const p = project(
      s,
      {
        'update.flow': 'source pipedrive.persons -> map { id: id, name: name } -> dest pipedrive.persons.update upsert by name\n',
        'title.flow': 'source pipedrive.deals -> map { title: title } -> dest pipedrive.deals.create upsert by title\n',
        'lacks.flow': 'source pipedrive.persons -> map { name: name } -> dest pipedrive.persons.create upsert by email\n',
        'file.flow': 'source pipedrive.persons -> map { name: name } -> dest file.jsonl upsert by name with path = "x.jsonl"\n',
        'typo.flow': 'source pipedrive.persons -> map { name: name } -> dest pipedrive.persons.create upsrt by name\n',
        'ok.flow': 'source pipedrive.persons -> map { name: name, emails: emails } -> dest pipedrive.persons.create upsert by email\n',
      },
      'v2',
    );
    const codes = async (f: string) => {
      const r = await p.sluice(['check', f, '--format', 'json']);
      return [...new Set([...r.stdout.matchAll(/"code":\s*"(SL\d+)"/g)].map((m) => m[1]))];
    };
    expect(await codes('update.flow')).toContain('SL2110');
    expect(await codes('file.flow')).toContain('SL2110');
    expect(await codes('title.flow')).toContain('SL2111');
    expect(await codes('lacks.flow')).toContain('SL2112');
    expect(await codes('typo.flow')).toContain('SL1025');
    const ok = await p.sluice(['check', 'ok.flow']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    // A v1 connection: persons.create has no search there.
    const v1 = project(s, { 'ok.flow': 'source pipedrive.persons -> map { name: name } -> dest pipedrive.persons.create upsert by name\n' }, 'v1');
    const r = await v1.sluice(['check', 'ok.flow']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/SL2110[\s\S]*only with API v2|only with API v2[\s\S]*SL2110/);
  });
});
