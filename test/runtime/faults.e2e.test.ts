// `sluice run` against a sandbox that misbehaves: 5xx answers, connections reset half-way, truncated
// JSON pages, latency, a small rate limit and a 429 storm from another client on the same token.
// Whatever happens, the destination ends with exactly the source's records: none lost, none twice.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

const SQLITE_FLOW = `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name, email: primary(email) }
  -> dest sqlite.table with db = "out/p.db", table = "p", key = "id"
`;

const email = (p: { emails: { value: string; primary: boolean }[] }): string => (p.emails.find((e) => e.primary) ?? p.emails[0])?.value ?? '';

describe('faults', () => {
  it('5xx answers, resets, malformed pages and latency: every person exactly once', async () => {
    const s = await sb({ persons: 4000, plan: 'unlimited' });
    s.setFaults({ failRate: 0.2, resetRate: 0.15, malformedRate: 0.15, latencyMs: 15 });
    // And one of each kind for sure, on the first requests.
    s.failNext(503);
    s.failNext('reset');
    s.failNext('malformed');
    const p = project(s, { 'f.flow': SQLITE_FLOW });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    const st = s.stats();
    // Every kind of fault happened (the sequence is a function of the seed and the request order).
    expect(st.faults.failed).toBeGreaterThan(0);
    expect(st.faults.reset).toBeGreaterThan(0);
    expect(st.faults.malformed).toBeGreaterThan(0);
    const faults = st.faults.failed + st.faults.reset + st.faults.malformed;
    // Every fault on a page the read needed was retried; one on a page asked for past the end (the
    // read window's speculation) is dropped with that page, not retried.
    expect(r.summary.http!.retries).toBeLessThanOrEqual(faults);
    expect(r.summary.http!.retries).toBeGreaterThanOrEqual(3);
    expect(r.summary).toMatchObject({ status: 'succeeded', read: 4000, written: 4000, rejected: 0, pages: 8, complete: true });
    expect(rows(join(p.dir, 'out/p.db'), 'p')).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name, email: email(x) })));

    // Changes under the same faults: the next run brings exactly them.
    s.clock.advance(5_000);
    for (const id of [7, 77, 777, 3777]) s.data.persons.update(id, { name: `Changed ${id}` });
    const r2 = await p.run('f.flow');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.summary.written).toBe(4);
    expect(rows(join(p.dir, 'out/p.db'), 'p')).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name, email: email(x) })));
  });

  it('PATCH writes under 5xx and resets are retried (they are idempotent): every lead updated', async () => {
    const s = await sb({ persons: 30, leads: 40 });
    // GET /v1/leads lists the leads that are not archived.
    const before = s.data.leads
      .all()
      .filter((l) => !l.is_archived)
      .map((l) => ({ id: l.id, title: l.title }));
    s.setFaults({ failRate: 0.2, resetRate: 0.2 });
    const p = project(s, { 'f.flow': 'source pipedrive.leads -> map { id: id, title: "Checked: " + title } -> dest pipedrive.leads.update\n' });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ written: before.length, rejected: 0 });
    expect(s.stats().faults.failed + s.stats().faults.reset).toBeGreaterThan(0);
    // Applied once each: a replayed PATCH sets the same title, it does not prefix it twice.
    for (const l of before) expect(s.data.leads.get(l.id)!.title).toBe(`Checked: ${l.title}`);
  });

  it('a POST that may have been applied is never sent twice: it is kept as uncertain', async () => {
    const s = await sb({ persons: 60, leads: 0 });
    s.setFaults({ failRate: 0.1, resetRate: 0.1 });
    const p = project(s, {
      'f.flow': `source pipedrive.persons since ~{CreatedDate}~
  -> map { title: "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`,
    });
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(3);
    const leads = s.data.leads.all();
    const withLead = leads.map((l) => l.person_id as number);
    // No person has two leads.
    expect(new Set(withLead).size).toBe(withLead.length);
    const kept = JSON.parse((await p.sluice(['state', 'rejected', '--limit', '1000', '--format', 'json'])).stdout) as { rejected: { code: string; record: { person_id: number } }[] };
    const uncertain = kept.rejected.map((x) => x.record.person_id);
    expect(kept.rejected.every((x) => x.code === 'uncertain')).toBe(true);
    expect(uncertain.length).toBe(r.summary.rejected);
    expect(uncertain.length).toBeGreaterThan(0);
    // Every person has a lead, or is kept as uncertain (a reset after the server applied it leaves
    // both: the lead exists, and the record says it must be checked). Nobody is forgotten.
    const all = new Set([...withLead, ...uncertain]);
    expect([...all].sort((a, b) => a - b)).toEqual(s.data.persons.all().map((x) => x.id));
    // Each POST went out once. One answered with a 5xx (before the server acted) made no lead; one
    // whose connection was reset (after the server acted) made one. Both are uncertain to the client.
    expect(s.stats().byPath['POST /api/v1/leads']).toBe(60);
    const postFaults = (kinds: string[]) => s.log.filter((e) => e.method === 'POST' && kinds.includes(e.fault ?? '')).length;
    const post5xx = postFaults(['500', '502', '503']);
    expect(post5xx).toBeGreaterThan(0);
    expect(postFaults(['reset'])).toBeGreaterThan(0);
    expect(leads.length).toBe(60 - post5xx);
    expect(uncertain.length).toBe(post5xx + postFaults(['reset']));
    // Running again sends nothing: the uncertain ones stay kept, not retried.
    s.resetFaults();
    const before = s.stats().byPath['POST /api/v1/leads'];
    const r2 = await p.run('f.flow');
    expect(r2.summary).toMatchObject({ written: 0 });
    expect(s.stats().byPath['POST /api/v1/leads']).toBe(before);
  });

  it('the limiter keeps a long run under a small plan without a single 429', async () => {
    const s = await sb({ persons: 20, leads: 60, plan: 'lite' });
    for (const l of s.data.leads.all().filter((x) => x.is_archived)) s.data.leads.delete(l.id);
    expect(s.data.leads.all().length).toBeGreaterThan(45);
    const p = project(s, { 'f.flow': 'source pipedrive.leads -> map { id: id, was_seen: true } -> dest pipedrive.leads.update\n' });
    const n = s.data.leads.all().length;
    const r = await p.run('f.flow');
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary.written).toBe(n);
    const st = s.stats();
    expect(st.requests).toBe(n + 1); // one page and the writes: more than twice the burst of 20
    expect(st.rateLimited).toBe(0);
    expect(r.summary.http!.status429).toBe(0);
    expect(r.summary.http!.rateLimitWaits).toBeGreaterThan(0);
    expect(s.data.leads.all().every((l) => l.was_seen)).toBe(true);
  });

  it('a 429 storm from another client on the same token: the run still completes, exactly', async () => {
    const s = await sb({ persons: 9000, plan: 'lite' });
    const p = project(s, { 'f.flow': SQLITE_FLOW });
    // Another program on the same token that fires more requests at once than the plan allows,
    // every 2.5 s, and ignores the 429s it gets. Sluice must share what is left of the window.
    let stop = false;
    let burst = 0;
    const hammer = (async () => {
      while (!stop) {
        burst++;
        await Promise.all(
          Array.from({ length: 25 }, async () => {
            const res = await fetch(`${s.url}/api/v1/users/me`, { headers: { 'x-api-token': s.token } });
            await res.arrayBuffer();
          }),
        );
        await sleep(2500);
      }
    })();
    try {
      const r = await p.run('f.flow');
      expect(r.code, r.stderr).toBe(0);
      expect(r.summary).toMatchObject({ status: 'succeeded', read: 9000, written: 9000, pages: 18 });
      expect(rows(join(p.dir, 'out/p.db'), 'p')).toEqual(s.data.persons.all().map((x) => ({ id: x.id, name: x.name, email: email(x) })));
      // The storm was real: every burst had 429s, and the run lived through several bursts.
      expect(burst).toBeGreaterThan(1);
      expect(s.stats().rateLimited).toBeGreaterThanOrEqual(5 * burst - 5);
    } finally {
      stop = true;
      await hammer;
    }
  }, 60_000);
});
