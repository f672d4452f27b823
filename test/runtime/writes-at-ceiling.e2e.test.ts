// Writes against a slow server at plan premium: as many in flight as rate x latency needs (more than
// a fixed handful), never a 429, each record written once.
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { project } from './helpers/sandbox-run.js';

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('writes at the plan ceiling', () => {
  it('POSTs 150 leads at latency 150 ms: several in flight, no 429, one lead per record', async () => {
    // When each answer ended, and how long it took: the intervals requests were in flight.
    const spans: { start: number; end: number }[] = [];
    const s = await startSandbox({
      seed: 3,
      persons: 150,
      leads: 0,
      plan: 'premium',
      onRequest: (e) => {
        if (e.method === 'POST') spans.push({ start: performance.now() - e.ms, end: performance.now() });
      },
    });
    open.push(s);
    s.setFaults({ latencyMs: 150 });
    const lines = s.data.persons.all().map((p) => JSON.stringify({ id: p.id }));
    const p = project(s, {
      'in.jsonl': `${lines.join('\n')}\n`,
      'f.flow': `source file.jsonl with path = "in.jsonl" as { id: integer }
  -> map { title: "Lead " + to_string(id), person_id: id }
  -> dest pipedrive.leads
`,
    });
    const r = await p.run('f.flow', [], { SLUICE_PIPEDRIVE_PLAN: 'premium' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ written: 150, rejected: 0 });
    expect(s.stats().rateLimited).toBe(0);
    expect(r.summary.http?.status429).toBe(0);
    expect(s.data.leads.all().map((l) => l.person_id).sort((a, b) => Number(a) - Number(b))).toEqual(s.data.persons.all().map((x) => x.id));
    // The most POSTs in flight at one moment: above the 4 a fixed pool allowed, within the burst.
    let most = 0;
    for (const a of spans) most = Math.max(most, spans.filter((b) => b.start <= a.start && a.start < b.end).length);
    expect(most).toBeGreaterThan(4);
    expect(most).toBeLessThanOrEqual(100);
  });
});
