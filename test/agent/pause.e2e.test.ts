// Pause and resume with the real agent and CLI: a paused deployment is not scheduled (also after a
// restart) but still runs when triggered; resume schedules it again.
import { afterEach, describe, expect, it } from 'vitest';
import { killAgents, project, runs, startAgent, waitFor } from './helpers.js';

afterEach(() => killAgents());

describe('pause and resume', () => {
  it('a paused deployment is not scheduled, stays paused across a restart, runs when triggered; resume schedules it', async () => {
    const p = project({
      'in.jsonl': '{"id":1}\n',
      'tick.flow': 'flow tick {\n  schedule every 1s\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with path = "out/t.jsonl"\n}\n',
    });
    let agent = await startAgent(p);
    expect((await p.sluice(['deploy', 'tick.flow'])).code).toBe(0);
    await waitFor('a scheduled run', async () => (await runs(p, 'tick')).length >= 1);

    const paused = await p.sluice(['pause', 'tick']);
    expect(paused.stdout).toBe('paused tick (v1): not scheduled until `sluice resume tick`\n');
    const n = (await runs(p, 'tick')).length;
    const listed = await p.sluice(['deployments']);
    expect(listed.stdout).toMatch(/\ntick\s+v1\s+every 1s\s+paused\s+/);
    expect(JSON.parse((await p.sluice(['deployments', '--format', 'json'])).stdout).deployments[0]).toMatchObject({ name: 'tick', paused: true, next_run: null });

    process.kill(agent.pid, 'SIGTERM');
    await agent.exited;
    agent = await startAgent(p);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await runs(p, 'tick')).length).toBe(n);
    // Trigger still runs it.
    expect(JSON.parse((await p.sluice(['trigger', 'tick', '--wait', '--format', 'json'])).stdout).run.status).toBe('succeeded');
    expect((await runs(p, 'tick')).length).toBe(n + 1);

    const resumed = await p.sluice(['resume', 'tick', '--format', 'json']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, deployment: { name: 'tick', paused: false } });
    await waitFor('scheduled runs again', async () => (await runs(p, 'tick')).length >= n + 3);

    const unknown = await p.sluice(['pause', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error SL8014: nothing is deployed as `nope`');
  });
});
