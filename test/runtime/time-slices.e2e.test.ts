// v2 cursor reads in parallel time slices: every record once, oldest first as from one stream, the
// watermark as from a sequential read; a small incremental read is not sliced.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { project, rows, sandboxesPerTest } from './helpers/sandbox-run.js';

const sb = sandboxesPerTest();
const FLOW = `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name, updated: update_time }
  -> dest sqlite.table with db = "out/p.db", table = "p", key = "id"
`;

describe('time slices', () => {
  it('reads 3,000 persons in slices: each once, in update order, then only the changes', async () => {
    const s = await sb({ persons: 3000, plan: 'premium' });
    s.setFaults({ latencyMs: 30 });
    const p = project(s, { 'f.flow': FLOW }, 'v2');
    const r = await p.run('f.flow', [], { SLUICE_PIPEDRIVE_PLAN: 'premium' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Slices were read: bounded requests beside the first stream.
    const sliced = s.log.filter((e) => e.path.startsWith('/api/v2/persons?') && e.path.includes('updated_until='));
    expect(sliced.length).toBeGreaterThan(0);
    expect(r.summary).toMatchObject({ read: 3000, written: 3000, skipped: 0, complete: true });
    const table = rows<{ id: number; name: string; updated: string }>(join(p.dir, 'out/p.db'), 'p');
    expect(table.map((x) => ({ id: x.id, name: x.name }))).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name })));
    // The watermark is the newest update time, as after a sequential read.
    const newest = Math.max(...s.data.persons.all().map((x) => new Date(x.update_time as unknown as string | number).getTime()));
    expect(Math.floor(Date.parse(r.summary.watermark!) / 1000)).toBe(Math.floor(newest / 1000));

    // A few changes: the next run reads one short page, unsliced, and writes exactly them.
    s.clock.advance(60_000);
    for (const id of [5, 500, 2999]) s.data.persons.update(id, { name: `Changed ${id}` });
    const before = s.log.length;
    const r2 = await p.run('f.flow', [], { SLUICE_PIPEDRIVE_PLAN: 'premium' });
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    expect(r2.summary).toMatchObject({ written: 3 });
    expect(s.log.slice(before).filter((e) => e.path.startsWith('/api/v2/persons'))).toHaveLength(1);
    expect(rows<{ id: number; name: string }>(join(p.dir, 'out/p.db'), 'p', 'id, name')).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name })));
  });

  it('records in the order a single stream gives them (oldest first)', async () => {
    const s = await sb({ persons: 2500, plan: 'premium' });
    const p = project(s, { 'f.flow': 'source pipedrive.persons since ~{CreatedDate}~ -> map { id: id, t: update_time } -> dest file.jsonl with path = "out.jsonl"\n' }, 'v2');
    const r = await p.run('f.flow', [], { SLUICE_PIPEDRIVE_PLAN: 'premium' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { readFileSync } = await import('node:fs');
    const out = readFileSync(join(p.dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; t: string });
    expect(out).toHaveLength(2500);
    expect(new Set(out.map((x) => x.id)).size).toBe(2500);
    const times = out.map((x) => Date.parse(x.t));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  });

  it('reads a whole read in slices when one stream is too slow for the plan, and as one stream when it is not', async () => {
    const flow = { 'w.flow': 'source pipedrive.persons -> map { id: id, t: update_time } -> dest file.jsonl with path = "w.jsonl"\n' };
    const { readFileSync } = await import('node:fs');
    const read = (dir: string) => readFileSync(join(dir, 'w.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; t: string });
    const bounded = (s: { log: { path: string }[] }) => s.log.filter((e) => e.path.startsWith('/api/v2/persons?') && e.path.includes('updated_until=')).length;

    // Fast answers on a small plan (10 requests a second): one stream keeps up with its rate.
    const lite = await sb({ persons: 3000, plan: 'lite' });
    // The run decides from the latency it sees, and the sandbox's first answers are its slowest (its
    // code cold, its pages not yet serialised): on a loaded machine they alone could pass for a slow
    // server. Asked once beforehand, the two pages the run starts with come as fast as they would.
    for (const direction of ['asc', 'desc']) {
      const res = await fetch(`${lite.url}/api/v2/persons?sort_by=update_time&sort_direction=${direction}&limit=500`, { headers: { 'x-api-token': lite.token } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const p1 = project(lite, flow, 'v2');
    const fast = await p1.run('w.flow', [], { SLUICE_PIPEDRIVE_PLAN: 'lite' });
    expect(fast.code, fast.stdout + fast.stderr).toBe(0);
    expect(bounded(lite)).toBe(0);
    // Oldest first either way: the first page and the newest page are asked at once.
    const one = read(p1.dir);
    expect(one.map((x) => x.id).sort((a, b) => a - b)).toEqual(lite.data.persons.all().map((x) => x.id).sort((a, b) => a - b));
    for (let i = 1; i < one.length; i++) expect(Date.parse(one[i].t)).toBeGreaterThanOrEqual(Date.parse(one[i - 1].t));

    // 200 ms an answer at premium (50 requests a second): one stream would use a tenth of the rate.
    const premium = await sb({ persons: 3000, plan: 'premium' });
    premium.setFaults({ latencyMs: 200 });
    const p2 = project(premium, flow, 'v2');
    const slow = await p2.run('w.flow', [], { SLUICE_PIPEDRIVE_PLAN: 'premium' });
    expect(slow.code, slow.stdout + slow.stderr).toBe(0);
    expect(bounded(premium)).toBeGreaterThan(0);
    const out = read(p2.dir);
    expect(out.map((x) => x.id).sort((a, b) => a - b)).toEqual(premium.data.persons.all().map((x) => x.id).sort((a, b) => a - b));
    // Sliced, it is read again oldest first, as a since read from the beginning.
    const times = out.map((x) => Date.parse(x.t));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  });
});
