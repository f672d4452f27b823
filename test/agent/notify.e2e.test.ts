// Failure notifications with real processes: the agent POSTs to a real local HTTP receiver once per
// failing streak (not per failed run), again when the flow recovers, retries a receiver that
// answered 500, and remembers an announced streak across a restart.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, killAgents, project, startAgent, waitFor } from './helpers.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: Record<string, any>;
}

let receiver: Server | undefined;

afterEach(async () => {
  killAgents();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  receiver = undefined;
});

/** A webhook receiver on loopback; `fail` answers 500 to that many first requests. */
async function startReceiver(fail = 0): Promise<{ url: string; got: Received[]; attempts: () => number }> {
  const got: Received[] = [];
  let attempts = 0;
  receiver = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      attempts++;
      if (attempts <= fail) {
        res.writeHead(500).end();
        return;
      }
      got.push({ headers: req.headers, body: JSON.parse(text) as Record<string, any> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/sluice?key=s3cret`, got, attempts: () => attempts };
}

const flow = 'flow copy {\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with path = "out/c.jsonl"\n}\n';

describe('failure notifications', () => {
  it('one POST per failing streak with the error and a link to the run; one when it recovers; none without a failure', async () => {
    const hook = await startReceiver(1);
    const p = project({ 'copy.flow': flow });
    let agent = await startAgent(p);
    const dep = await p.sluice(['deploy', 'copy.flow', '--notify-url', hook.url, '--format', 'json']);
    expect(JSON.parse(dep.stdout).deployed[0]).toMatchObject({ name: 'copy', notify_url: hook.url });

    // Three failed runs (in.jsonl is missing): one message, delivered on the second attempt.
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api(agent, 'POST', 'deployments/copy/run?wait=1');
      expect(r.json.run.status).toBe('failed');
      ids.push(r.json.run.run_id);
    }
    await waitFor('the failing message', () => hook.got.length === 1);
    expect(hook.attempts()).toBe(2);
    const failing = hook.got[0];
    expect(failing.headers['content-type']).toBe('application/json');
    expect(failing.body).toMatchObject({
      event: 'failing',
      deployment: 'copy',
      version: 1,
      flow: 'copy',
      run: { id: ids[0], status: 'failed' },
      failing_since_run: ids[0],
      panel_url: `${agent.url}/#run=${ids[0]}`,
    });
    expect(failing.body.error.message).toContain('in.jsonl');
    expect(failing.body.text).toContain('Sluice: copy v1 is failing');
    // The key in the URL's query stays out of the agent's log.
    await waitFor('the log line', () => agent.log().includes(`notified http://127.0.0.1:${new URL(hook.url).port}/hooks/sluice (failing)`));
    expect(agent.log()).not.toContain('s3cret');

    // A restart does not forget that the streak was announced.
    process.kill(agent.pid, 'SIGTERM');
    await agent.exited;
    agent = await startAgent(p);
    expect((await api(agent, 'POST', 'deployments/copy/run?wait=1')).json.run.status).toBe('failed');
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.got).toHaveLength(1);

    // Fixed: one recovery message; further successes send nothing.
    writeFileSync(join(p.dir, 'in.jsonl'), '{"id":1}\n');
    const ok = await api(agent, 'POST', 'deployments/copy/run?wait=1');
    expect(ok.json.run.status).toBe('succeeded');
    await waitFor('the recovery message', () => hook.got.length === 2);
    expect(hook.got[1].body).toMatchObject({ event: 'recovered', deployment: 'copy', run: { id: ok.json.run.run_id, status: 'succeeded' }, failing_since_run: ids[0], error: null });
    expect((await api(agent, 'POST', 'deployments/copy/run?wait=1')).json.run.status).toBe('succeeded');

    // Broken again: a new streak, a new message.
    rmSync(join(p.dir, 'in.jsonl'));
    const again = await api(agent, 'POST', 'deployments/copy/run?wait=1');
    await waitFor('the second failing message', () => hook.got.length === 3);
    expect(hook.got[2].body).toMatchObject({ event: 'failing', run: { id: again.json.run.run_id }, failing_since_run: again.json.run.run_id });
  });

  it('refuses a notify URL that is not http(s)', async () => {
    const p = project({ 'copy.flow': flow });
    await startAgent(p);
    const r = await p.sluice(['deploy', 'copy.flow', '--notify-url', 'file:///etc/passwd']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error SL8016: `notify_url` must be an http:// or https:// URL');
  });
});
