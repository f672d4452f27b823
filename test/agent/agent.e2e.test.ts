// The agent as a real process with file flows: overlapping runs, SIGTERM while a flow runs, the
// API's token, deploy refusals, trigger and undeploy, and what the CLI says when there is no agent.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, killAgents, project, runs, startAgent, waitFor } from './helpers.js';

afterEach(() => killAgents());

const people = '{"id":1,"name":"Ada"}\n{"id":2,"name":"Bob"}\n{"id":3,"name":"Cy"}\n';

const flowA = `flow copy_a {
  schedule every 1s
  source file.jsonl with path = "in.jsonl" -> map { id: id, name: upper(name) } -> dest file.jsonl with path = "out/a.jsonl"
}
`;

/** Writes lines into a FIFO (blocks until the agent's run opens it for reading). */
function feedFifo(path: string, text: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, text);
  closeSync(fd);
}

describe('sluice agent (file flows)', () => {
  it('skips (and records) a run that is due while the previous one still runs; SIGTERM lets the running flow finish', async () => {
    const p = project({
      'slow.flow': 'flow slow {\n  schedule every 1s\n  source file.jsonl with path = "in.fifo" -> dest file.jsonl with path = "out/slow.jsonl"\n}\n',
    });
    // A FIFO: the run's read blocks until the test writes into it.
    execFileSync('mkfifo', [join(p.dir, 'in.fifo')]);
    const agent = await startAgent(p);
    expect((await p.sluice(['deploy', 'slow.flow'])).code).toBe(0);

    const blocked = await waitFor('two skipped runs while the first is running', async () => {
      const rs = await runs(p, 'slow');
      return rs.filter((r) => r.status === 'skipped').length >= 2 && rs.some((r) => r.status === 'running') ? rs : undefined;
    });
    expect(blocked.filter((r) => r.status === 'running')).toHaveLength(1);
    const skipped = blocked.filter((r) => r.status === 'skipped');
    expect(skipped[0].error?.message).toMatch(/^the previous run \(version 1, started .+\) was still running when this one was due at /);
    expect(skipped[0]).toMatchObject({ trigger: 'agent', read: 0, written: 0 });

    // Run now is refused while it runs.
    const trig = await p.sluice(['trigger', 'slow']);
    expect(trig.code).toBe(1);
    expect(trig.stderr).toContain('error SL8020: `slow` is running');

    // SIGTERM: nothing new starts, the running flow is let finish (once its input comes), exit 0.
    agent.child.kill('SIGTERM');
    await waitFor('the agent to log that it waits', () => agent.log().includes('waiting up to 30 s for 1 run to finish'));
    feedFifo(join(p.dir, 'in.fifo'), '{"id":1}\n{"id":2}\n');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const rs = await runs(p, 'slow');
    const done = rs.filter((r) => r.status === 'succeeded');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ read: 2, written: 2 });
    expect(readFileSync(join(p.dir, 'out/slow.jsonl'), 'utf8')).toBe('{"id":1}\n{"id":2}\n');
    // Never two at once: every skip fell inside the one run.
    for (const s of rs.filter((r) => r.status === 'skipped')) {
      expect(Date.parse(s.started_at)).toBeGreaterThanOrEqual(Date.parse(done[0].started_at));
      expect(Date.parse(s.started_at)).toBeLessThanOrEqual(Date.parse(done[0].finished_at!));
    }
    expect(agent.log()).toContain('stopped');
  });

  it('the API refuses requests without the token; the panel page holds no secret; loopback only', async () => {
    const p = project({ 'in.jsonl': people, 'a.flow': flowA.replace('every 1s', 'every 1h') });
    const agent = await startAgent(p);
    const token = agent.token();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const [method, path] of [
      ['GET', 'status'],
      ['GET', 'deployments'],
      ['POST', 'deployments'],
      ['GET', 'connections'],
      ['POST', 'cache/clear'],
      ['POST', 'stop'],
      ['GET', 'no/such/thing'],
    ]) {
      const none = await api(agent, method, path, { token: null });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.json.error.code).toBe('SL8030');
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      const wrong = await api(agent, method, path, { token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` });
      expect(wrong.status, `${method} ${path}`).toBe(401);
    }
    const basic = await api(agent, 'GET', 'status', { token: null, headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` } });
    expect(basic.status).toBe(401);
    const ok = await api(agent, 'GET', 'status');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ pid: agent.pid, url: agent.url, deployments: 0, stopping: false });
    expect(JSON.stringify(ok.json)).not.toContain(token);
    expect((await api(agent, 'GET', 'no/such/thing')).status).toBe(404);
    // DNS rebinding: a foreign Host name is refused even with the token.
    const { request } = await import('node:http');
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = request(`${agent.url}/api/status`, { headers: { host: 'evil.example', authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebinding).toBe(421);

    // The panel is served without the token and contains none; it is locked down by CSP.
    const page = await fetch(`${agent.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('App Configurations');
    expect(html).not.toContain(token);
    expect(html).toContain('<script src="/token.js"');
    const js = await (await fetch(`${agent.url}/app.js`)).text();
    expect(js).toContain('sluiceAgentToken');
    expect(js).not.toContain(token);
    const tokenJs = await (await fetch(`${agent.url}/token.js`)).text();
    expect(tokenJs).toContain('sessionStorage');
    expect(tokenJs).not.toContain(token);
    expect(readFileSync(join(p.env.SLUICE_HOME, 'agent.json'), 'utf8')).toContain(token);

    // The agent's output and log never show the token; `agent panel` hands it out on request only.
    const panel = await p.sluice(['agent', 'panel']);
    expect(panel.stdout).toBe(`${agent.url}/#token=${token}\n`);
    expect(agent.stdout()).not.toContain(token);
    expect(agent.log()).not.toContain(token);

    // Not on the network unless asked.
    const remote = await p.sluice(['agent', 'start', '--host', '0.0.0.0']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('--host 0.0.0.0 is not a loopback address');
    // One agent per SLUICE_HOME.
    const second = await p.sluice(['agent', 'start']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`error SL8002: an agent is already running for ${p.env.SLUICE_HOME}: pid ${agent.pid} at ${agent.url}`);
  });

  it('refuses to deploy a flow that does not check, with its diagnostics; trigger, undeploy', async () => {
    const p = project({
      'in.jsonl': people,
      'bad.flow': 'flow broken {\n  schedule every 1s\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with pth = "x"\n}\n',
      'cron.flow': 'flow c {\n  schedule cron "61 * * * *"\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with path = "out/c.jsonl"\n}\n',
      'two.flow': 'flow one {\n  schedule every 1s\n  schedule every 2s\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with path = "out/o.jsonl"\n}\n',
      'manual.flow': `source file.jsonl with path = "in.jsonl" -> map { id: id, tag: ~{Tag}~ } -> dest file.jsonl with path = "out/m.jsonl"\n`,
    });
    const agent = await startAgent(p);

    const bad = await p.sluice(['deploy', 'bad.flow']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad.flow:3:68: error SL2010');
    expect(bad.stderr).toContain(' 3 |   source file.jsonl');
    expect(bad.stderr).toContain('bad.flow does not check (1 error): nothing was deployed');
    const badJson = JSON.parse((await p.sluice(['deploy', 'bad.flow', '--format', 'json'])).stdout);
    expect(badJson).toMatchObject({ ok: false, error: { code: 'SL8010' }, diagnostics: [{ code: 'SL2010', severity: 'error', range: { start: { line: 3, column: 68 } } }] });

    const cron = await p.sluice(['deploy', 'cron.flow']);
    expect(cron.code).toBe(1);
    expect(cron.stderr).toMatch(/cron\.flow:2:17: error SL8011 `61 \* \* \* \*` is not a cron expression the agent understands/);
    const two = await p.sluice(['deploy', 'two.flow']);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('two.flow:3:3: error SL8011 a flow has one schedule: this is its second');
    expect(JSON.parse((await p.sluice(['deployments', '--format', 'json'])).stdout).deployments).toEqual([]);

    // A bare pipeline without a schedule: named after its file, run on demand; its --var is kept.
    const noVar = await p.sluice(['deploy', 'manual.flow']);
    expect(noVar.code).toBe(1);
    expect(noVar.stderr).toContain('SL2040');
    const man = await p.sluice(['deploy', 'manual.flow', '--var', 'Tag=t1']);
    expect(man.stdout).toBe('deployed manual v1 (no schedule: runs with `sluice trigger manual`)\n');
    const waited = await p.sluice(['trigger', 'manual', '--wait', '--format', 'json']);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ ok: true, run: { deployment: 'manual', version: 1, status: 'succeeded', read: 3, written: 3 } });
    expect(readFileSync(join(p.dir, 'out/m.jsonl'), 'utf8')).toBe('{"id":1,"tag":"t1"}\n{"id":2,"tag":"t1"}\n{"id":3,"tag":"t1"}\n');
    const started = await p.sluice(['trigger', 'manual']);
    expect(started.stdout).toBe('started manual; `sluice runs manual` shows how it goes\n');
    await waitFor('the second run', async () => (await runs(p, 'manual')).filter((r) => r.status === 'succeeded').length === 2);

    const unknown = await p.sluice(['trigger', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error SL8014: nothing is deployed as `nope`');
    expect(unknown.stderr).toContain('hint: Deployed: manual.');

    const un = await p.sluice(['undeploy', 'manual']);
    expect(un.stdout).toBe('undeployed manual (v1)\n');
    expect((await p.sluice(['trigger', 'manual'])).code).toBe(1);
    expect(JSON.parse((await p.sluice(['deployments', '--format', 'json'])).stdout).deployments).toEqual([]);
    const all = JSON.parse((await p.sluice(['deployments', '--all', '--format', 'json'])).stdout).deployments;
    expect(all).toMatchObject([{ name: 'manual', version: 1, enabled: false, next_run: null }]);
    // Redeployed: the next version, enabled again; the history is kept.
    const re = await p.sluice(['deploy', 'manual.flow', '--var', 'Tag=t2', '--format', 'json']);
    expect(JSON.parse(re.stdout).deployed[0]).toMatchObject({ name: 'manual', version: 2, enabled: true });
    expect((await runs(p, 'manual')).length).toBe(2);
    void agent;
  });

  it('says clearly when the agent is not running (exit 1)', async () => {
    const p = project({ 'a.flow': flowA });
    for (const args of [['deploy', 'a.flow'], ['deployments'], ['undeploy', 'copy_a'], ['trigger', 'copy_a'], ['agent', 'status'], ['agent', 'stop'], ['agent', 'panel']]) {
      const r = await p.sluice(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain('error SL8001: the agent is not running: start it with `sluice agent start`');
      expect(r.stdout).toBe('');
    }
    const json = await p.sluice(['agent', 'status', '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, running: false, error: { code: 'SL8001' } });
    // A stale agent.json (its process is gone) is the same as none.
    p.write('.sluice/agent.json', JSON.stringify({ url: 'http://127.0.0.1:9', token: 'x', pid: 2 ** 22 + 7 }));
    const stale = await p.sluice(['deployments']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('the agent is not running');
    // --help and usage errors need no agent.
    expect((await p.sluice(['deploy', '--help'])).stdout).toContain('Usage: sluice deploy FILE');
    expect((await p.sluice(['deploy'])).code).toBe(2);
    expect((await p.sluice(['deploy', 'missing.flow'])).code).toBe(2);
  });
});
