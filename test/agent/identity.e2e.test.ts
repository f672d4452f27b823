// A flow's incremental state belongs to the flow, not to who runs it: a hand run and the agent
// continue from each other's watermark, so nothing is sent twice (the sandbox counts the leads).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { api, killAgents, project, startAgent } from './helpers.js';

let sb: Sandbox;

beforeEach(async () => {
  sb = await startSandbox({ plan: 'premium', clock: 'ticking', persons: 60, leads: 0 });
});

afterEach(async () => {
  killAgents();
  await sb.close();
});

const sandboxEnv = () => ({
  SLUICE_PIPEDRIVE_URL: sb.url,
  SLUICE_PIPEDRIVE_TOKEN: DEFAULT_SANDBOX_TOKEN,
  SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
  SLUICE_PIPEDRIVE_PLAN: 'unlimited',
});

const leadsFlow = (settings = '') => `flow to_leads {
  ${settings}
  source pipedrive.persons since ~{CreatedDate}~
    -> map { title: "Lead: " + name, person_id: id }
    -> dest pipedrive.leads
}
`;

const leadCount = () => sb.data.leads.all().length;
const personCount = () => sb.data.persons.all().length;

describe('one state per flow, whoever runs it', () => {
  it('a flow run by hand and then deployed continues: nothing is POSTed twice', async () => {
    const p = project({ 'leads.flow': leadsFlow() }, sandboxEnv());
    const hand = await p.sluice(['run', 'leads.flow']);
    expect(hand.stderr).toBe('');
    expect(hand.code).toBe(0);
    expect(leadCount()).toBe(personCount());

    const agent = await startAgent(p);
    const dep = await p.sluice(['deploy', 'leads.flow']);
    expect(dep.code).toBe(0);
    expect(dep.stdout).toMatch(/continuing from watermark \d{4}-\d\d-\d\dT/);
    const t = await p.sluice(['trigger', 'to_leads', '--wait', '--format', 'json']);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true, run: { status: 'succeeded', written: 0 } });
    expect(leadCount()).toBe(personCount());

    // A new person reaches the destination once, whoever runs next.
    sb.data.persons.create({ name: 'Ada New' });
    const t2 = await p.sluice(['trigger', 'to_leads', '--wait', '--format', 'json']);
    expect(JSON.parse(t2.stdout)).toMatchObject({ run: { status: 'succeeded', written: 1 } });
    const again = await p.sluice(['run', 'leads.flow', '--format', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 0 });
    expect(leadCount()).toBe(personCount());
    expect((await api(agent, 'GET', 'deployments/to_leads')).json).toMatchObject({ state: { key: 'flow:to_leads' } });
  });

  it('a deployed flow run by hand afterwards continues too, and --fresh starts over on purpose', async () => {
    const p = project({ 'leads.flow': leadsFlow() }, sandboxEnv());
    await startAgent(p);
    expect((await p.sluice(['deploy', 'leads.flow'])).code).toBe(0);
    const t = await p.sluice(['trigger', 'to_leads', '--wait', '--format', 'json']);
    expect(JSON.parse(t.stdout)).toMatchObject({ run: { status: 'succeeded', written: personCount() } });
    const hand = await p.sluice(['run', 'leads.flow', '--format', 'json']);
    expect(JSON.parse(hand.stdout)).toMatchObject({ status: 'succeeded', written: 0 });
    expect(leadCount()).toBe(personCount());

    const dry = await p.sluice(['run', 'leads.flow', '--fresh', '--dry-run', '--format', 'json']);
    expect(JSON.parse(dry.stdout)).toMatchObject({ written: personCount() });
    expect(leadCount()).toBe(personCount());
  });

  it('state kept under the older keys (the file, the deployment name) is adopted, not started over', async () => {
    const p = project({ 'leads.flow': leadsFlow() }, sandboxEnv());
    expect((await p.sluice(['run', 'leads.flow'])).code).toBe(0);
    // What an older version left: the flow's state under its file's key.
    const { SqliteStateStore: StateStore, flowKey, projectFlowKey } = await import('../../src/state/index.js');
    const store = StateStore.open(p.env.SLUICE_HOME);
    const own = store.db.prepare('SELECT id FROM flows WHERE key = ?').pluck().get(projectFlowKey('to_leads')) as number;
    store.db.prepare('UPDATE flows SET key = ? WHERE id = ?').run(flowKey(`${p.dir}/leads.flow`, 'to_leads'), own);
    await store.close();
    const again = await p.sluice(['run', 'leads.flow', '--format', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'succeeded', written: 0 });
    expect(leadCount()).toBe(personCount());
  });

  it('two files claiming one flow identity are refused; an explicit id tells them apart', async () => {
    const p = project({ 'a/leads.flow': leadsFlow(), 'b/leads.flow': leadsFlow() }, sandboxEnv());
    expect((await p.sluice(['run', 'a/leads.flow'])).code).toBe(0);
    const clash = await p.sluice(['run', 'b/leads.flow']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('SL6022');
    expect(clash.stderr).toContain('id "..."');
    expect(leadCount()).toBe(personCount());
    p.write('b/leads.flow', leadsFlow('id "to_leads_b"'));
    const own = await p.sluice(['run', 'b/leads.flow', '--dry-run', '--format', 'json']);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout)).toMatchObject({ written: personCount() });
  });

  it('the agent refuses to run a flow that a hand run is running (SL6010), and records it as skipped', async () => {
    const p = project({ 'leads.flow': leadsFlow() }, sandboxEnv());
    await startAgent(p);
    expect((await p.sluice(['deploy', 'leads.flow'])).code).toBe(0);
    const { SqliteStateStore: StateStore, projectFlowKey } = await import('../../src/state/index.js');
    const store = StateStore.open(p.env.SLUICE_HOME);
    // A live run of the flow by this (test) process stands for a hand run in progress.
    const runId = await store.startRun(projectFlowKey('to_leads'), { trigger: 'cli', file: `${p.dir}/leads.flow` });
    try {
      const t = await p.sluice(['trigger', 'to_leads', '--wait', '--format', 'json']);
      expect(JSON.parse(t.stdout)).toMatchObject({ run: { status: 'skipped' } });
      expect(leadCount()).toBe(0);
    } finally {
      await store.finishRun(runId, { status: 'interrupted' });
      await store.close();
    }
  });
});
