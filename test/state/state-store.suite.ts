// The behaviour every StateStore backend must have, run against each of them: SQLite in
// sqlite-store.test.ts; another backend calls describeStateStore with its own harness.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentFlowKey, flowKey, parseFlowKey } from '../../src/state/keys.js';
import type { StateStore } from '../../src/state/store.js';
import { tempDir } from '../helpers/cli.js';
import { clock, deadPid, stateFailure } from './helpers.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const SRC = 'pipedrive.persons';

/** A store to test, and what the tests need beyond the interface: the same state opened again, and runs made to look like another process's. */
export interface StoreHarness {
  store: StateStore;
  /** Opens the same state again, as another process would (recovering dead runs on open). */
  reopen(): Promise<StateStore>;
  /** Changes how a run was recorded, to stand for a process that is gone, elsewhere or earlier. */
  tamperRun(runId: number, change: { pid?: number; host?: string; owner?: string; status?: 'interrupted' }): Promise<void>;
}

/** A fresh, empty state on the clock given. */
export type MakeStore = (options: { now: () => Date }) => Promise<StoreHarness>;

export function describeStateStore(backend: string, make: MakeStore): void {
  async function setup() {
    const c = clock();
    const h = await make({ now: c.now });
    const key = agentFlowKey('persons');
    return { ...h, key, c };
  }

describe(`${backend}: flow keys`, () => {
  it('are the absolute file path plus the flow name, with symlinks resolved', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'flows', 'sync.flow'), '');
    symlinkSync(join(dir, 'flows'), join(dir, 'link'));
    const k = flowKey('flows/sync.flow', 'persons', dir);
    expect(k).toMatch(/\/flows\/sync\.flow#persons$/);
    expect(flowKey(join(dir, 'link', 'sync.flow'), 'persons')).toBe(k);
    expect(flowKey('flows/sync.flow', 'deals', dir)).not.toBe(k);
    expect(parseFlowKey(k)).toEqual({ name: 'persons', file: k.slice(0, -'#persons'.length) });
    // A file that does not exist (yet) still has a stable key.
    expect(flowKey('gone.flow', 'x', dir)).toBe(`${join(dir, 'gone.flow')}#x`);
  });

  it('can be a name the agent gives, and refuse what cannot be a name', async () => {
    expect(agentFlowKey('nightly')).toBe('agent:nightly');
    expect(parseFlowKey('agent:nightly')).toEqual({ name: 'nightly', file: null });
    expect(() => agentFlowKey('')).toThrow();
    expect(() => flowKey('x.flow', 'a#b')).toThrow();
    expect(() => parseFlowKey('relative/x.flow#a')).toThrow('not a flow key');
  });
});

describe(`${backend}: watermarks`, () => {
  it('is empty for a flow never seen, without recording the flow', async () => {
    const { store, key } = await setup();
    expect(await store.watermark(key, SRC)).toEqual({ value: null, kind: null, boundaryIds: [], updatedAt: null, runId: null });
    expect(await store.flows()).toEqual([]);
  });

  it('moves forward only; equal values add boundary ids, newer ones replace them', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1, 2] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'first', boundaryIds: 2 });
    // The same instant written the v2 way: same watermark, ids accumulate (and repeat harmlessly).
    expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05T10:00:00Z', boundaryIds: [2, 3] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'same', boundaryIds: 3 });
    expect((await store.watermark(key, SRC)).boundaryIds).toEqual(['1', '2', '3']);
    // Older: nothing changes, not even the ids.
    expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 09:00:00', boundaryIds: [9] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'kept', boundaryIds: 3 });
    expect((await store.watermark(key, SRC)).boundaryIds).toEqual(['1', '2', '3']);
    // Newer: the ids are those at the new value only.
    expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:01', boundaryIds: [4] })).toEqual({ watermark: '2026-01-05T10:00:01.000Z', change: 'advanced', boundaryIds: 1 });
    const wm = await store.watermark(key, SRC);
    expect(wm).toMatchObject({ value: '2026-01-05T10:00:01.000Z', kind: 'time', boundaryIds: ['4'], runId: run });
  });

  it('commits counts without a watermark (no record had a cursor yet)', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    expect(await store.commitProgress(run, key, SRC, { watermark: null, counts: { read: 10, written: 7 } })).toEqual({ watermark: null, change: 'none', boundaryIds: 0 });
    expect(await store.run(run)).toMatchObject({ read: 10, written: 7, rejected: 0, status: 'running' });
    expect((await store.watermark(key, SRC)).value).toBeNull();
  });

  it('keeps sources of one flow apart', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, 'a', { watermark: 5, boundaryIds: ['x'] });
    await store.commitProgress(run, key, 'b', { watermark: 3 });
    expect(await store.watermark(key, 'a')).toMatchObject({ value: '5', kind: 'number', boundaryIds: ['x'] });
    expect(await store.watermark(key, 'b')).toMatchObject({ value: '3', kind: 'number', boundaryIds: [] });
  });

  it('compares numbers as numbers (10 after 9), not as text', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, SRC, { watermark: 9 });
    expect((await store.commitProgress(run, key, SRC, { watermark: '10' })).change).toBe('advanced');
    expect((await store.commitProgress(run, key, SRC, { watermark: 9 })).change).toBe('kept');
  });

  it('orders by the caller\'s comparator when given one', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    // Versions like "v2" < "v10", which text order gets wrong.
    const byVersion = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1));
    await store.commitProgress(run, key, SRC, { watermark: 'v2' }, { compare: byVersion });
    expect((await store.commitProgress(run, key, SRC, { watermark: 'v10' }, { compare: byVersion })).change).toBe('advanced');
    expect((await store.commitProgress(run, key, SRC, { watermark: 'v9' }, { compare: byVersion })).change).toBe('kept');
    expect(await store.watermark(key, SRC)).toMatchObject({ value: 'v10', kind: 'custom' });
  });

  it('refuses a cursor of another kind, leaving the watermark as it was', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1] });
    expect((await stateFailure(() => store.commitProgress(run, key, SRC, { watermark: 42, boundaryIds: [2] }))).code).toBe('SL6013');
    expect(await store.watermark(key, SRC)).toMatchObject({ value: '2026-01-05T10:00:00.000Z', boundaryIds: ['1'] });
  });
});

describe(`${backend}: commitProgress is one transaction`, () => {
  it('saves the batch\'s rejected records with the watermark', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, SRC, { watermark: 1, rejected: [{ destination: 'sqlite', record: { id: 3 }, reason: 'no name' }] });
    expect((await store.rejected(key)).map((r) => r.reason)).toEqual(['no name']);
    expect((await store.watermark(key, SRC)).value).toBe('1');
  });

  it('a part that fails rolls back the watermark, the ids, the counts and the rejections', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1], counts: { read: 1, written: 1 } });
    const circular: Record<string, unknown> = { id: 4 };
    circular.self = circular;
    await expect(
      store.commitProgress(run, key, SRC, {
        watermark: '2026-01-05 10:00:05',
        boundaryIds: [2],
        counts: { read: 2, written: 2 },
        rejected: [
          { destination: 'sqlite', record: { id: 3 }, reason: 'bad' },
          { destination: 'sqlite', record: circular, reason: 'cannot be stored' },
        ],
      }),
    ).rejects.toThrow();
    expect(await store.watermark(key, SRC)).toMatchObject({ value: '2026-01-05T10:00:00.000Z', boundaryIds: ['1'] });
    expect(await store.run(run)).toMatchObject({ read: 1, written: 1 });
    expect(await store.rejected(key)).toEqual([]);
    // The store is usable afterwards (no transaction left open).
    expect((await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:05', boundaryIds: [2] })).change).toBe('advanced');
  });
});

describe(`${backend}: runs`, () => {
  it('records start, end, counts and a token-scrubbed error', async () => {
    const { store, key, c } = await setup();
    const run = await store.startRun(key, { trigger: 'agent', file: '/flows/x.flow' });
    expect(await store.run(run)).toMatchObject({ status: 'running', trigger: 'agent', file: '/flows/x.flow', startedAt: '2026-01-05T10:00:00.000Z', finishedAt: null, durationMs: null, pid: process.pid, host: hostname() });
    c.advance(1500);
    const done = await store.finishRun(run, {
      status: 'failed',
      read: 3,
      written: 2,
      rejected: 1,
      error: Object.assign(new Error(`401 for https://x.pipedrive.com/api/v1/persons?api_token=${TOKEN}&limit=5 (token ${TOKEN.toUpperCase()})`), { code: 'SL5021' }),
    });
    expect(done).toMatchObject({ status: 'failed', finishedAt: '2026-01-05T10:00:01.500Z', durationMs: 1500, read: 3, written: 2, rejected: 1 });
    expect(done.error?.code).toBe('SL5021');
    expect((await store.finishRun(await store.startRun(agentFlowKey('h'), { trigger: 'cli' }), { status: 'failed', error: { message: 'm', hint: `use api_token=${TOKEN}` } })).error).toEqual({
      message: 'm',
      hint: 'use api_token=****4567',
    });
    expect(done.error?.message).toContain('api_token=****4567&limit=5');
    expect(JSON.stringify(await store.runs()).toLowerCase()).not.toContain(TOKEN);
  });

  it('snapshots the committed watermarks when a run ends', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00' });
    expect((await store.finishRun(run, { status: 'succeeded' })).watermarks).toEqual({ [SRC]: '2026-01-05T10:00:00.000Z' });
  });

  it('cannot end twice, or commit after the end', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.finishRun(run, { status: 'succeeded' });
    expect((await stateFailure(() => store.finishRun(run, { status: 'failed' }))).code).toBe('SL6012');
    expect((await stateFailure(() => store.commitProgress(run, key, SRC, { watermark: 1 }))).code).toBe('SL6012');
    expect((await store.watermark(key, SRC)).value).toBeNull();
    expect((await stateFailure(() => store.finishRun(999, { status: 'failed' }))).code).toBe('SL6011');
    await expect(store.finishRun(run, { status: 'running' as never })).rejects.toThrow('final status');
  });

  it('refuses a progress commit for another flow\'s run', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await expect(store.commitProgress(run, agentFlowKey('deals'), SRC, { watermark: 1 })).rejects.toThrow('belongs to agent:persons');
    expect((await store.flows()).map((f) => f.key)).toEqual([key]);
  });

  it('lists newest first, by flow and status, with a limit; lastSuccessfulRun gives ~{LastRunTime}~', async () => {
    const { store, key, c } = await setup();
    const other = agentFlowKey('deals');
    const ids: number[] = [];
    for (const status of ['succeeded', 'failed', 'succeeded', 'failed'] as const) {
      const id = await store.startRun(key, { trigger: 'cli' });
      ids.push(id);
      c.advance(1000);
      await store.finishRun(id, { status });
    }
    const o = await store.startRun(other, { trigger: 'agent' });
    await store.finishRun(o, { status: 'succeeded' });
    expect((await store.runs()).map((r) => r.id)).toEqual([o, ...ids.slice().reverse()]);
    expect((await store.runs(key, { limit: 2 })).map((r) => r.id)).toEqual([ids[3], ids[2]]);
    expect((await store.runs(undefined, { status: 'failed' })).map((r) => r.id)).toEqual([ids[3], ids[1]]);
    expect(await store.lastSuccessfulRun(key)).toMatchObject({ id: ids[2], startedAt: '2026-01-05T10:00:02.000Z' });
    expect(await store.lastSuccessfulRun(agentFlowKey('never'))).toBeNull();
  });

  it('refuses a second live run of the same flow; other flows and non-exclusive starts go ahead', async () => {
    const { store, key } = await setup();
    const first = await store.startRun(key, { trigger: 'cli' });
    const err = await stateFailure(() => store.startRun(key, { trigger: 'agent' }));
    expect(err.code).toBe('SL6010');
    expect(err.message).toContain(`run ${first}, pid ${process.pid}`);
    expect(await store.startRun(agentFlowKey('deals'), { trigger: 'cli' })).toBeGreaterThan(first);
    const skipped = await store.recordSkipped(key, { trigger: 'agent', reason: 'still running' });
    expect(await store.run(skipped)).toMatchObject({ status: 'skipped', durationMs: 0, error: { message: 'still running' } });
    await store.finishRun(first, { status: 'succeeded' });
    expect(await store.startRun(key, { trigger: 'agent' })).toBeGreaterThan(skipped);
  });
});

describe(`${backend}: interrupted runs`, () => {
  it('a run whose process died is marked interrupted when the store opens, and keeps its watermark', async () => {
    const { store, key, c, reopen, tamperRun } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1], counts: { read: 5, written: 5 } });
    c.advance(60_000);
    await tamperRun(run, { pid: deadPid() });
    await store.close();

    const again = await reopen();
    const r = (await again.run(run))!;
    expect(r).toMatchObject({ status: 'interrupted', read: 5, written: 5, error: { code: 'SL6016' } });
    // Ended at its last sign of life (the commit), not when someone noticed.
    expect(r.finishedAt).toBe('2026-01-05T10:00:00.000Z');
    expect(await again.watermark(key, SRC)).toMatchObject({ value: '2026-01-05T10:00:00.000Z', boundaryIds: ['1'] });
    // The flow can run again at once.
    expect(await again.startRun(key, { trigger: 'cli' })).toBeGreaterThan(run);
    await again.close();
  });

  it('the same PID in a new process (a restarted container) is not the old run', async () => {
    const { store, key, tamperRun } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await tamperRun(run, { owner: 'an-earlier-process' });
    expect((await store.recoverInterrupted()).map((r) => r.id)).toEqual([run]);
  });

  it('leaves live runs alone: this process\'s, and another host\'s until they go quiet', async () => {
    const { store, key, c, tamperRun } = await setup();
    const mine = await store.startRun(key, { trigger: 'cli' });
    const far = await store.startRun(agentFlowKey('deals'), { trigger: 'agent' });
    await tamperRun(far, { host: 'elsewhere', pid: 1 });
    expect(await store.recoverInterrupted()).toEqual([]);
    c.advance(30 * 60_000);
    await store.heartbeat(far);
    c.advance(45 * 60_000);
    expect(await store.recoverInterrupted()).toEqual([]);
    expect((await store.recoverInterrupted({ staleAfterMs: 10 * 60_000 })).map((r) => r.id)).toEqual([far]);
    expect((await store.run(mine))!.status).toBe('running');
  });

  it('an interrupted run whose process was alive after all can still commit and finish', async () => {
    const { store, key, tamperRun } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await tamperRun(run, { status: 'interrupted' });
    expect((await store.commitProgress(run, key, SRC, { watermark: 7 })).change).toBe('first');
    expect((await store.finishRun(run, { status: 'succeeded' })).status).toBe('succeeded');
  });
});

describe(`${backend}: rejected records`, () => {
  it('are kept whole with their reasons; reasons never hold a token', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    const record = { id: 3, name: 'Ann', sha1: TOKEN, big: 12345678901234567890n, nested: { list: [1, null, 'x'] } };
    await store.reject(run, key, { destination: 'pipedrive.persons', record, recordId: 3, code: 'SL3001', reason: `400 Bad Request: email is invalid (x-api-token: ${TOKEN})` });
    await store.reject(run, key, { destination: 'file', record: null, reason: 'second' });
    const [second, first] = await store.rejected(key);
    expect(second).toMatchObject({ destination: 'file', record: null, reason: 'second', code: null, recordId: null, runId: run });
    expect(first.record).toEqual({ ...record, big: '12345678901234567890' });
    expect(first).toMatchObject({ recordId: '3', code: 'SL3001', destination: 'pipedrive.persons' });
    expect(first.reason).toBe('400 Bad Request: email is invalid (x-api-token: ****4567)');
  });

  it('filter by flow and run, newest first, with a limit; survive the run being interrupted', async () => {
    const { store, key, reopen, tamperRun } = await setup();
    const other = agentFlowKey('deals');
    const r1 = await store.startRun(key, { trigger: 'cli' });
    for (let i = 0; i < 5; i++) await store.reject(r1, key, { destination: 'd', record: { i }, reason: `r${i}` });
    await store.finishRun(r1, { status: 'succeeded' });
    const r2 = await store.startRun(other, { trigger: 'cli' });
    await store.reject(r2, other, { destination: 'd', record: { i: 9 }, reason: 'other' });
    await tamperRun(r2, { pid: deadPid() });
    await store.close();
    const again = await reopen();
    expect((await again.run(r2))!.status).toBe('interrupted');
    expect((await again.rejected(key, { limit: 2 })).map((r) => r.reason)).toEqual(['r4', 'r3']);
    expect((await again.rejected(undefined, { runId: r2 })).map((r) => r.reason)).toEqual(['other']);
    expect((await again.rejected()).length).toBe(6);
    await again.close();
  });
});

describe(`${backend}: reset and flows`, () => {
  it('reset forgets watermarks and boundary ids, keeps history and rejected records', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, 'a', { watermark: 5, boundaryIds: [1, 2] });
    await store.commitProgress(run, key, 'b', { watermark: 6, boundaryIds: [3] });
    await store.reject(run, key, { destination: 'd', record: {}, reason: 'x' });
    await store.finishRun(run, { status: 'succeeded' });
    expect(await store.reset(key)).toEqual({ sources: ['a', 'b'], boundaryIds: 3 });
    expect(await store.watermark(key, 'a')).toMatchObject({ value: null, boundaryIds: [] });
    expect(await store.sources(key)).toEqual([]);
    expect((await store.runs(key)).length).toBe(1);
    expect((await store.rejected(key)).length).toBe(1);
    expect(await store.reset(agentFlowKey('unknown'))).toEqual({ sources: [], boundaryIds: 0 });
  });

  it('reset is refused while the flow runs, unless forced', async () => {
    const { store, key } = await setup();
    const run = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(run, key, SRC, { watermark: 5 });
    expect((await stateFailure(() => store.reset(key))).code).toBe('SL6010');
    expect((await store.watermark(key, SRC)).value).toBe('5');
    expect((await store.reset(key, { force: true })).sources).toEqual([SRC]);
  });

  it('flows() sums up each flow; findFlows resolves what a user types', async () => {
    const dir = tempDir();
    const { store } = await setup();
    const a = flowKey('flows/a.flow', 'persons', dir);
    const b = flowKey('flows/b.flow', 'persons', dir);
    const d = flowKey('flows/b.flow', 'deals', dir);
    const ra = await store.startRun(a, { trigger: 'cli' });
    await store.commitProgress(ra, a, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1, 2] });
    await store.finishRun(ra, { status: 'succeeded', read: 2, written: 2 });
    const rb = await store.startRun(b, { trigger: 'cli' });
    await store.finishRun(rb, { status: 'failed', error: 'boom' });
    await store.startRun(d, { trigger: 'agent' });

    const flows = await store.flows();
    expect(flows.map((f) => [f.name, f.file])).toEqual([
      ['deals', join(dir, 'flows/b.flow')],
      ['persons', join(dir, 'flows/a.flow')],
      ['persons', join(dir, 'flows/b.flow')],
    ]);
    const fa = flows.find((f) => f.key === a)!;
    expect(fa.sources).toEqual([{ source: SRC, value: '2026-01-05T10:00:00.000Z', kind: 'time', boundaryIds: 2, updatedAt: '2026-01-05T10:00:00.000Z', runId: ra }]);
    expect(fa).toMatchObject({ runs: 1, rejected: 0, lastRun: { id: ra, status: 'succeeded' }, lastSuccess: { id: ra } });
    expect(flows.find((f) => f.key === b)).toMatchObject({ lastRun: { status: 'failed' }, lastSuccess: null });

    const keys = async (q: string) => (await store.findFlows(q, dir)).map((f) => f.key);
    expect(await keys('persons')).toEqual([a, b]);
    expect(await keys('flows/a.flow:persons')).toEqual([a]);
    expect(await keys('flows/b.flow#persons')).toEqual([b]);
    expect(await keys('flows/b.flow')).toEqual([d, b]);
    expect(await keys(d)).toEqual([d]);
    expect(await keys('nope')).toEqual([]);
  });
});

describe(`${backend}: webhook registrations and events (store.webhooks)`, () => {
  const reg = { deployment: 'hook', connection: 'pd', baseUrl: 'https://acme.pipedrive.com', remoteId: '7', event: 'create.person', authUser: 'u1', password: 'secret-1', createdAt: '2026-01-05T10:00:00.000Z' };
  const ev = (id: string, entityId: string, at: string, action = 'create') =>
    ({ eventId: id, entity: 'person', entityId, action, occurredAt: at, version: null, origin: 'webhook' as const, payload: { meta: { id }, data: { id: Number(entityId) } } });

  it('keeps a registration, checks its credentials, and forgets it', async () => {
    const { store } = await setup();
    expect(await store.webhooks.registration('hook')).toBeUndefined();
    await store.webhooks.register(reg);
    expect(await store.webhooks.registration('hook')).toMatchObject({ deployment: 'hook', remoteId: '7', event: 'create.person', reconciledUntil: null });
    expect(JSON.stringify(await store.webhooks.registrations())).not.toContain('secret-1');
    expect(await store.webhooks.authorised('hook', 'u1', 'secret-1')).toBe(true);
    expect(await store.webhooks.authorised('hook', 'u1', 'wrong')).toBe(false);
    expect(await store.webhooks.authorised('other', 'u1', 'secret-1')).toBe(false);
    await store.webhooks.setReconciledUntil('hook', '2026-01-05T11:00:00.000Z');
    expect((await store.webhooks.registration('hook'))?.reconciledUntil).toBe('2026-01-05T11:00:00.000Z');
    await store.webhooks.forget('hook');
    expect(await store.webhooks.registrations()).toEqual([]);
  });

  it('keeps each change once, hands out open events oldest first, and never again once done', async () => {
    const { store } = await setup();
    const w = store.webhooks;
    expect(await w.add('hook', ev('e2', '2', '2026-01-05T10:00:02Z'))).toBe(true);
    expect(await w.add('hook', ev('e1', '1', '2026-01-05T10:00:01Z'))).toBe(true);
    // The same delivery again, and the same change under another event id: not kept twice.
    expect(await w.add('hook', ev('e1', '1', '2026-01-05T10:00:01Z'))).toBe(false);
    expect(await w.add('hook', ev('reconcile:create:person:1', '1', '2026-01-05T10:00:01Z'))).toBe(false);
    const open = await w.openAfter('hook', null, 10);
    expect(open.map((e) => e.eventId)).toEqual(['e1', 'e2']);
    const after = await w.openAfter('hook', { occurredAt: open[0].occurredAt, id: open[0].id }, 10);
    expect(after.map((e) => e.eventId)).toEqual(['e2']);
    await w.counted([open[0].id]);
    await w.sending(open[0].id);
    expect(await w.counts('hook')).toEqual({ pending: 1, sending: 1, done: 0 });
    expect((await w.openAfter('hook', null, 10))[0]).toMatchObject({ eventId: 'e1', status: 'sending', attempts: 1 });
    await w.done(open.map((e) => e.id));
    expect(await w.openAfter('hook', null, 10)).toEqual([]);
    expect(await w.hasOpen('hook')).toBe(false);
    expect(await w.counts('hook')).toEqual({ pending: 0, sending: 0, done: 2 });
    expect((await w.recent('hook')).map((e) => e.eventId)).toEqual(['e1', 'e2']);
  });

  it('keeps events across a reopen', async () => {
    const h = await setup();
    await h.store.webhooks.add('hook', ev('e1', '1', '2026-01-05T10:00:01Z'));
    const again = await h.reopen();
    expect(await again.webhooks.hasOpen('hook')).toBe(true);
  });
});
}
