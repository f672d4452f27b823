// What several processes sharing one state need of every backend, beside state-store.suite.ts: the
// same state seen from a second handle, and two handles racing to start a flow or move a watermark. Each backend file calls describeStateBackend with a factory
// that gives a fresh, empty store and the clock it reads.
import { describe, expect, it } from 'vitest';
import { StateError } from '../../src/state/errors.js';
import { agentFlowKey, projectFlowKey, type FlowKey } from '../../src/state/keys.js';
import { clock, deadPid } from './helpers.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the suite needs of a backend: a fresh store on a given clock, and a second handle on the same state. */
export interface BackendFactory {
  make(options: { now: () => Date; foreignStaleMs?: number }): Promise<{ store: Any; reopen: () => Promise<Any>; close: () => Promise<void> }>;
  /** Sets a run's pid/host/owner as another process would have left it. */
  forgeOwner(store: Any, runId: number, pid: number, host: string): Promise<void>;
}

const SRC = 'pipedrive.persons';

async function failure(f: () => unknown): Promise<StateError> {
  try {
    await f();
  } catch (err) {
    if (!(err instanceof StateError)) throw err;
    return err;
  }
  throw new Error('expected a StateError');
}

export function describeStateBackend(name: string, factory: BackendFactory, options: { skip?: boolean } = {}): void {
  const d = options.skip ? describe.skip : describe;
  d(`state store on ${name}`, () => {
    async function setup(foreignStaleMs?: number) {
      const c = clock();
      const made = await factory.make({ now: c.now, ...(foreignStaleMs ? { foreignStaleMs } : {}) });
      return { ...made, c, key: projectFlowKey('persons') as FlowKey };
    }

    it('watermarks move forward only; equal values add boundary ids, newer ones replace them', async () => {
      const { store, key, close } = await setup();
      try {
        expect(await store.watermark(key, SRC)).toEqual({ value: null, kind: null, boundaryIds: [], updatedAt: null, runId: null });
        const run = await store.startRun(key, { trigger: 'cli' });
        expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1, 2] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'first', boundaryIds: 2 });
        expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05T10:00:00Z', boundaryIds: [2, 3] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'same', boundaryIds: 3 });
        expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 09:00:00', boundaryIds: [9] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'kept', boundaryIds: 3 });
        expect((await store.watermark(key, SRC)).boundaryIds).toEqual(['1', '2', '3']);
        expect(await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:01', boundaryIds: [4] })).toEqual({ watermark: '2026-01-05T10:00:01.000Z', change: 'advanced', boundaryIds: 1 });
        expect(await store.watermark(key, SRC)).toMatchObject({ value: '2026-01-05T10:00:01.000Z', kind: 'time', boundaryIds: ['4'], runId: run });
        // Numbers compare as numbers, a custom comparator as itself; another kind is refused.
        await store.commitProgress(run, key, 'n', { watermark: 9 });
        expect((await store.commitProgress(run, key, 'n', { watermark: '10' })).change).toBe('advanced');
        const byVersion = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1));
        await store.commitProgress(run, key, 'v', { watermark: 'v2' }, { compare: byVersion });
        expect((await store.commitProgress(run, key, 'v', { watermark: 'v10' }, { compare: byVersion })).change).toBe('advanced');
        expect((await failure(async () => store.commitProgress(run, key, SRC, { watermark: 42 }))).code).toBe('SL6013');
        expect((await store.sources(key)).map((s: { source: string; boundaryIds: number }) => [s.source, s.boundaryIds])).toEqual([['n', 0], [SRC, 1], ['v', 0]]);
      } finally {
        await close();
      }
    });

    it('keeps `sending:` marks beside boundary ids until the watermark moves past them', async () => {
      const { store, key, close, reopen } = await setup();
      try {
        const run = await store.startRun(key, { trigger: 'agent' });
        await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: ['sending:7'] });
        await store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: ['7'] });
        expect((await store.watermark(key, SRC)).boundaryIds).toEqual(['7', 'sending:7']);
        await store.finishRun(run, { status: 'failed', error: 'boom' });
        // What a run left stays for the next one to see, from another handle (another worker) too.
        const other = await reopen();
        expect((await other.watermark(key, SRC)).boundaryIds).toEqual(['7', 'sending:7']);
        await other.close();
      } finally {
        await close();
      }
    });

    it('records runs with counts, a scrubbed error and the watermarks at the end; refuses a second live run', async () => {
      const { store, key, close, c } = await setup();
      try {
        const run = await store.startRun(key, { trigger: 'cli', file: '/tmp/x.flow' });
        expect((await failure(async () => store.startRun(key, { trigger: 'agent' }))).code).toBe('SL6010');
        await store.commitProgress(run, key, SRC, { watermark: 5, counts: { read: 3, written: 2, rejected: 1 } });
        c.advance(1500);
        const done = await store.finishRun(run, { status: 'failed', error: new Error('api_token=0123456789abcdef0123456789abcdef01234567 refused') });
        expect(done).toMatchObject({ status: 'failed', read: 3, written: 2, rejected: 1, durationMs: 1500, watermarks: { [SRC]: '5' }, file: '/tmp/x.flow', trigger: 'cli' });
        expect(done.error.message).not.toContain('0123456789abcdef');
        expect((await failure(async () => store.finishRun(run, { status: 'succeeded' }))).code).toBe('SL6012');
        expect((await failure(async () => store.commitProgress(run, key, SRC, { watermark: 6 }))).code).toBe('SL6012');
        const skipped = await store.recordSkipped(key, { trigger: 'agent', reason: 'still running' });
        const ok = await store.startRun(key, { trigger: 'agent' });
        await store.finishRun(ok, { status: 'succeeded' });
        expect((await store.runs(key)).map((r: { id: number; status: string }) => [r.id, r.status])).toEqual([[ok, 'succeeded'], [skipped, 'skipped'], [run, 'failed']]);
        expect((await store.lastSuccessfulRun(key)).id).toBe(ok);
        expect((await store.runs(undefined, { status: 'skipped' })).length).toBe(1);
        expect((await failure(async () => store.finishRun(99999, { status: 'succeeded' }))).code).toBe('SL6011');
      } finally {
        await close();
      }
    });

    it('marks runs of dead processes interrupted, and lets the flow run again', async () => {
      const { store, key, close } = await setup();
      try {
        const run = await store.startRun(key, { trigger: 'agent' });
        await factory.forgeOwner(store, run, deadPid(), (await import('node:os')).hostname());
        const marked = await store.recoverInterrupted();
        expect(marked.map((r: { id: number }) => r.id)).toEqual([run]);
        expect((await store.run(run)).error.code).toBe('SL6016');
        const next = await store.startRun(key, { trigger: 'agent' });
        expect(next).toBeGreaterThan(run);
      } finally {
        await close();
      }
    });

    it('treats a run of another host as alive until it is silent for the stale time', async () => {
      const { store, key, close, c } = await setup(60_000);
      try {
        const run = await store.startRun(key, { trigger: 'agent' });
        await factory.forgeOwner(store, run, 4242, 'some-other-host');
        expect((await failure(async () => store.startRun(key, { trigger: 'agent' }))).code).toBe('SL6010');
        c.advance(61_000);
        expect((await store.recoverInterrupted()).map((r: { id: number }) => r.id)).toEqual([run]);
      } finally {
        await close();
      }
    });

    it('keeps rejected records with their source, scrubbed reasons; updates and removes them', async () => {
      const { store, key, close } = await setup();
      try {
        const run = await store.startRun(key, { trigger: 'cli' });
        const a = await store.reject(run, key, { destination: 'pipedrive.leads', record: { title: 'x', n: 1 }, source: { id: 1 }, reason: 'bad Authorization: Bearer abc', code: 'SL5001', recordId: 1 });
        const b = await store.reject(null, key, { destination: 'file', record: null, reason: 'why' });
        const c = await store.reject(run, key, { destination: 'file', record: { n: 2 }, source: { id: 2, name: 'B' }, sourceFields: ['id', 'name'], reason: 'read in part' });
        const list = await store.rejected(key);
        expect(list.map((r: { id: number }) => r.id)).toEqual([c, b, a]);
        expect(list[0]).toMatchObject({ source: { id: 2, name: 'B' }, sourceFields: ['id', 'name'] });
        expect(list[1]).toMatchObject({ source: null, sourceFields: null });
        await store.removeRejected([c]);
        list.shift();
        expect(list[1]).toMatchObject({ flowKey: key, runId: run, destination: 'pipedrive.leads', recordId: '1', record: { title: 'x', n: 1 }, source: { id: 1 }, sourceFields: null, code: 'SL5001' });
        expect(list[1].reason).not.toContain('abc');
        await store.updateRejected(a, { reason: 'again', code: null });
        expect((await store.rejected(key, { runId: run }))[0]).toMatchObject({ reason: 'again', code: null });
        expect(await store.removeRejected([a, b, 12345])).toBe(2);
        expect(await store.rejected()).toEqual([]);
      } finally {
        await close();
      }
    });

    it('claimFlow adopts a legacy key (later watermark wins, runs and rejected move) and refuses a second file', async () => {
      const { store, key, close } = await setup();
      try {
        const legacy = agentFlowKey('persons');
        const old = await store.startRun(legacy, { trigger: 'agent' });
        await store.commitProgress(old, legacy, SRC, { watermark: 7, boundaryIds: ['a'] });
        await store.reject(old, legacy, { destination: 'x', record: 1, reason: 'r' });
        await store.finishRun(old, { status: 'succeeded' });
        const now = await store.startRun(key, { trigger: 'cli' });
        await store.commitProgress(now, key, SRC, { watermark: 7, boundaryIds: ['b'] });
        await store.finishRun(now, { status: 'succeeded' });
        expect(await store.claimFlow(key, { legacyKeys: [legacy] })).toEqual({ adopted: [legacy] });
        expect(await store.hasFlow(legacy)).toBe(false);
        expect((await store.watermark(key, SRC)).boundaryIds).toEqual(['a', 'b']);
        expect((await store.runs(key)).length).toBe(2);
        expect((await store.rejected(key)).length).toBe(1);
        const { mkdtempSync, writeFileSync } = await import('node:fs');
        const dir = mkdtempSync('/tmp/sluice-claim-');
        writeFileSync(`${dir}/a.flow`, '');
        writeFileSync(`${dir}/b.flow`, '');
        await store.claimFlow(key, { file: `${dir}/a.flow` });
        expect((await failure(async () => store.claimFlow(key, { file: `${dir}/b.flow` }))).code).toBe('SL6022');
        expect((await store.findFlows('persons')).map((f: { key: string }) => f.key)).toEqual([key]);
        expect((await store.findFlows(`${dir}/a.flow`)).length).toBe(1);
        const [summary] = await store.flows();
        expect(summary).toMatchObject({ key, name: 'persons', runs: 2, rejected: 1, lastSuccess: { id: now } });
      } finally {
        await close();
      }
    });

    it('reset forgets the watermarks (refused while a live run goes on) and keeps the history', async () => {
      const { store, key, close } = await setup();
      try {
        const run = await store.startRun(key, { trigger: 'cli' });
        await store.commitProgress(run, key, SRC, { watermark: 3, boundaryIds: [1, 2] });
        expect((await failure(async () => store.reset(key))).code).toBe('SL6010');
        await store.finishRun(run, { status: 'succeeded' });
        expect(await store.reset(key)).toEqual({ sources: [SRC], boundaryIds: 2 });
        expect((await store.watermark(key, SRC)).value).toBeNull();
        expect((await store.runs(key)).length).toBe(1);
      } finally {
        await close();
      }
    });

    it('two handles racing to start the same flow: exactly one run starts; racing commits keep the largest watermark', async () => {
      const { store, key, close, reopen } = await setup();
      const other = await reopen();
      try {
        const results = await Promise.allSettled([store, other].map(async (s) => s.startRun(key, { trigger: 'agent' })));
        expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
        expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as StateError).code)).toEqual(['SL6010']);
        const run = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<number>).value;
        const values = Array.from({ length: 20 }, (_, i) => (i * 7) % 20);
        await Promise.all(values.map(async (v, i) => (i % 2 ? store : other).commitProgress(run, key, SRC, { watermark: v, boundaryIds: [`${v}`] })));
        expect(await store.watermark(key, SRC)).toMatchObject({ value: '19', boundaryIds: ['19'] });
      } finally {
        await other.close?.();
        await close();
      }
    });
  });
}
