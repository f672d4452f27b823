// Queue mode end to end, as real processes on real Redis and PostgreSQL: an agent that schedules,
// workers that run, one sandbox token at the lite plan (20 requests per rolling 2 s).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgAvailable } from '../helpers/postgres.js';
import { redisAvailable } from '../helpers/redis.js';
import { rows, sandboxesPerTest, seeded } from '../runtime/helpers/sandbox-run.js';
import { cluster, sleep, until } from './helpers.js';

const sb = sandboxesPerTest();
const FLOWS = 20;

const copyFlow = (i: number) => `flow copy${i} {
  schedule every 3s
  source pipedrive.persons since ~{CreatedDate}~
    -> map { id: id, name: name }
    -> dest sqlite.table with db = "out/copy${i}.db", table = "p", key = "id"
}
`;

describe.skipIf(!redisAvailable || !pgAvailable)('queue mode', () => {
  it(`2 workers and a scheduler: ${FLOWS} flows on one token at lite for 60 s; every run succeeds, no 429, each destination equals its source`, async () => {
    const s = await sb({ persons: 200, deals: 0, leads: 0, activities: 0, notes: 0, organizations: 0, plan: 'lite', clock: 'ticking' });
    const c = await cluster(s);
    try {
      await c.agent();
      await c.worker(4);
      await c.worker(4);
      for (let i = 0; i < FLOWS; i++) await c.deploy(copyFlow(i), `copy${i}.flow`);
      // The sources move on while the flows run: a person added and one renamed every second.
      const random = seeded(16);
      const started = Date.now();
      let n = 0;
      while (Date.now() - started < 50_000) {
        await sleep(1000);
        s.data.persons.create({ name: `Added ${++n}` });
        s.data.persons.update(1 + Math.floor(random() * 200), { name: `Renamed ${n}` });
      }
      // Every flow gets two more due times after the last change, then nothing is scheduled.
      await sleep(10_000);
      for (let i = 0; i < FLOWS; i++) await c.post(`/api/deployments/copy${i}/undeploy`);
      await until(async () => {
        const st = await c.status();
        return st.queue.active === 0 && st.queue.waiting === 0;
      }, 60_000, 'the queue to empty');
      const status = await c.status();
      expect(status.workers).toHaveLength(2);
      expect(status.queue.failed).toBe(0);

      const runs = await c.sql<{ status: string; n: number }>(`SELECT status, COUNT(*)::int AS n FROM runs GROUP BY status`);
      expect(runs.filter((r) => r.status !== 'succeeded')).toEqual([]);
      const perFlow = await c.sql<{ key: string; n: number }>(`SELECT f.key, COUNT(*)::int AS n FROM runs r JOIN flows f ON f.id = r.flow_id GROUP BY f.key`);
      expect(perFlow).toHaveLength(FLOWS);
      // Each flow ran on its schedule through the minute, not once.
      for (const f of perFlow) expect(f.n).toBeGreaterThan(5);
      expect(s.stats().rateLimited).toBe(0);
      const source = s.data.persons.all().map((p) => ({ id: p.id, name: p.name }));
      for (let i = 0; i < FLOWS; i++) expect(rows(join(c.dir, `out/copy${i}.db`), 'p', 'id, name'), `copy${i}`).toEqual(source);
    } finally {
      await c.close();
    }
  }, 240_000);

  it('SIGKILL of the worker running a flow, 5 times at random points: taken over, no lead POSTed twice, none lost, the watermark only moves forward', async () => {
    const s = await sb({ persons: 200, leads: 0, deals: 0, activities: 0, notes: 0, organizations: 0, plan: 'lite', seed: 21 });
    s.setFaults({ latencyMs: 30 });
    const c = await cluster(s);
    const random = seeded(20261204);
    const marks: string[] = [];
    let sampling = true;
    const sample = async () => {
      const w = await c.sql<{ value: string }>('SELECT value FROM watermarks').catch(() => []);
      if (w[0] && marks[marks.length - 1] !== w[0].value) marks.push(w[0].value);
    };
    // Samples until stopped, then once more: the run's last commit may land after the previous
    // sample and before the test stops sampling.
    const sampler = (async () => {
      while (sampling) {
        await sample();
        await sleep(100);
      }
      await sample();
    })();
    try {
      await c.agent();
      const workers = [await c.worker(1), await c.worker(1)];
      await c.deploy(`flow leads {
  source pipedrive.persons since ~{CreatedDate}~
    -> map { title: "Lead for " + to_string(id), person_id: id }
    -> dest pipedrive.leads
}
`, 'leads.flow');
      await c.post('/api/deployments/leads/trigger');
      let kills = 0;
      while (kills < 5) {
        // The worker running it, once its run has sent something more since the last kill.
        const before = s.data.leads.all().length;
        let victim: number | undefined;
        await until(async () => {
          const st = await c.status();
          const live = new Set(workers.map((w) => w.child.pid));
          victim = st.workers.find((w) => live.has(w.pid) && w.running.some((r) => r.deployment === 'leads'))?.pid;
          return victim !== undefined && s.data.leads.all().length > before;
        }, 60_000, 'a worker to run the flow');
        await sleep(200 + Math.floor(random() * 2500));
        const w = workers.find((p) => p.child.pid === victim)!;
        w.child.kill('SIGKILL');
        await w.exited;
        kills++;
        workers.splice(workers.indexOf(w), 1, await c.worker(1));
      }
      await until(async () => (await c.sql<{ n: number }>(`SELECT COUNT(*)::int AS n FROM runs WHERE status = 'succeeded'`))[0].n === 1, 120_000, 'the run to finish');
      sampling = false;
      await sampler;

      const runs = await c.sql<{ status: string }>('SELECT status FROM runs ORDER BY id');
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'interrupted', 'interrupted', 'interrupted', 'interrupted', 'succeeded']);
      const leads = s.data.leads.all().map((l) => l.person_id as number);
      // No POST twice: no person has two leads.
      expect(new Set(leads).size).toBe(leads.length);
      // None lost: every person has its lead, or is kept as uncertain (its POST was in flight at a kill).
      const uncertain = (await c.sql<{ source_record: string }>(`SELECT source_record FROM rejected WHERE code = 'uncertain'`)).map((r) => (JSON.parse(r.source_record) as { id: number }).id);
      expect([...new Set([...leads, ...uncertain])].sort((a, b) => a - b)).toEqual(s.data.persons.all().map((p) => p.id));
      // The watermark was seen to move, and never back.
      expect(marks.length).toBeGreaterThan(1);
      expect([...marks].sort()).toEqual(marks);
    } finally {
      sampling = false;
      await sampler;
      await c.close();
    }
  }, 300_000);
});
