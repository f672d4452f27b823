// The CLI against a queue-mode agent, as real processes on real Redis and PostgreSQL: deploy,
// deployments, trigger [--wait], pause, resume, undeploy, runs --state, agent status|panel|stop find
// it through $SLUICE_HOME/agent.json, as they find the in-process agent.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice, spawnSluice } from '../helpers/cli.js';
import { pgAvailable } from '../helpers/postgres.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { sandboxesPerTest } from '../runtime/helpers/sandbox-run.js';
import { cluster, sleep, until } from './helpers.js';

const sb = sandboxesPerTest();

const copyFlow = `flow copy {
  source pipedrive.persons since ~{CreatedDate}~
    -> map { id: id, name: name }
    -> dest sqlite.table with db = "out/copy.db", table = "p", key = "id"
}
`;

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

describe.skipIf(!redisAvailable || !pgAvailable)('the CLI and a queue-mode agent', () => {
  it('deploy, a second trigger refused while the first waits for a worker, trigger --wait, pause, resume, undeploy, status, panel, stop', async () => {
    const s = await sb({ persons: 120, deals: 0, leads: 0, activities: 0, notes: 0, organizations: 0, plan: 'premium' });
    const c = await cluster(s);
    const cli = (...args: string[]) => runSluice(args, { cwd: c.dir, env: c.env, timeoutMs: 60_000 });
    try {
      const agent = await c.agent();
      mkdirSync(join(c.dir, 'out'), { recursive: true });
      writeFileSync(join(c.dir, 'copy.flow'), copyFlow);

      const deployed = await cli('deploy', 'copy.flow', '--format', 'json');
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(json(deployed.stdout).deployed).toMatchObject([{ name: 'copy', version: 1, schedule: null, enabled: true, running: null }]);

      // No worker yet: the run waits on the queue, and a second trigger is refused meanwhile.
      const first = await cli('trigger', 'copy', '--format', 'json');
      expect(first.code, first.stderr).toBe(0);
      const second = await cli('trigger', 'copy');
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/SL8020: `copy` is running or waiting for a worker/);
      const listed = json((await cli('deployments', '--format', 'json')).stdout).deployments as { name: string; running: unknown }[];
      expect(listed[0].running).toMatchObject({ version: 1, trigger: 'manual' });
      expect((await cli('agent', 'status')).stdout).toMatch(/queue: 1 waiting, 0 active[\s\S]*workers: none/);

      await c.worker(2);
      await until(async () => json((await cli('deployments', '--format', 'json')).stdout).deployments[0].running === null, 30_000, 'the run to end');
      const status = await cli('agent', 'status', '--format', 'json');
      expect(status.code, status.stderr).toBe(0);
      expect(json(status.stdout)).toMatchObject({ ok: true, running: true, mode: 'queue', leader: true, deployments: [{ name: 'copy', last_run: { status: 'succeeded', read: 120, written: 120 } }] });
      expect(json(status.stdout).workers).toHaveLength(1);
      const text = await cli('agent', 'status');
      expect(text.stdout).toMatch(/agent running in queue mode at http:\/\/127\.0\.0\.1:\d+ .*leader/);
      expect(text.stdout).toMatch(/workers: \S+ \(0\/2 busy\)/);

      // trigger --wait: the run on a worker, from the flow's watermark; its counts and exit code.
      for (const name of ['Ada', 'Grace', 'Edsger']) s.data.persons.create({ name });
      const waited = await cli('trigger', 'copy', '--wait', '--format', 'json');
      expect(waited.code, waited.stderr).toBe(0);
      expect(json(waited.stdout).run).toMatchObject({ deployment: 'copy', version: 1, status: 'succeeded', written: 3, rejected: 0, error: null });

      const runs = await cli('runs', '--state', c.state, '--format', 'json');
      expect(runs.code, runs.stderr).toBe(0);
      expect((json(runs.stdout).runs as { status: string; trigger: string }[]).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      // The API's runs of one deployment: a name no deployment can have is refused, as by the in-process agent.
      const { url, token } = json(readFileSync(join(c.dir, '.sluice', 'agent.json'), 'utf8'));
      const runsOf = (name: string) => fetch(`${url}/api/runs?deployment=${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${token}` } });
      const badName = await runsOf('no such name');
      expect(badName.status).toBe(400);
      expect(((await badName.json()) as { error: { code: string } }).error.code).toBe('SL8012');
      expect(await (await runsOf('never_deployed')).json()).toEqual({ runs: [] });
      expect(((await (await runsOf('copy')).json()) as { runs: unknown[] }).runs).toHaveLength(2);

      const paused = await cli('pause', 'copy', '--format', 'json');
      expect(paused.code, paused.stderr).toBe(0);
      expect(json(paused.stdout).deployment).toMatchObject({ name: 'copy', paused: true });
      expect((await cli('deployments')).stdout).toMatch(/copy\s+v1\s+on demand\s+paused/);
      const resumed = await cli('resume', 'copy', '--format', 'json');
      expect(json(resumed.stdout).deployment).toMatchObject({ name: 'copy', paused: false });

      const panel = await cli('agent', 'panel');
      expect(panel.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=\S+\n$/);

      const undeployed = await cli('undeploy', 'copy', '--format', 'json');
      expect(undeployed.code, undeployed.stderr).toBe(0);
      expect(json(undeployed.stdout).undeployed).toEqual({ name: 'copy', version: 1, running: false });
      expect(json((await cli('deployments', '--format', 'json')).stdout).deployments).toEqual([]);
      expect(json((await cli('deployments', '--all', '--format', 'json')).stdout).deployments).toMatchObject([{ name: 'copy', enabled: false }]);
      const gone = await cli('trigger', 'copy');
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/SL8014: nothing is deployed as `copy`/);

      const stopped = await cli('agent', 'stop', '--format', 'json');
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(json(stopped.stdout)).toMatchObject({ ok: true, stopped: true });
      expect(await agent.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(join(c.dir, '.sluice', 'agent.json'))).toBe(false);
      const after = await cli('agent', 'status', '--format', 'json');
      expect(after.code).toBe(1);
      expect(json(after.stdout)).toMatchObject({ ok: false, running: false, error: { code: 'SL8001' } });
    } finally {
      await c.close();
    }
  }, 120_000);

  it('refuses what a queue agent cannot do, with the cause and the fix', async () => {
    const s = await sb({ persons: 1 });
    const c = await cluster(s);
    const cli = (...args: string[]) => runSluice(args, { cwd: c.dir, env: c.env, timeoutMs: 60_000 });
    try {
      const stopTimeout = await cli('agent', 'start', '--queue', REDIS_URL, '--state', c.state, '--stop-timeout', '5');
      expect(stopTimeout.code).toBe(2);
      expect(stopTimeout.stderr).toMatch(/--stop-timeout does not work with --queue[\s\S]*give --stop-timeout to `sluice worker`/);

      await c.agent();
      // Nor the other way round: an agent that would run the deployments itself is refused beside a queue agent.
      const beside = await cli('agent', 'start');
      expect(beside.code).toBe(1);
      expect(beside.stderr).toMatch(/SL8002: an agent is already running for .*: pid \d+ at http:\/\/127\.0\.0\.1:\d+/);
      // An agent that runs flows itself holds this SLUICE_HOME: a queue agent is refused, not started beside it.
      await cli('agent', 'stop');
      const inProcess = spawnSluice(['agent', 'start'], { cwd: c.dir, env: c.env });
      await new Promise<void>((resolve) => inProcess.stdout!.on('data', (d: Buffer) => /agent listening/.test(d.toString()) && resolve()));
      try {
        const refused = await cli('agent', 'start', '--queue', REDIS_URL, '--state', c.state);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/SL8002: an agent that runs flows itself is already running for .*: pid \d+/);
        expect(refused.stderr).toMatch(/sluice agent stop/);
      } finally {
        inProcess.kill('SIGTERM');
        await new Promise((r) => inProcess.on('exit', r));
      }
    } finally {
      await c.close();
    }
  }, 90_000);

  it('the agent that takes over the lead takes over agent.json: the CLI reaches it after the leader is killed', async () => {
    const s = await sb({ persons: 1 });
    const c = await cluster(s);
    const cli = (...args: string[]) => runSluice(args, { cwd: c.dir, env: c.env, timeoutMs: 60_000 });
    try {
      const agents = [await c.agent(), await c.agent()];
      const status = async () => {
        const r = await cli('agent', 'status', '--format', 'json');
        return r.code === 0 ? json(r.stdout) : null;
      };
      await until(async () => (await status())?.leader === true, 15_000, 'the agent in agent.json to lead');
      const leader = agents.find((a) => a.child.pid === json(readFileSync(join(c.dir, '.sluice', 'agent.json'), 'utf8')).pid)!;
      const other = agents.find((a) => a !== leader)!;
      leader.child.kill('SIGKILL');
      await leader.exited;
      await until(async () => (await status())?.pid === other.child.pid, 30_000, 'the other agent to take agent.json over');
      expect(await status()).toMatchObject({ mode: 'queue', leader: true, pid: other.child.pid });
    } finally {
      await c.close();
    }
  }, 90_000);

  it('deploy --notify-url: the worker sends one message when the deployment starts failing and one when it recovers', async () => {
    const s = await sb({ persons: 5, deals: 0, leads: 0, activities: 0, notes: 0, organizations: 0 });
    const c = await cluster(s);
    const cli = (...args: string[]) => runSluice(args, { cwd: c.dir, env: c.env, timeoutMs: 60_000 });
    const messages: { event: string; deployment: string; run: { status: string }; error: { code: string | null } | null }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        messages.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      await c.agent();
      await c.worker(1);
      writeFileSync(join(c.dir, 'copy.flow'), copyFlow);
      // The destination cannot be opened (a folder where the database should be): the run fails.
      mkdirSync(join(c.dir, 'out', 'copy.db'), { recursive: true });
      expect((await cli('deploy', 'copy.flow', '--notify-url', hook)).code).toBe(0);
      const failed = await cli('trigger', 'copy', '--wait', '--format', 'json');
      expect(failed.code).toBe(1);
      expect(json(failed.stdout).run).toMatchObject({ status: 'failed' });
      await until(() => messages.length === 1, 15_000, 'the failing message');
      expect((await cli('trigger', 'copy', '--wait')).code).toBe(1);
      rmSync(join(c.dir, 'out', 'copy.db'), { recursive: true });
      expect((await cli('trigger', 'copy', '--wait')).code).toBe(0);
      await until(() => messages.length === 2, 15_000, 'the recovered message');
      await sleep(500);
      expect(messages.map((m) => [m.event, m.deployment, m.run.status])).toEqual([
        ['failing', 'copy', 'failed'],
        ['recovered', 'copy', 'succeeded'],
      ]);
    } finally {
      receiver.close();
      await c.close();
    }
  }, 90_000);
});
