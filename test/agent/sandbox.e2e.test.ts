// The agent as a real process against the Pipedrive sandbox (started in this test process): two
// scheduled flows across a restart, a run killed mid-way and resumed from its watermark, the bounded
// wait of SIGTERM, and `sluice cache clear` reaching the agent's lookup cache.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { api, killAgents, project, runs, startAgent, waitFor, type RunJson } from './helpers.js';

let sb: Sandbox;

beforeEach(async () => {
  // A ticking clock: rate-limit windows pass with real time, as the agent's schedules do.
  sb = await startSandbox({ plan: 'premium', clock: 'ticking' });
});

afterEach(async () => {
  killAgents();
  await sb.close();
});

const sandboxEnv = () => ({ SLUICE_PIPEDRIVE_URL: sb.url, SLUICE_PIPEDRIVE_TOKEN: DEFAULT_SANDBOX_TOKEN, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1' });
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const ofFlow = (rs: RunJson[], flow: string, status?: string) => rs.filter((r) => r.flow === flow && (!status || r.status === status));

const personsFlow = (settings = '') => `flow persons {
  ${settings}
  source pipedrive.persons since ~{CreatedDate}~
    -> map { id: id, name: name }
    -> dest file.jsonl with path = "out/persons.jsonl", append = true
}
`;

describe('sluice agent against the sandbox', () => {
  it('runs two deployed flows on 1 s and 2 s schedules, and keeps deployments and history across a restart', async () => {
    const p = project(
      {
        'a.flow': 'flow top_persons {\n  schedule every 1s\n  source pipedrive.persons where limit = 3 -> map { id: id, name: upper(name) } -> dest file.jsonl with path = "out/a.jsonl"\n}\n',
        'b.flow': 'flow some_deals {\n  schedule every 2s\n  source pipedrive.deals where limit = 2 -> map { id: id, title: title } -> dest file.jsonl with path = "out/b.jsonl"\n}\n',
      },
      sandboxEnv(),
    );
    const agent = await startAgent(p);
    const agentFile = join(p.env.SLUICE_HOME, 'agent.json');
    expect(statSync(agentFile).mode & 0o777).toBe(0o600);
    const da = await p.sluice(['deploy', 'a.flow']);
    expect(da.stderr).toBe('');
    expect(da.stdout).toMatch(/^deployed top_persons v1 \(every 1s; next run \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)\n$/);
    const db = await p.sluice(['deploy', 'b.flow', '--format', 'json']);
    expect(JSON.parse(db.stdout)).toMatchObject({ ok: true, deployed: [{ name: 'some_deals', version: 1, schedule: 'every 2s', enabled: true }] });

    const seen = await waitFor('three runs of top_persons and two of some_deals', async () => {
      const rs = await runs(p);
      return ofFlow(rs, 'top_persons', 'succeeded').length >= 3 && ofFlow(rs, 'some_deals', 'succeeded').length >= 2 ? rs : undefined;
    });
    expect(seen.every((r) => r.trigger === 'agent')).toBe(true);
    expect(ofFlow(seen, 'top_persons', 'succeeded')[0]).toMatchObject({ read: 3, written: 3, rejected: 0, error: null });
    expect(ofFlow(seen, 'some_deals', 'succeeded')[0]).toMatchObject({ read: 2, written: 2 });
    expect(lines(join(p.dir, 'out/a.jsonl'))).toHaveLength(3);
    expect(lines(join(p.dir, 'out/b.jsonl'))).toHaveLength(2);
    const starts = ofFlow(seen, 'top_persons').map((r) => Date.parse(r.started_at));
    expect(starts[2] - starts[0]).toBeGreaterThanOrEqual(1_900);
    expect(sb.stats().byStatus[429] ?? 0).toBe(0);

    const listed = JSON.parse((await p.sluice(['deployments', '--format', 'json'])).stdout) as { deployments: Record<string, any>[] };
    expect(listed.deployments.map((d) => [d.name, d.version, d.schedule])).toEqual([
      ['some_deals', 1, 'every 2s'],
      ['top_persons', 1, 'every 1s'],
    ]);
    for (const d of listed.deployments) {
      expect(Date.parse(d.next_run)).toBeGreaterThan(Date.now() - 1_000);
      expect(d.last_run).toMatchObject({ flow: d.name, version: 1 });
    }
    const table = await p.sluice(['deployments']);
    expect(table.stdout).toMatch(/^NAME\s+VERSION\s+SCHEDULE\s+NEXT RUN \(UTC\)\s+LAST RUN\s+STATUS/);
    expect(table.stdout).toMatch(/\ntop_persons\s+v1\s+every 1s\s+/);

    // A second deploy of a file is a new version.
    expect(JSON.parse((await p.sluice(['deploy', 'a.flow', '--format', 'json'])).stdout).deployed[0]).toMatchObject({ name: 'top_persons', version: 2 });

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(agentFile)).toBe(false);
    const before = await runs(p);
    expect(before.some((r) => r.status === 'running')).toBe(false);
    const lastId = Math.max(...before.map((r) => r.id));

    const agent2 = await startAgent(p);
    const after = JSON.parse((await p.sluice(['deployments', '--format', 'json'])).stdout) as { deployments: Record<string, any>[] };
    expect(after.deployments.map((d) => [d.name, d.version])).toEqual([
      ['some_deals', 1],
      ['top_persons', 2],
    ]);
    const history = await waitFor('runs of both after the restart', async () => {
      const rs = await runs(p);
      return ofFlow(rs, 'top_persons').some((r) => r.id > lastId) && ofFlow(rs, 'some_deals').some((r) => r.id > lastId) ? rs : undefined;
    });
    expect(history.filter((r) => r.id <= lastId).map((r) => r.id)).toEqual(before.map((r) => r.id));
    const agentRuns = (await api(agent2, 'GET', 'runs?deployment=top_persons&limit=100')).json.runs as { id: number; version: number }[];
    expect(agentRuns.find((r) => r.id > lastId)?.version).toBe(2);
    expect(agentRuns.at(-1)?.version).toBe(1);

    const stop = await p.sluice(['agent', 'stop']);
    expect(stop.stdout).toBe(`agent stopped (pid ${agent2.pid})\n`);
    expect(stop.code).toBe(0);
    expect(await agent2.exited).toEqual({ code: 0, signal: null });
  });

  it('a run in progress when the agent dies is recorded as interrupted; the next run continues from the committed watermark', async () => {
    const p = project({ 'p.flow': personsFlow() }, sandboxEnv());
    const agent = await startAgent(p);
    expect((await p.sluice(['deploy', 'p.flow'])).code).toBe(0);
    const first = await p.sluice(['trigger', 'persons', '--wait', '--format', 'json']);
    expect(JSON.parse(first.stdout).run).toMatchObject({ status: 'succeeded', read: 250, written: 250 });
    expect(lines(join(p.dir, 'out/persons.jsonl'))).toHaveLength(250);

    // One change after the watermark; then a run that hangs on the API, and the agent is killed.
    sb.data.persons.update(17, { name: 'Renamed Seventeen' });
    sb.setFaults({ latencyMs: 60_000 });
    expect((await p.sluice(['trigger', 'persons'])).code).toBe(0);
    await waitFor('the second run to be running', async () => (await runs(p, 'persons')).some((r) => r.status === 'running'));
    agent.child.kill('SIGKILL');
    await agent.exited;
    sb.resetFaults();

    const agent2 = await startAgent(p);
    const rs = await runs(p, 'persons');
    expect(rs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
    expect(rs[1].error).toMatchObject({ code: 'SL6016' });
    expect(rs[1].error!.message).toContain(`pid ${agent.pid}`);
    const status = (await api(agent2, 'GET', 'deployments')).json.deployments[0];
    expect(status.last_run).toMatchObject({ status: 'interrupted', version: 1 });

    // Neither the 250 again nor nothing: exactly the one change.
    const next = await p.sluice(['trigger', 'persons', '--wait', '--format', 'json']);
    expect(JSON.parse(next.stdout).run).toMatchObject({ status: 'succeeded', written: 1 });
    const out = lines(join(p.dir, 'out/persons.jsonl'));
    expect(out).toHaveLength(251);
    expect(JSON.parse(out[250])).toEqual({ id: 17, name: 'Renamed Seventeen' });
  });

  it('SIGTERM gives a running flow --stop-timeout, then stops it (interrupted) and exits 0', async () => {
    sb.setFaults({ latencyMs: 60_000 });
    const p = project({ 'p.flow': personsFlow('schedule every 1h') }, sandboxEnv());
    const agent = await startAgent(p, ['--stop-timeout', '1']);
    expect((await p.sluice(['deploy', 'p.flow'])).code).toBe(0);
    await waitFor('the run to start', async () => (await runs(p, 'persons')).some((r) => r.status === 'running'));
    const t0 = Date.now();
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(6_000);
    const rs = await runs(p, 'persons');
    expect(rs.map((r) => r.status)).toEqual(['interrupted']);
    expect(agent.log()).toContain('still running after 1 s: persons; telling them to stop');
  });

  it('`sluice cache clear` empties the running agent\'s lookup cache within a second', async () => {
    // Few distinct terms (one per owner): users.find is paced as a search (10 per 2 s), and a run of
    // many lookups would outlast the cache's freshness.
    const p = project(
      {
        'l.flow': `flow owners {
  source pipedrive.persons where limit = 40
    -> lookup owner = pipedrive.users.find where term = to_string(owner_id)
    -> map { id: id, owner: owner.id }
    -> dest file.jsonl with path = "out/owners.jsonl"
}
`,
      },
      sandboxEnv(),
    );
    const agent = await startAgent(p);
    expect((await p.sluice(['deploy', 'l.flow'])).code).toBe(0);
    const run = await p.sluice(['trigger', 'owners', '--wait']);
    expect(run.code).toBe(0);
    const cached = (await api(agent, 'GET', 'status')).json.cache;
    expect(cached.memory.entries).toBeGreaterThan(0);
    expect(cached.last_clear).toBeNull();

    const cleared = await p.sluice(['cache', 'clear']);
    expect(cleared.code).toBe(0);
    const after = await waitFor('the agent to drop its lookups', async () => {
      const c = (await api(agent, 'GET', 'status')).json.cache;
      return c.memory.entries === 0 ? c : undefined;
    }, 5_000, 50);
    expect(after.last_clear).toMatchObject({ by: 'cli', entries: cached.memory.entries });
    // Within a second of the clear (its time is in the generation file), by the agent's own clock.
    const clearedAt = Date.parse(readFileSync(join(p.env.SLUICE_HOME, 'cache', '.generation'), 'utf8').split(' ')[0]);
    expect(Date.parse(after.last_clear.at) - clearedAt).toBeGreaterThanOrEqual(0);
    expect(Date.parse(after.last_clear.at) - clearedAt).toBeLessThan(1_000);
    expect(agent.log()).toContain(`cache cleared by \`sluice cache clear\`: ${cached.memory.entries} lookups dropped from memory`);

    // The next run asks the API again (the cache really was empty), and fills it again.
    const finds = () => Object.entries(sb.stats().byPath).reduce((n, [path, count]) => (path.includes('users/find') ? n + count : n), 0);
    const findsBefore = finds();
    expect(findsBefore).toBe(cached.memory.entries);
    expect((await p.sluice(['trigger', 'owners', '--wait'])).code).toBe(0);
    expect(finds()).toBe(2 * findsBefore);
    expect((await api(agent, 'GET', 'status')).json.cache.memory.entries).toBe(cached.memory.entries);
  });
});
