// Webhook sources in queue mode, as real processes on real Redis and PostgreSQL: the sandbox sends
// webhooks to the queue agent's listener, which keeps each event in PostgreSQL before answering;
// workers run the flow on the events in order, each once (a second copy is recognised), and a run
// that fails is retried by the queue until the destination takes the events.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice } from '../helpers/cli.js';
import { freePort } from '../helpers/json-server.js';
import { pgAvailable } from '../helpers/postgres.js';
import { redisAvailable } from '../helpers/redis.js';
import { sandboxesPerTest } from '../runtime/helpers/sandbox-run.js';
import { cluster, sleep, until } from './helpers.js';

const sb = sandboxesPerTest();

const flow = `flow new_persons {
  source pipedrive.events where event = "added.person"
    -> map { id: data.id, name: data.name, event: meta.id }
    -> dest file.jsonl with path = "out/new.jsonl", append = true
}
`;


describe.skipIf(!redisAvailable || !pgAvailable)('webhook sources in queue mode', () => {
  it('sandbox -> queue agent -> workers -> destination: each event once and in order, a second copy answered as a duplicate, a failed run retried', async () => {
    const s = await sb({ persons: 0, deals: 0, leads: 0, activities: 0, notes: 0, organizations: 0, plan: 'unlimited', clock: 'ticking', webhooks: { retryDelaysMs: [500, 1000, 2000, 4000] } });
    const c = await cluster(s);
    const cli = (...args: string[]) => runSluice(args, { cwd: c.dir, env: c.env, timeoutMs: 60_000 });
    const out = join(c.dir, 'out', 'new.jsonl');
    const written = (): { id: number; name: string; event: string }[] => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    const createPerson = async (name: string): Promise<number> => {
      const res = await fetch(`${s.url}/api/v2/persons`, { method: 'POST', headers: { 'x-api-token': s.token, 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { id: number } }).data.id;
    };
    try {
      const port = await freePort();
      await c.agent(['--webhook-port', String(port), '--reconcile-every', '3600']);
      await c.worker(2);
      await c.worker(2);
      mkdirSync(join(c.dir, 'out'), { recursive: true });
      writeFileSync(join(c.dir, 'hooks.flow'), flow);
      const dep = await cli('deploy', 'hooks.flow');
      expect(dep.code, dep.stderr).toBe(0);
      const hooks = s.webhooks.list();
      expect(hooks).toHaveLength(1);
      expect(hooks[0]).toMatchObject({ subscription_url: `http://127.0.0.1:${port}/webhooks/new_persons`, event_action: 'create', event_object: 'person' });
      const password = hooks[0].http_auth_password!;

      const names = ['Ada', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances'];
      const ids: number[] = [];
      for (const n of names) ids.push(await createPerson(n));
      await until(() => written().length === names.length, 30_000, 'six events written');
      expect(written().map((r) => [r.id, r.name])).toEqual(ids.map((id, i) => [id, names[i]]));
      // Kept in PostgreSQL, each done once.
      const kept = await c.sql<{ n: string }>('SELECT count(*) AS n FROM webhook_events');
      expect(Number(kept[0].n)).toBe(names.length);

      // The same event delivered again: acknowledged as a duplicate, not run again.
      const again = await fetch(`http://127.0.0.1:${port}/webhooks/new_persons`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`sluice:${password}`).toString('base64')}` },
        body: JSON.stringify({ meta: { id: written()[0].event, action: 'create', entity: 'person', entity_id: String(ids[0]), timestamp: new Date().toISOString(), version: '2.0' }, data: { id: ids[0], name: 'Ada' }, previous: null }),
      });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ ok: true, duplicate: true });
      await sleep(1500);
      expect(written()).toHaveLength(names.length);

      // The destination cannot be written (a folder where the file should be): the run fails, the
      // queue tries it again with a growing wait; once the file can be written, the events arrive.
      rmSync(out);
      mkdirSync(out);
      await createPerson('Late');
      await until(async () => (await c.sql<{ n: string }>("SELECT count(*) AS n FROM runs WHERE status = 'failed'"))[0].n !== '0', 20_000, 'a failed run');
      rmSync(out, { recursive: true });
      await until(() => written().some((r) => r.name === 'Late'), 30_000, 'the retried run');
      expect(written().map((r) => r.name)).toEqual(['Late']);

      const listed = JSON.parse((await cli('deployments', '--format', 'json')).stdout) as { deployments: { webhook: { events: { pending: number; done: number } } }[] };
      expect(listed.deployments[0].webhook.events).toMatchObject({ pending: 0, done: names.length + 1 });

      const un = await cli('undeploy', 'new_persons');
      expect(un.code, un.stderr).toBe(0);
      expect(s.webhooks.list()).toEqual([]);
    } finally {
      await c.close();
    }
  }, 120_000);
});
