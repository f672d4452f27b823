// `sluice run` against the sandbox with a small daily budget: the run warns past 75 %, stops cleanly
// before 100 % with what it wrote kept, and `sluice runs` shows the day's spend.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project, rows, sandbox, type TestSandbox } from './helpers/sandbox-run.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startPersons();
});
afterAll(() => sb.close());

async function startPersons(): Promise<TestSandbox> {
  return sandbox({ persons: 1200, deals: 0, leads: 0, activities: 0, notes: 0, plan: 'unlimited' });
}

const FLOW = `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name }
  -> dest sqlite.table with db = "out/p.db", table = "p", key = "id"
`;

describe('the daily budget, counted by Sluice', () => {
  it('warns past 75 %, stops before 100 % keeping what was written, and `runs` shows the spend', async () => {
    // v2 lists cost 10 tokens a page of 500: two pages fit in 25, the third would pass it.
    const p = project(sb, { 'p.flow': FLOW }, 'v2');
    const budget = { SLUICE_PIPEDRIVE_DAILY_BUDGET: '25', SLUICE_PIPEDRIVE_PLAN: 'lite' };
    const r = await p.run('p.flow', [], budget);
    expect(r.summary.status).toBe('failed');
    expect(r.summary.error?.code).toBe('SL6509');
    expect(r.summary.error?.message).toMatch(/stopped before the daily API budget of 127\.0\.0\.1:\d+ runs out: 20 of 25 tokens spent today \(UTC, counted by Sluice\), and this request needs 10/);
    expect(r.summary.written).toBe(1000);
    expect(rows(join(p.dir, 'out/p.db'), 'p')).toHaveLength(1000);
    expect((r.summary as unknown as { warnings: string[] }).warnings).toEqual([expect.stringMatching(/is 80 % used \(20 of 25 tokens today/)]);
    expect(r.summary.http).toMatchObject({ tokens: 20, budget: [{ spent: 20, limit: 25, percent: 80 }] });
    // Nothing more is sent today: the next run stops at its first request.
    const before = sb.log.length;
    const again = await p.run('p.flow', [], budget);
    expect(again.summary.error?.code).toBe('SL6509');
    expect(sb.log.length).toBe(before);

    const runs = await p.sluice(['runs', '--format', 'json'], budget);
    expect(JSON.parse(runs.stdout).budget).toEqual([{ company: expect.stringMatching(/^127\.0\.0\.1:\d+$/), day: expect.any(String), spent: 20, limit: 25, percent: 80 }]);
    const text = await p.sluice(['runs'], budget);
    expect(text.stdout).toMatch(/Daily API budget today \(UTC, counted by Sluice\): 127\.0\.0\.1:\d+ 20 of 25 tokens \(80 %\)/);
  });
});
