// `sluice run` as a real process against the in-process Pipedrive sandbox: every destination, every
// step, where conditions sent to the API or applied by the engine, `since` on v1 (sort and stop) and
// v2 (`updated_since`), incremental runs over changed data, rejected records and --dry-run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { project, rows, sandbox, type TestSandbox } from './helpers/sandbox-run.js';

const open: TestSandbox[] = [];
async function sb(options: Parameters<typeof sandbox>[0] = {}): Promise<TestSandbox> {
  const s = await sandbox(options);
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const jsonl = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** primary(email) of a sandbox person as v1 serves it (`""` for a person without one). */
const email = (p: { emails: { value: string; primary: boolean }[] }): string => (p.emails.find((e) => e.primary) ?? p.emails[0])?.value ?? '';

const byId = <T extends Record<string, unknown>>(xs: T[]): T[] => [...xs].sort((a, b) => Number(a.id) - Number(b.id));

/** Requests the sandbox answered whose path (query included) matches. */
const requests = (s: TestSandbox, method: string, path: RegExp) => s.log.filter((e) => e.method === method && path.test(e.path));

/** Advances the sandbox clock and changes persons: 3 renamed, 2 created, 1 deleted. */
function change(s: TestSandbox): { updated: number[]; created: number[]; deleted: number } {
  s.clock.advance(60_000);
  const updated = [4, 9, 17];
  for (const id of updated) s.data.persons.update(id, { name: `Renamed ${id}` });
  const created = [s.data.persons.create({ name: 'Zoe New', email: 'zoe@new.test' }).id, s.data.persons.create({ name: 'Yann New' }).id];
  s.data.persons.delete(23);
  return { updated, created, deleted: 23 };
}

const PERSONS_JSONL = (append: boolean) => `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name, email: primary(email) }
  -> dest file.jsonl with path = "out/p.jsonl", append = ${append}
`;

/** Every record read is accounted for, in the summary as in the text. */
const addsUp = (x: { read: number; written: number; rejected: number; skipped: number; filtered: number; unsent: number }) =>
  expect(x.written + x.rejected + x.skipped + x.filtered + x.unsent).toBe(x.read);

describe('sluice run against the sandbox: destinations', () => {
  it('file.jsonl with append = false: the first run writes every person, the next only what changed', async () => {
    const s = await sb({ persons: 60 });
    const p = project(s, { 'f.flow': PERSONS_JSONL(false) });
    const r1 = await p.run('f.flow');
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.summary).toMatchObject({ status: 'succeeded', read: 60, written: 60, rejected: 0, complete: true });
    const atWatermark = s.data.persons.all().filter((x) => new Date(x.update_time).toISOString() === r1.summary.watermark).length;
    const expected = s.data.persons.all().map((x) => ({ id: x.id, name: x.name, email: email(x) }));
    expect(byId(jsonl(join(p.dir, 'out/p.jsonl')))).toEqual(expected);

    const { updated, created } = change(s);
    s.log.length = 0;
    const r2 = await p.run('f.flow');
    expect(r2.code, r2.stderr).toBe(0);
    // Replace: the file now holds exactly this run's records, the changes.
    const out = byId(jsonl(join(p.dir, 'out/p.jsonl')));
    expect(out.map((x) => x.id)).toEqual([...updated, ...created]);
    expect(out.find((x) => x.id === 4)).toEqual({ id: 4, name: 'Renamed 4', email: email(s.data.persons.get(4)!) });
    // The watermark is inclusive: the records at exactly it are read again and dropped, and those
    // older than it on the page that reached it are skipped too.
    expect(r2.summary).toMatchObject({ written: 5 });
    expect(r2.summary.skipped).toBeGreaterThanOrEqual(atWatermark);
    addsUp(r2.summary);
    expect(r2.summary.watermark).toBe(new Date(s.clock.now() - (s.clock.now() % 1000)).toISOString());
    // v1 has no "changed since" parameter: newest first, and one page was enough to reach the watermark.
    expect(requests(s, 'GET', /^\/api\/v1\/persons\?/).map((e) => e.path)).toEqual([expect.stringContaining('sort=update_time+DESC')]);
  });

  it('file.jsonl with append = true: earlier lines stay, changed records are added once', async () => {
    const s = await sb({ persons: 60 });
    const p = project(s, { 'f.flow': PERSONS_JSONL(true) });
    expect((await p.run('f.flow')).code).toBe(0);
    const { updated, created, deleted } = change(s);
    const r2 = await p.run('f.flow');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.summary.written).toBe(updated.length + created.length);
    const lines = jsonl(join(p.dir, 'out/p.jsonl'));
    expect(lines).toHaveLength(60 + 5);
    // The last line of each id is the person's current state; a deleted person is not removed (v1
    // lists no deleted persons, so the run never hears of it).
    const latest = new Map(lines.map((l) => [l.id, l]));
    const live = s.data.persons.all();
    expect([...latest.keys()].sort((a, b) => Number(a) - Number(b))).toEqual([...live.map((x) => x.id), deleted].sort((a, b) => a - b));
    for (const x of live) expect(latest.get(x.id)).toEqual({ id: x.id, name: x.name, email: email(x) });
    // A third run with nothing changed adds nothing: the five changes share the watermark's second.
    const r3 = await p.run('f.flow');
    expect(r3.summary).toMatchObject({ written: 0, skipped: r3.summary.read });
    expect(r3.summary.read).toBeGreaterThanOrEqual(5);
    expect(jsonl(join(p.dir, 'out/p.jsonl'))).toHaveLength(65);
  });

  it('file.csv: a header and one row per person, RFC 4180 quoting', async () => {
    const s = await sb({ persons: 40 });
    s.data.persons.update(3, { name: 'Quote "Q", Comma' });
    const p = project(s, { 'f.flow': 'source pipedrive.persons -> map { id: id, name: name, email: primary(email) } -> dest file.csv with path = "out/p.csv"\n' });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    const table = parseCsv(readFileSync(join(p.dir, 'out/p.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(table.map((x) => ({ id: Number(x.id), name: x.name, email: x.email }))).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name, email: email(x) })));
    expect(table.find((x) => x.id === '3')!.name).toBe('Quote "Q", Comma');
  });

  it('sqlite.table: map with `...` keeps every field; the next run upserts the changes by key', async () => {
    const s = await sb({ persons: 60 });
    const p = project(s, {
      'f.flow': `source pipedrive.persons since ~{CreatedDate}~
  -> map { ..., email: primary(email), owner: owner_id.name }
  -> dest sqlite.table with db = "out/crm.db", table = "persons", key = "id"
`,
    });
    expect((await p.run('f.flow')).code).toBe(0);
    const db = join(p.dir, 'out/crm.db');
    const first = rows<Record<string, unknown>>(db, 'persons');
    expect(first).toHaveLength(60);
    const users = new Map(s.data.users.all().map((u) => [u.id, u.name]));
    for (const [i, x] of s.data.persons.all().entries()) {
      // `...` copied the record (first_char, org_name, counts, custom fields...), then the map's fields.
      expect(first[i]).toMatchObject({ id: x.id, name: x.name, email: email(x), owner: users.get(x.owner_id), first_char: x.name[0].toLowerCase(), active_flag: 1 });
      expect(JSON.parse(first[i].owner_id as string)).toMatchObject({ id: x.owner_id, value: x.owner_id });
    }
    const { updated, created, deleted } = change(s);
    const r2 = await p.run('f.flow');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.summary.written).toBe(updated.length + created.length);
    const after = rows<{ id: number; name: string; email: string }>(db, 'persons', 'id, name, email');
    expect(after).toHaveLength(62);
    expect(after.filter((x) => x.id !== deleted)).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name, email: email(x) })));
  });

  it('stdout: the records on stdout, one JSON object a line; the summary on stderr', async () => {
    const s = await sb({ persons: 30 });
    const p = project(s, { 'f.flow': 'source pipedrive.persons where limit = 4 -> map { id: id, name: name } -> dest stdout\n' });
    const r = await p.sluice(['run', 'f.flow']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      s.data.persons
        .all()
        .slice(0, 4)
        .map((x) => `${JSON.stringify({ id: x.id, name: x.name })}\n`)
        .join(''),
    );
    expect(r.stderr).toContain('f: succeeded');
    // `limit = 4` asked the API for 4, not a page of 500.
    expect(requests(s, 'GET', /^\/api\/v1\/persons\?/).map((e) => e.path)).toEqual([expect.stringMatching(/[?&]limit=4(&|$)/)]);
  });

  it('pipedrive.leads (POST): one lead per selected person; the next run sends nothing', async () => {
    const s = await sb({ persons: 50, leads: 0 });
    const p = project(s, {
      'f.flow': `source pipedrive.persons since ~{CreatedDate}~
  -> filter id % 2 == 0
  -> map { title: "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`,
    });
    const r1 = await p.run('f.flow');
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.summary).toMatchObject({ read: 50, written: 25, filtered: 25, rejected: 0 });
    const leads = s.data.leads.all();
    const persons = s.data.persons.all().filter((x) => x.id % 2 === 0);
    expect(leads.map((l) => l.person_id).sort((a, b) => Number(a) - Number(b))).toEqual(persons.map((x) => x.id));
    for (const l of leads) expect(l.title).toBe(`Lead: ${s.data.persons.get(l.person_id as number)!.name}`);
    expect(requests(s, 'POST', /^\/api\/v1\/leads$/)).toHaveLength(25);

    s.log.length = 0;
    const r2 = await p.run('f.flow');
    expect(r2.summary).toMatchObject({ written: 0, rejected: 0 });
    expect(requests(s, 'POST', /leads/)).toHaveLength(0);
    expect(s.data.leads.all()).toHaveLength(25);
  });

  it('pipedrive.leads.update (PATCH): the id goes into the path, the other fields into the body', async () => {
    const s = await sb({ persons: 20, leads: 6 });
    const before = s.data.leads.all();
    expect(before.length).toBeGreaterThan(0);
    const p = project(s, {
      'f.flow': `source pipedrive.leads
  -> map { id: id, title: upper(title), was_seen: true }
  -> dest pipedrive.leads.update
`,
    });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary.written).toBe(before.length);
    const patches = requests(s, 'PATCH', /^\/api\/v1\/leads\//).map((e) => e.path);
    expect(patches.sort()).toEqual(before.map((l) => `/api/v1/leads/${l.id}`).sort());
    for (const l of before) expect(s.data.leads.get(l.id)).toMatchObject({ title: l.title.toUpperCase(), was_seen: true });
  });

  it('pipedrive.persons.create (POST): persons from a file become persons in Pipedrive', async () => {
    const s = await sb({ persons: 10 });
    const p = project(s, {
      'new.jsonl': ['{"name":"Ada Lovelace","mail":"ada@engine.test"}', '{"name":"Charles Babbage","mail":null}'].join('\n'),
      'f.flow': 'source file.jsonl with path = "new.jsonl" as { name: string, mail: string? } -> map { name: name, email: mail } -> dest pipedrive.persons.create\n',
    });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ written: 2, rejected: 0 });
    const added = s.data.persons.all().slice(10);
    expect(added.map((x) => x.name)).toEqual(['Ada Lovelace', 'Charles Babbage']);
    expect(email(added[0])).toBe('ada@engine.test');
    // A null email is left out of the body, not sent as null.
    expect(added[1].emails.filter((e) => e.value !== '')).toEqual([]);
  });
});

describe('sluice run against the sandbox: steps and where', () => {
  it('filter, lookup (cached: one request per owner), map, dedupe by', async () => {
    const s = await sb({ persons: 80 });
    const p = project(s, {
      'f.flow': `source pipedrive.persons
  -> filter id % 3 != 0
  -> lookup owner = pipedrive.users.find where term = owner_name
  -> map { id: id, owner_name: owner_name, owner_email: owner.email }
  -> dedupe by owner_name
  -> dest sqlite.table with db = "out/o.db", table = "owners", key = "id"
`,
    });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    const users = new Map(s.data.users.all().map((u) => [u.id, u]));
    const kept = s.data.persons.all().filter((x) => x.id % 3 !== 0);
    const firstPerOwner = new Map<number, number>();
    for (const x of kept) if (!firstPerOwner.has(x.owner_id)) firstPerOwner.set(x.owner_id, x.id);
    const expected = [...firstPerOwner].map(([owner, id]) => ({ id, owner_name: users.get(owner)!.name, owner_email: users.get(owner)!.email })).sort((a, b) => a.id - b.id);
    expect(rows(join(p.dir, 'out/o.db'), 'owners')).toEqual(expected);
    expect(r.summary).toMatchObject({ read: 80, written: expected.length, filtered: 80 - expected.length });
    // The lookup is cached: one users/find request per distinct owner name, not one per person.
    const finds = requests(s, 'GET', /^\/api\/v1\/users\/find\?/);
    expect(finds).toHaveLength(new Set(kept.map((x) => x.owner_id)).size);
    expect(new Set(finds.map((e) => new URLSearchParams(e.path.split('?')[1]).get('term')))).toEqual(new Set(kept.map((x) => users.get(x.owner_id)!.name)));
  });

  it('take N: the first N records, and no more pages than needed', async () => {
    const s = await sb({ persons: 1200 });
    const p = project(s, { 'f.flow': 'source pipedrive.persons -> take 7 -> map { id: id } -> dest file.jsonl with path = "out/t.jsonl"\n' });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    expect(jsonl(join(p.dir, 'out/t.jsonl'))).toEqual([1, 2, 3, 4, 5, 6, 7].map((id) => ({ id })));
    expect(r.summary).toMatchObject({ written: 7, complete: false });
    // The first page is read while the next is prefetched; the third is never asked for.
    expect(requests(s, 'GET', /^\/api\/v1\/persons\?/).length).toBeLessThanOrEqual(2);
  });

  it('where: an action parameter goes to the API, a record field is applied by the engine', async () => {
    const s = await sb({ persons: 300 });
    const owner = s.data.users.all()[1];
    const p = project(s, {
      'f.flow': `source pipedrive.persons where first_char = "a" and owner_name = "${owner.name}"
  -> map { id: id, name: name, owner: owner_name }
  -> dest file.jsonl with path = "out/w.jsonl"
`,
    });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    const [req, ...more] = requests(s, 'GET', /^\/api\/v1\/persons\?/);
    expect(more).toEqual([]);
    const q = new URLSearchParams(req.path.split('?')[1]);
    expect(q.get('first_char')).toBe('a');
    expect(q.has('owner_name')).toBe(false);
    const fromApi = s.data.persons.all().filter((x) => x.name[0].toLowerCase() === 'a');
    const expected = fromApi.filter((x) => x.owner_id === owner.id).map((x) => ({ id: x.id, name: x.name, owner: owner.name }));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(fromApi.length);
    expect(jsonl(join(p.dir, 'out/w.jsonl'))).toEqual(expected);
    expect(r.summary).toMatchObject({ read: fromApi.length, written: expected.length, filtered: fromApi.length - expected.length });
  });
});

describe('sluice run against the sandbox: since and incremental runs', () => {
  const flow = `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name }
  -> dest sqlite.table with db = "out/p.db", table = "p", key = "id"
`;

  it('v1: sorted newest first, the second run stops at the watermark after one page', async () => {
    const s = await sb({ persons: 1200 });
    const p = project(s, { 'f.flow': flow });
    const r1 = await p.run('f.flow');
    expect(r1.summary).toMatchObject({ read: 1200, written: 1200, pages: 3, complete: true });
    s.clock.advance(5_000);
    s.data.persons.update(1000, { name: 'Changed 1000' });
    s.data.persons.update(2, { name: 'Changed 2' });
    s.log.length = 0;
    const r2 = await p.run('f.flow');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.summary).toMatchObject({ written: 2, pages: 1, complete: true });
    expect(requests(s, 'GET', /^\/api\/v1\/persons\?/)).toHaveLength(1);
    expect(rows(join(p.dir, 'out/p.db'), 'p')).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name })));
  });

  it('v2: the watermark goes to the API as updated_since; only the changes (and the boundary) are read', async () => {
    const s = await sb({ persons: 700 });
    const p = project(s, { 'f.flow': flow }, 'v2');
    const r1 = await p.run('f.flow');
    expect(r1.code, r1.stderr).toBe(0);
    // More than one page is read in time slices (time-slices.e2e.test.ts): pages are those answered.
    expect(r1.summary).toMatchObject({ read: 700, written: 700 });
    const first = requests(s, 'GET', /^\/api\/v2\/persons/);
    expect(first[0].path).toContain('updated_since=1970-01-01T00%3A00%3A00Z');
    const watermark = r1.summary.watermark!;
    const atWatermark = s.data.persons.all().filter((x) => new Date(x.update_time).toISOString() === watermark).length;
    expect(atWatermark).toBeGreaterThan(0);

    s.clock.advance(3_000);
    s.data.persons.update(10, { name: 'Changed 10' });
    const created = s.data.persons.create({ name: 'Brand New' });
    s.log.length = 0;
    const r2 = await p.run('f.flow');
    expect(r2.code, r2.stderr).toBe(0);
    const [req, ...more] = requests(s, 'GET', /^\/api\/v2\/persons/);
    expect(more).toEqual([]);
    expect(new URLSearchParams(req.path.split('?')[1]).get('updated_since')).toBe(watermark.replace(/\.000Z$/, 'Z'));
    // Read: the boundary records (already written, skipped) and the two changes.
    expect(r2.summary).toMatchObject({ read: atWatermark + 2, skipped: atWatermark, written: 2 });
    const table = rows<{ id: number; name: string }>(join(p.dir, 'out/p.db'), 'p');
    expect(table).toHaveLength(701);
    expect(table.find((x) => x.id === 10)!.name).toBe('Changed 10');
    expect(table.find((x) => x.id === created.id)!.name).toBe('Brand New');
  });

  it('--since: the first run reads from that time; later runs from the watermark', async () => {
    const s = await sb({ persons: 300 });
    const since = '2025-12-01T00:00:00Z';
    const p = project(s, { 'f.flow': flow }, 'v2');
    const r = await p.run('f.flow', ['--since', since]);
    expect(r.code, r.stderr).toBe(0);
    const expected = s.data.persons.all().filter((x) => x.update_time >= Date.parse(since));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(300);
    expect(r.summary).toMatchObject({ read: expected.length, written: expected.length });
    expect(requests(s, 'GET', /^\/api\/v2\/persons/)[0].path).toContain('updated_since=2025-12-01T00%3A00%3A00Z');
    expect(rows(join(p.dir, 'out/p.db'), 'p')).toEqual(expected.map((x) => ({ id: x.id, name: x.name })));
    // --since only applies before the first watermark.
    s.log.length = 0;
    const again = await p.run('f.flow', ['--since', '2020-01-01T00:00:00Z']);
    expect(again.summary.written).toBe(0);
    expect(requests(s, 'GET', /^\/api\/v2\/persons/)[0].path).toContain(`updated_since=${encodeURIComponent(r.summary.watermark!.replace(/\.000Z$/, 'Z'))}`);
  });

  it('take N splits a sync into runs of N: nothing lost, nothing twice', async () => {
    const s = await sb({ persons: 130, leads: 0 });
    const p = project(s, {
      'f.flow': `source pipedrive.persons since ~{CreatedDate}~
  -> take 40
  -> map { title: "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`,
    });
    const written: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await p.run('f.flow');
      expect(r.code, r.stderr).toBe(0);
      written.push(r.summary.written);
      expect(r.summary.complete).toBe(i >= 3);
    }
    expect(written).toEqual([40, 40, 40, 10, 0]);
    const perPerson = s.data.leads.all().map((l) => l.person_id as number);
    expect(perPerson.sort((a, b) => a - b)).toEqual(s.data.persons.all().map((x) => x.id));
  });

  it('a record changed twice within the second of the watermark is written again', async () => {
    const s = await sb({ persons: 20 });
    const p = project(s, { 'f.flow': flow });
    s.clock.advance(10_000);
    s.data.persons.update(5, { name: 'First change' });
    expect((await p.run('f.flow')).summary.written).toBe(20);
    // Same second: the update time does not move (v1 times have 1-second resolution).
    s.clock.advance(300);
    s.data.persons.update(5, { name: 'Second change' });
    const r2 = await p.run('f.flow');
    expect(r2.summary).toMatchObject({ written: 1 });
    expect(rows<{ id: number; name: string }>(join(p.dir, 'out/p.db'), 'p').find((x) => x.id === 5)!.name).toBe('Second change');
    const r3 = await p.run('f.flow');
    expect(r3.summary).toMatchObject({ written: 0, skipped: r3.summary.read });
    addsUp(r3.summary);
  });
});

describe('sluice run against the sandbox: rejected records, --dry-run', () => {
  it('a lead whose title is null is rejected and kept (sluice state rejected), exit code 3', async () => {
    const s = await sb({ persons: 30, leads: 0 });
    const p = project(s, {
      'f.flow': `source pipedrive.persons where limit = 9
  -> map { title: if id % 3 == 0 then null else "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`,
    });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(3);
    expect(r.summary).toMatchObject({ status: 'succeeded', written: 6, rejected: 3 });
    expect(s.data.leads.all().map((l) => l.person_id).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 4, 5, 7, 8]);
    // The refused records never reached the API.
    expect(requests(s, 'POST', /leads/)).toHaveLength(6);
    const kept = await p.sluice(['state', 'rejected', '--format', 'json']);
    expect(kept.code, kept.stderr).toBe(0);
    const list = (JSON.parse(kept.stdout) as { rejected: { code: string; reason: string; record: { person_id: number; title: null } }[] }).rejected;
    expect(list.map((x) => x.record.person_id).sort((a, b) => a - b)).toEqual([3, 6, 9]);
    for (const x of list) {
      expect(x.code).toBe('invalid');
      expect(x.reason).toContain('title');
      expect(x.record.title).toBeNull();
    }
  });

  it('--dry-run writes nothing, sends no write and commits no state', async () => {
    const s = await sb({ persons: 30, leads: 0 });
    const p = project(s, {
      'leads.flow': `source pipedrive.persons since ~{CreatedDate}~
  -> map { title: "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`,
      'file.flow': `source pipedrive.persons since ~{CreatedDate}~ -> map { id: id } -> dest file.jsonl with path = "out/d.jsonl"\n`,
    });
    const r = await p.sluice(['run', 'leads.flow', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('would send POST /leads {"title":"Lead: ');
    expect(requests(s, 'POST', /./)).toEqual([]);
    expect(s.data.leads.all()).toEqual([]);
    const f = await p.sluice(['run', 'file.flow', '--dry-run']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain('would write to file.jsonl: {"id":1}');
    expect(existsSync(join(p.dir, 'out'))).toBe(false);
    // No state: either no database at all, or one without runs or watermarks.
    const state = join(p.dir, '.sluice', 'state.db');
    if (existsSync(state)) {
      const db = new Database(state, { readonly: true });
      expect(db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM watermarks').pluck().get()).toBe(0);
      db.close();
    }
    // A real run afterwards still starts from the beginning.
    const real = await p.run('leads.flow');
    expect(real.summary).toMatchObject({ written: 30 });
  });
});
