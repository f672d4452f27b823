// Two agents in queue mode: one schedules at a time, and the other takes over when it dies. A
// worker told SIGTERM finishes the run it has, then exits 0.
import { describe, expect, it } from 'vitest';
import { pgAvailable } from '../helpers/postgres.js';
import { redisAvailable } from '../helpers/redis.js';
import { sandboxesPerTest } from '../runtime/helpers/sandbox-run.js';
import { cluster, until, type Cluster, type Proc } from './helpers.js';

const sb = sandboxesPerTest();
const urlOf = (p: Proc) => /agent listening on (\S+)/.exec(p.stdout)![1];
const leads = async (c: Cluster, p: Proc) => ((await (await fetch(`${urlOf(p)}/api/status`, { headers: { authorization: `Bearer ${c.token()}` } })).json()) as { leader: boolean }).leader;

describe.skipIf(!redisAvailable || !pgAvailable)('queue mode agents and workers', () => {
  it('one of two agents leads; when it is killed the other leads', async () => {
    const s = await sb({ persons: 1 });
    const c = await cluster(s);
    try {
      const a = await c.agent();
      const b = await c.agent();
      await until(async () => (await leads(c, a)) !== (await leads(c, b)), 15_000, 'one leader');
      const [leader, other] = (await leads(c, a)) ? [a, b] : [b, a];
      leader.child.kill('SIGKILL');
      await until(() => leads(c, other), 20_000, 'the other agent to lead');
      // The panel says so too.
      expect(await (await fetch(`${urlOf(other)}/api/panel`, { headers: { authorization: `Bearer ${c.token()}` } })).text()).toContain('<b>the leader</b>');
    } finally {
      await c.close();
    }
  }, 60_000);

  it('SIGTERM drains a worker: the run in progress finishes, then the worker exits 0', async () => {
    const s = await sb({ persons: 60, leads: 0, plan: 'lite' });
    s.setFaults({ latencyMs: 30 });
    const c = await cluster(s);
    try {
      await c.agent();
      const w = await c.worker(1);
      await c.deploy(`flow slow {
  source pipedrive.persons since ~{CreatedDate}~
    -> map { title: "Lead for " + to_string(id), person_id: id }
    -> dest pipedrive.leads
}
`, 'slow.flow');
      await c.post('/api/deployments/slow/trigger');
      await until(() => s.data.leads.all().length > 5, 30_000, 'the run to be under way');
      w.child.kill('SIGTERM');
      expect(await w.exited).toEqual({ code: 0, signal: null });
      expect(w.stderr).toMatch(/SIGTERM: finishing the runs in progress/);
      const runs = await c.sql<{ status: string; written_count: number }>('SELECT status, written_count FROM runs');
      expect(runs).toEqual([{ status: 'succeeded', written_count: 60 }]);
      expect(s.data.leads.all()).toHaveLength(60);
    } finally {
      await c.close();
    }
  }, 90_000);
});
