// Webhooks as a source, end to end: the agent (a real process) registers its webhook with the
// sandbox (which sends webhooks v2 like Pipedrive), receives the events on its own listener, keeps
// each before answering, runs the flow on each once and in order; an agent that was down gets the
// sandbox's retries after it restarts; events the sandbox never delivered are found by the
// reconciling read; undeploy removes the webhook.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { api, killAgents, project, runs, startAgent, waitFor, type Project } from './helpers.js';

let sb: Sandbox;

beforeEach(async () => {
  sb = await startSandbox({ plan: 'unlimited', clock: 'ticking', webhooks: { retryDelaysMs: [500, 1000, 2000, 4000, 8000] } });
});

afterEach(async () => {
  killAgents();
  await sb.close();
});

const sandboxEnv = () => ({ SLUICE_PIPEDRIVE_URL: sb.url, SLUICE_PIPEDRIVE_TOKEN: DEFAULT_SANDBOX_TOKEN, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1' });

const flow = `flow new_persons {
  source pipedrive.events where event = "added.person"
    -> map { id: data.id, name: data.name, event: meta.id, action: meta.action }
    -> dest file.jsonl with path = "out/new.jsonl", append = true
}
`;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const createPerson = async (name: string): Promise<number> => {
  const res = await fetch(`${sb.url}/api/v2/persons`, { method: 'POST', headers: { 'x-api-token': sb.token, 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { id: number } }).data.id;
};

const written = (p: Project): { id: number; name: string; event: string; action: string }[] => {
  const path = join(p.dir, 'out/new.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
};

describe('webhook source (pipedrive.events) in a deployed flow', () => {
  it('registers the webhook, runs each delivered event once and in order, ignores a second copy, refuses wrong credentials, and removes the webhook on undeploy', async () => {
    const port = await freePort();
    const p = project({ 'hooks.flow': flow }, sandboxEnv());
    const agent = await startAgent(p, ['--webhook-port', String(port), '--reconcile-every', '3600']);
    const dep = await p.sluice(['deploy', 'hooks.flow']);
    expect(dep.code, dep.stderr).toBe(0);
    const hooks = sb.webhooks.list();
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ subscription_url: `http://127.0.0.1:${port}/webhooks/new_persons`, event_action: 'create', event_object: 'person', version: '2.0', http_auth_user: 'sluice' });
    const password = hooks[0].http_auth_password!;
    expect(password.length).toBeGreaterThanOrEqual(24);
    // The generated secret is never printed, nor kept in the state database in the clear.
    expect(agent.log() + dep.stdout + dep.stderr).not.toContain(password);
    expect(readFileSync(join(p.env.SLUICE_HOME, 'state.db')).includes(Buffer.from(password))).toBe(false);

    const ids = [await createPerson('Ada'), await createPerson('Grace'), await createPerson('Edsger')];
    await waitFor('three events written', () => written(p).length === 3);
    expect(written(p).map((r) => [r.id, r.name, r.action])).toEqual([
      [ids[0], 'Ada', 'create'],
      [ids[1], 'Grace', 'create'],
      [ids[2], 'Edsger', 'create'],
    ]);

    const shown = await api(agent, 'GET', 'deployments/new_persons');
    expect(shown.json.webhook).toMatchObject({ event: 'added.person', id: String(hooks[0].id), url: `http://127.0.0.1:${port}/webhooks/new_persons`, events: { pending: 0, sending: 0, done: 3 } });
    expect(shown.text).not.toContain(password);

    // The same event delivered again (an answer lost on the way): acknowledged, not run again.
    const again = await fetch(`http://127.0.0.1:${port}/webhooks/new_persons`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`sluice:${password}`).toString('base64')}` },
      body: JSON.stringify({ meta: { id: written(p)[0].event, action: 'create', entity: 'person', entity_id: String(ids[0]), timestamp: new Date().toISOString(), version: '2.0' }, data: { id: ids[0], name: 'Ada' }, previous: null }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    const wrong = await fetch(`http://127.0.0.1:${port}/webhooks/new_persons`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('sluice:guess').toString('base64')}` }, body: '{}' });
    expect(wrong.status).toBe(401);
    // Only webhooks are served there: not the agent's API.
    expect((await fetch(`http://127.0.0.1:${port}/api/status`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 500));
    expect(written(p)).toHaveLength(3);

    // `sluice run` cannot receive webhooks: a clear error, nothing written.
    const run = await p.sluice(['run', 'hooks.flow']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('SL7050');
    expect(run.stderr).toContain('sluice deploy');

    const un = await p.sluice(['undeploy', 'new_persons']);
    expect(un.code, un.stderr).toBe(0);
    expect(sb.webhooks.list()).toEqual([]);
  });

  it('an event sent while the agent was down arrives with the retries after it restarts, once; events never delivered are found by the reconciling read', async () => {
    const port = await freePort();
    const p = project({ 'hooks.flow': flow }, sandboxEnv());
    let agent = await startAgent(p, ['--webhook-port', String(port), '--reconcile-every', '3600']);
    expect((await p.sluice(['deploy', 'hooks.flow'])).code).toBe(0);
    await createPerson('Before');
    await waitFor('the first event', () => written(p).length === 1);

    agent.child.kill('SIGKILL');
    await agent.exited;
    await createPerson('While down');
    await waitFor('a failed delivery', () => sb.webhooks.stats().attempts >= 3);
    agent = await startAgent(p, ['--webhook-port', String(port), '--reconcile-every', '3600']);
    await waitFor('the retried event', () => written(p).length === 2, 20_000);
    expect(written(p).map((r) => r.name)).toEqual(['Before', 'While down']);

    // Pipedrive fails to deliver one event: the agent's next reconciling read finds the person.
    sb.webhooks.dropNext(1);
    const lost = await createPerson('Never delivered');
    await createPerson('Delivered');
    await waitFor('the delivered event', () => written(p).some((r) => r.name === 'Delivered'));
    expect(written(p).some((r) => r.name === 'Never delivered')).toBe(false);
    agent.child.kill('SIGTERM');
    await agent.exited;
    agent = await startAgent(p, ['--webhook-port', String(port), '--reconcile-every', '1']);
    await waitFor('the reconciled event', () => written(p).some((r) => r.name === 'Never delivered'), 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const names = written(p).map((r) => r.name);
    // Each person once, whichever way its event came.
    expect(names.sort()).toEqual(['Before', 'Delivered', 'Never delivered', 'While down']);
    expect(written(p).find((r) => r.name === 'Never delivered')).toMatchObject({ id: lost, action: 'create' });
    expect(agent.log()).toMatch(/1 change found that no webhook delivered/);
    const history = await runs(p, 'new_persons');
    expect(history.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('retries the events of a failed run until the flow can write them', async () => {
    const port = await freePort();
    const p = project({ 'hooks.flow': flow }, sandboxEnv());
    // A file where the destination's folder should be: every run fails until it is removed.
    writeFileSync(join(p.dir, 'out'), 'in the way');
    const agent = await startAgent(p, ['--webhook-port', String(port), '--reconcile-every', '3600']);
    expect((await p.sluice(['deploy', 'hooks.flow'])).code).toBe(0);
    await createPerson('Patient');
    await waitFor('two failed runs', async () => (await runs(p, 'new_persons')).filter((r) => r.status === 'failed').length >= 2);
    rmSync(join(p.dir, 'out'));
    await waitFor('the retried event', () => written(p).length === 1, 20_000);
    expect(written(p)[0].name).toBe('Patient');
    expect(agent.log()).toMatch(/new_persons v1 \(events\): failed/);
  });
});
