// `sluice replay` as a real process against the sandbox: refused records sent again through the
// fixed flow, and uncertain writes looked for before they are sent, so that nothing arrives twice.
import { describe, expect, it } from 'vitest';
import { project, sandboxesPerTest, type TestSandbox } from './helpers/sandbox-run.js';

const sb = sandboxesPerTest();

const flow = (title: string) => `source pipedrive.persons since ~{CreatedDate}~
  -> map { title: ${title}, person_id: id }
  -> dest pipedrive.leads
`;

const rejected = async (p: ReturnType<typeof project>) =>
  (JSON.parse((await p.sluice(['state', 'rejected', '--format', 'json'])).stdout) as { rejected: { id: number; code: string; reason: string }[] }).rejected;

describe('sluice replay', () => {
  it('sends refused records again through the fixed flow, and forgets them once accepted', async () => {
    const s = await sb({ persons: 12, leads: 0 });
    const p = project(s, { 'f.flow': flow('if id % 4 == 0 then null else "Lead: " + name') });
    const r = await p.run('f.flow');
    expect(r.code).toBe(3);
    expect(r.summary).toMatchObject({ written: 9, rejected: 3 });
    expect(await rejected(p)).toHaveLength(3);

    // Replaying the same flow refuses them again, with the reason, and keeps them.
    const same = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(same.code, same.stderr).toBe(3);
    expect(JSON.parse(same.stdout)).toMatchObject({ considered: 3, sent: 0, refused: 3 });
    expect(await rejected(p)).toHaveLength(3);

    p.write('f.flow', flow('if id % 4 == 0 then "Lead (no name)" else "Lead: " + name'));
    const dry = await p.sluice(['replay', 'f', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr.match(/would send POST \/leads/g)).toHaveLength(3);
    expect(s.data.leads.all()).toHaveLength(9);

    const fixed = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ considered: 3, sent: 3, refused: 0, kept: 0 });
    expect(await rejected(p)).toEqual([]);
    const leads = s.data.leads.all();
    expect(leads.map((l) => l.person_id).sort((a, b) => Number(a) - Number(b))).toEqual(s.data.persons.all().map((x) => x.id));
    expect(leads.filter((l) => l.title === 'Lead (no name)')).toHaveLength(3);
    // Nothing left: a second replay sends nothing, and the next run neither.
    expect(JSON.parse((await p.sluice(['replay', 'f', '--format', 'json'])).stdout)).toMatchObject({ considered: 0 });
    expect((await p.run('f.flow')).summary).toMatchObject({ written: 0 });
  });

  it('keeps a refused record read in part while the fixed flow reads a field it was read without', async () => {
    const s = await sb({ persons: 8, leads: 0 });
    // The flow reads `id` and `name` of each person: the run keeps only those, and says so with
    // each refused record.
    const p = project(s, { 'f.flow': flow('if id % 4 == 0 then null else "Lead: " + name') });
    expect((await p.run('f.flow')).summary).toMatchObject({ written: 6, rejected: 2 });
    const before = await rejected(p);
    expect(before).toHaveLength(2);

    // A fix that reads `add_time` as well: the kept records have no `add_time`, so they stay.
    p.write('f.flow', flow('"Lead: " + name + " since " + add_time'));
    const wider = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(wider.code, wider.stderr).not.toBe(0);
    const out = JSON.parse(wider.stdout) as { considered: number; sent: number; kept: number; items: { reason: string }[] };
    expect(out).toMatchObject({ considered: 2, sent: 0, kept: 2 });
    for (const item of out.items) expect(item.reason).toMatch(/read with only the fields the flow read then \(.*name.*\), and the flow now also reads add_time/);
    expect(await rejected(p)).toEqual(before);
    expect(s.data.leads.all()).toHaveLength(6);

    // A fix within what was read goes through.
    p.write('f.flow', flow('if id % 4 == 0 then "Lead (no name)" else "Lead: " + name'));
    const fixed = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ considered: 2, sent: 2, kept: 0 });
    expect(s.data.leads.all()).toHaveLength(8);
  });

  it('a record a step refused is replayed from its source record, which a file source read whole', async () => {
    const s = await sb({ persons: 2, leads: 0 });
    const p = project(s, {
      'in.jsonl': '{"id":1,"n":"1","name":"A"}\n{"id":2,"n":"two","name":"B"}\n',
      'f.flow': 'source file.jsonl with path = "in.jsonl"\n  -> map { title: "Lead " + to_string(to_number(n)), person_id: id }\n  -> dest pipedrive.leads\n',
    });
    expect((await p.run('f.flow')).summary).toMatchObject({ written: 1, rejected: 1 });
    // The fix reads `name`, which the map did not read before: the file gave whole records, so the
    // kept one has it.
    p.write('f.flow', 'source file.jsonl with path = "in.jsonl"\n  -> map { title: "Lead " + name, person_id: id }\n  -> dest pipedrive.leads\n');
    const fixed = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ considered: 1, sent: 1, kept: 0 });
    expect(s.data.leads.all().map((l) => l.title).sort()).toEqual(['Lead 1', 'Lead B']);
  });

  // A file source: the sandbox's next requests are then the POSTs themselves.
  const fromFile = (n: number) => ({
    'in.jsonl': Array.from({ length: n }, (_, i) => JSON.stringify({ id: i + 1, name: `P${i + 1}` })).join('\n') + '\n',
    'f.flow': `source file.jsonl with path = "in.jsonl" as { id: integer, name: string }
  -> map { title: "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`,
  });

  it('an uncertain write that arrived is found and not sent again', async () => {
    const s = await sb({ persons: 6, leads: 0 });
    const p = project(s, fromFile(6));
    // The first POST's answer is cut after the sandbox created the lead: it may or may not have
    // arrived, as far as the client can tell, so it is kept as uncertain and not retried.
    s.failNext('reset', 1);
    const r = await p.run('f.flow');
    expect(r.summary).toMatchObject({ written: 5, rejected: 1 });
    const kept = await rejected(p);
    expect(kept.map((k) => k.code)).toEqual(['uncertain']);
    expect(s.data.leads.all()).toHaveLength(6);

    const replay = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ considered: 1, arrived: 1, sent: 0 });
    expect(s.data.leads.all()).toHaveLength(6);
    expect(await rejected(p)).toEqual([]);
  });

  it('an uncertain write that never arrived is sent by replay, exactly once', async () => {
    const s = await sb({ persons: 4, leads: 0 });
    const p = project(s, fromFile(4));
    // A 503 comes before the sandbox touches anything; the client cannot know that of a POST.
    s.failNext(503, 2);
    const r = await p.run('f.flow');
    expect(r.summary).toMatchObject({ written: 2, rejected: 2 });
    expect((await rejected(p)).map((k) => k.code)).toEqual(['uncertain', 'uncertain']);
    expect(s.data.leads.all()).toHaveLength(2);

    const replay = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ considered: 2, arrived: 0, sent: 2 });
    const leads = s.data.leads.all();
    expect(leads.map((l) => l.person_id).sort()).toEqual([1, 2, 3, 4]);
    expect(await rejected(p)).toEqual([]);
  });

  it('an uncertain person is looked for by what it sent (its email) before it is created again', async () => {
    const s = await sb({ persons: 3 });
    const p = project(
      s,
      {
        'in.jsonl': ['Ann', 'Bo'].map((n) => JSON.stringify({ name: n, mail: `${n.toLowerCase()}@x.test` })).join('\n') + '\n',
        'f.flow': `source file.jsonl with path = "in.jsonl" as { name: string, mail: string }
  -> map { name: name, emails: [{ value: mail, primary: true }] }
  -> dest pipedrive.persons.create
`,
      },
      'v2',
    );
    s.failNext('reset', 1);
    const r = await p.run('f.flow');
    expect(r.summary).toMatchObject({ written: 1, rejected: 1 });
    expect(s.data.persons.all()).toHaveLength(5);
    const replay = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ considered: 1, kept: 0 });
    expect(s.data.persons.all()).toHaveLength(5);
    expect(await rejected(p)).toEqual([]);
  });

  it('refuses a flow that ends in tee (its records went to several destinations), changing nothing', async () => {
    const s = await sb({ persons: 8, leads: 0 });
    const teeFlow = (title: string) => `source pipedrive.persons since ~{CreatedDate}~
  -> map { title: ${title}, person_id: id }
  -> tee { dest pipedrive.leads, dest file.jsonl with path = "out/leads.jsonl" }
`;
    const p = project(s, { 'f.flow': teeFlow('if id % 4 == 0 then null else "Lead: " + name') });
    const r = await p.run('f.flow');
    expect(r.code).toBe(3);
    const before = await rejected(p);
    expect(before.length).toBeGreaterThan(0);
    const leads = s.data.leads.all().length;

    p.write('f.flow', teeFlow('"Lead: " + name'));
    const replay = await p.sluice(['replay', 'f', '--format', 'json']);
    expect(replay.code).not.toBe(0);
    expect(replay.stdout + replay.stderr).toContain('SL7031');
    expect(replay.stdout + replay.stderr).not.toMatch(/\n\s+at /);
    expect(s.data.leads.all()).toHaveLength(leads);
    expect(await rejected(p)).toHaveLength(before.length);
  });
});
