import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateStore, agentFlowKey, flowKey, parseFlowKey } from '../../src/state/store.js';
import { tempDir } from '../helpers/cli.js';
import { clock, deadPid, freshStore, stateFailure } from './helpers.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const SRC = 'pipedrive.persons';

function setup() {
  const c = clock();
  const { home, store } = freshStore({ now: c.now });
  const key = agentFlowKey('persons');
  return { home, store, key, c };
}

describe('flow keys', () => {
  it('are the absolute file path plus the flow name, with symlinks resolved', () => {
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

  it('can be a name the agent gives, and refuse what cannot be a name', () => {
    expect(agentFlowKey('nightly')).toBe('agent:nightly');
    expect(parseFlowKey('agent:nightly')).toEqual({ name: 'nightly', file: null });
    expect(() => agentFlowKey('')).toThrow();
    expect(() => flowKey('x.flow', 'a#b')).toThrow();
    expect(() => parseFlowKey('relative/x.flow#a')).toThrow('not a flow key');
  });
});

describe('watermarks', () => {
  it('is empty for a flow never seen, without recording the flow', () => {
    const { store, key } = setup();
    expect(store.watermark(key, SRC)).toEqual({ value: null, kind: null, boundaryIds: [], updatedAt: null, runId: null });
    expect(store.flows()).toEqual([]);
  });

  it('moves forward only; equal values add boundary ids, newer ones replace them', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    expect(store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1, 2] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'first', boundaryIds: 2 });
    // The same instant written the v2 way: same watermark, ids accumulate (and repeat harmlessly).
    expect(store.commitProgress(run, key, SRC, { watermark: '2026-01-05T10:00:00Z', boundaryIds: [2, 3] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'same', boundaryIds: 3 });
    expect(store.watermark(key, SRC).boundaryIds).toEqual(['1', '2', '3']);
    // Older: nothing changes, not even the ids.
    expect(store.commitProgress(run, key, SRC, { watermark: '2026-01-05 09:00:00', boundaryIds: [9] })).toEqual({ watermark: '2026-01-05T10:00:00.000Z', change: 'kept', boundaryIds: 3 });
    expect(store.watermark(key, SRC).boundaryIds).toEqual(['1', '2', '3']);
    // Newer: the ids are those at the new value only.
    expect(store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:01', boundaryIds: [4] })).toEqual({ watermark: '2026-01-05T10:00:01.000Z', change: 'advanced', boundaryIds: 1 });
    const wm = store.watermark(key, SRC);
    expect(wm).toMatchObject({ value: '2026-01-05T10:00:01.000Z', kind: 'time', boundaryIds: ['4'], runId: run });
  });

  it('commits counts without a watermark (no record had a cursor yet)', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    expect(store.commitProgress(run, key, SRC, { watermark: null, counts: { read: 10, written: 7 } })).toEqual({ watermark: null, change: 'none', boundaryIds: 0 });
    expect(store.run(run)).toMatchObject({ read: 10, written: 7, rejected: 0, status: 'running' });
    expect(store.watermark(key, SRC).value).toBeNull();
  });

  it('keeps sources of one flow apart', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, 'a', { watermark: 5, boundaryIds: ['x'] });
    store.commitProgress(run, key, 'b', { watermark: 3 });
    expect(store.watermark(key, 'a')).toMatchObject({ value: '5', kind: 'number', boundaryIds: ['x'] });
    expect(store.watermark(key, 'b')).toMatchObject({ value: '3', kind: 'number', boundaryIds: [] });
  });

  it('compares numbers as numbers (10 after 9), not as text', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: 9 });
    expect(store.commitProgress(run, key, SRC, { watermark: '10' }).change).toBe('advanced');
    expect(store.commitProgress(run, key, SRC, { watermark: 9 }).change).toBe('kept');
  });

  it('orders by the caller\'s comparator when given one', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    // Versions like "v2" < "v10", which text order gets wrong.
    const byVersion = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1));
    store.commitProgress(run, key, SRC, { watermark: 'v2' }, undefined, { compare: byVersion });
    expect(store.commitProgress(run, key, SRC, { watermark: 'v10' }, undefined, { compare: byVersion }).change).toBe('advanced');
    expect(store.commitProgress(run, key, SRC, { watermark: 'v9' }, undefined, { compare: byVersion }).change).toBe('kept');
    expect(store.watermark(key, SRC)).toMatchObject({ value: 'v10', kind: 'custom' });
  });

  it('refuses a cursor of another kind, leaving the watermark as it was', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1] });
    expect(stateFailure(() => store.commitProgress(run, key, SRC, { watermark: 42, boundaryIds: [2] })).code).toBe('SL6013');
    expect(store.watermark(key, SRC)).toMatchObject({ value: '2026-01-05T10:00:00.000Z', boundaryIds: ['1'] });
  });
});

describe('commitProgress is one transaction', () => {
  function withDestination() {
    const s = setup();
    s.store.db.exec('CREATE TABLE dest (id INTEGER PRIMARY KEY, name TEXT)');
    return s;
  }

  it('commits the caller\'s writes with the watermark', () => {
    const { store, key } = withDestination();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1], counts: { read: 1, written: 1 } }, (db) => {
      db.prepare('INSERT INTO dest VALUES (1, ?)').run('Ann');
    });
    expect(store.db.prepare('SELECT name FROM dest').pluck().all()).toEqual(['Ann']);
    expect(store.watermark(key, SRC).value).toBe('2026-01-05T10:00:00.000Z');
  });

  it('an exception inside extra rolls back the watermark, the ids, the counts and the writes', () => {
    const { store, key } = withDestination();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1], counts: { read: 1, written: 1 } }, (db) => {
      db.prepare('INSERT INTO dest VALUES (1, ?)').run('Ann');
    });
    const boom = new Error('disk full');
    expect(() =>
      store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:05', boundaryIds: [2], counts: { read: 2, written: 2 } }, (db) => {
        db.prepare('INSERT INTO dest VALUES (2, ?)').run('Bob');
        store.reject(run, key, { destination: 'sqlite', record: { id: 3 }, reason: 'bad' });
        throw boom;
      }),
    ).toThrow(boom);
    expect(store.watermark(key, SRC)).toMatchObject({ value: '2026-01-05T10:00:00.000Z', boundaryIds: ['1'] });
    expect(store.db.prepare('SELECT name FROM dest').pluck().all()).toEqual(['Ann']);
    expect(store.run(run)).toMatchObject({ read: 1, written: 1 });
    expect(store.rejected(key)).toEqual([]);
    // The connection is usable afterwards (no transaction left open).
    expect(store.db.inTransaction).toBe(false);
    expect(store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:05', boundaryIds: [2] }).change).toBe('advanced');
  });

  it('a rejection made inside extra is saved with the batch', () => {
    const { store, key } = withDestination();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: 1 }, () => {
      store.reject(run, key, { destination: 'sqlite', record: { id: 3 }, reason: 'no name' });
    });
    expect(store.rejected(key).map((r) => r.reason)).toEqual(['no name']);
  });

  it('refuses asynchronous extra writes (they would land outside the transaction)', () => {
    const { store, key } = withDestination();
    const run = store.startRun(key, { trigger: 'cli' });
    const err = stateFailure(() =>
      store.commitProgress(run, key, SRC, { watermark: 1 }, (async (db: typeof store.db) => {
        db.prepare('INSERT INTO dest VALUES (1, ?)').run('Ann');
      }) as unknown as (db: typeof store.db) => void),
    );
    expect(err.code).toBe('SL6015');
    expect(store.watermark(key, SRC).value).toBeNull();
    expect(store.db.prepare('SELECT COUNT(*) FROM dest').pluck().get()).toBe(0);
  });
});

describe('runs', () => {
  it('records start, end, counts and a token-scrubbed error', () => {
    const { store, key, c } = setup();
    const run = store.startRun(key, { trigger: 'agent', file: '/flows/x.flow' });
    expect(store.run(run)).toMatchObject({ status: 'running', trigger: 'agent', file: '/flows/x.flow', startedAt: '2026-01-05T10:00:00.000Z', finishedAt: null, durationMs: null, pid: process.pid, host: hostname() });
    c.advance(1500);
    const done = store.finishRun(run, {
      status: 'failed',
      read: 3,
      written: 2,
      rejected: 1,
      error: Object.assign(new Error(`401 for https://x.pipedrive.com/api/v1/persons?api_token=${TOKEN}&limit=5 (token ${TOKEN.toUpperCase()})`), { code: 'SL5021' }),
    });
    expect(done).toMatchObject({ status: 'failed', finishedAt: '2026-01-05T10:00:01.500Z', durationMs: 1500, read: 3, written: 2, rejected: 1 });
    expect(done.error?.code).toBe('SL5021');
    expect(store.finishRun(store.startRun(agentFlowKey('h'), { trigger: 'cli' }), { status: 'failed', error: { message: 'm', hint: `use api_token=${TOKEN}` } }).error).toEqual({
      message: 'm',
      hint: 'use api_token=****4567',
    });
    expect(done.error?.message).toContain('api_token=****4567&limit=5');
    expect(JSON.stringify(store.db.prepare('SELECT * FROM runs').all()).toLowerCase()).not.toContain(TOKEN);
  });

  it('snapshots the committed watermarks when a run ends', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00' });
    expect(store.finishRun(run, { status: 'succeeded' }).watermarks).toEqual({ [SRC]: '2026-01-05T10:00:00.000Z' });
  });

  it('cannot end twice, or commit after the end', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.finishRun(run, { status: 'succeeded' });
    expect(stateFailure(() => store.finishRun(run, { status: 'failed' })).code).toBe('SL6012');
    expect(stateFailure(() => store.commitProgress(run, key, SRC, { watermark: 1 })).code).toBe('SL6012');
    expect(store.watermark(key, SRC).value).toBeNull();
    expect(stateFailure(() => store.finishRun(999, { status: 'failed' })).code).toBe('SL6011');
    expect(() => store.finishRun(run, { status: 'running' as never })).toThrow('final status');
  });

  it('refuses a progress commit for another flow\'s run', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    expect(() => store.commitProgress(run, agentFlowKey('deals'), SRC, { watermark: 1 })).toThrow('belongs to agent:persons');
    expect(store.flows().map((f) => f.key)).toEqual([key]);
  });

  it('lists newest first, by flow and status, with a limit; lastSuccessfulRun gives ~{LastRunTime}~', () => {
    const { store, key, c } = setup();
    const other = agentFlowKey('deals');
    const ids: number[] = [];
    for (const status of ['succeeded', 'failed', 'succeeded', 'failed'] as const) {
      const id = store.startRun(key, { trigger: 'cli' });
      ids.push(id);
      c.advance(1000);
      store.finishRun(id, { status });
    }
    const o = store.startRun(other, { trigger: 'agent' });
    store.finishRun(o, { status: 'succeeded' });
    expect(store.runs().map((r) => r.id)).toEqual([o, ...ids.slice().reverse()]);
    expect(store.runs(key, { limit: 2 }).map((r) => r.id)).toEqual([ids[3], ids[2]]);
    expect(store.runs(undefined, { status: 'failed' }).map((r) => r.id)).toEqual([ids[3], ids[1]]);
    expect(store.lastSuccessfulRun(key)).toMatchObject({ id: ids[2], startedAt: '2026-01-05T10:00:02.000Z' });
    expect(store.lastSuccessfulRun(agentFlowKey('never'))).toBeNull();
  });

  it('refuses a second live run of the same flow; other flows and non-exclusive starts go ahead', () => {
    const { store, key } = setup();
    const first = store.startRun(key, { trigger: 'cli' });
    const err = stateFailure(() => store.startRun(key, { trigger: 'agent' }));
    expect(err.code).toBe('SL6010');
    expect(err.message).toContain(`run ${first}, pid ${process.pid}`);
    expect(store.startRun(agentFlowKey('deals'), { trigger: 'cli' })).toBeGreaterThan(first);
    const skipped = store.recordSkipped(key, { trigger: 'agent', reason: 'still running' });
    expect(store.run(skipped)).toMatchObject({ status: 'skipped', durationMs: 0, error: { message: 'still running' } });
    store.finishRun(first, { status: 'succeeded' });
    expect(store.startRun(key, { trigger: 'agent' })).toBeGreaterThan(skipped);
  });
});

describe('interrupted runs', () => {
  it('a run whose process died is marked interrupted when the store opens, and keeps its watermark', () => {
    const c = clock();
    const { home, store } = freshStore({ now: c.now });
    const key = agentFlowKey('persons');
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1], counts: { read: 5, written: 5 } });
    c.advance(60_000);
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), run);
    store.close();

    const again = StateStore.open(home, { now: c.now });
    const r = again.run(run)!;
    expect(r).toMatchObject({ status: 'interrupted', read: 5, written: 5, error: { code: 'SL6016' } });
    // Ended at its last sign of life (the commit), not when someone noticed.
    expect(r.finishedAt).toBe('2026-01-05T10:00:00.000Z');
    expect(again.watermark(key, SRC)).toMatchObject({ value: '2026-01-05T10:00:00.000Z', boundaryIds: ['1'] });
    // The flow can run again at once.
    expect(again.startRun(key, { trigger: 'cli' })).toBeGreaterThan(run);
    again.close();
  });

  it('the same PID in a new process (a restarted container) is not the old run', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.db.prepare(`UPDATE runs SET owner = 'an-earlier-process' WHERE id = ?`).run(run);
    expect(store.recoverInterrupted().map((r) => r.id)).toEqual([run]);
  });

  it('leaves live runs alone: this process\'s, and another host\'s until they go quiet', () => {
    const { store, key, c } = setup();
    const mine = store.startRun(key, { trigger: 'cli' });
    const far = store.startRun(agentFlowKey('deals'), { trigger: 'agent' });
    store.db.prepare(`UPDATE runs SET host = 'elsewhere', pid = 1 WHERE id = ?`).run(far);
    expect(store.recoverInterrupted()).toEqual([]);
    c.advance(30 * 60_000);
    store.heartbeat(far);
    c.advance(45 * 60_000);
    expect(store.recoverInterrupted()).toEqual([]);
    expect(store.recoverInterrupted({ staleAfterMs: 10 * 60_000 }).map((r) => r.id)).toEqual([far]);
    expect(store.run(mine)!.status).toBe('running');
  });

  it('an interrupted run whose process was alive after all can still commit and finish', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(run);
    expect(store.commitProgress(run, key, SRC, { watermark: 7 }).change).toBe('first');
    expect(store.finishRun(run, { status: 'succeeded' }).status).toBe('succeeded');
  });
});

describe('rejected records', () => {
  it('are kept whole with their reasons; reasons never hold a token', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    const record = { id: 3, name: 'Ann', sha1: TOKEN, big: 12345678901234567890n, nested: { list: [1, null, 'x'] } };
    store.reject(run, key, { destination: 'pipedrive.persons', record, recordId: 3, code: 'SL3001', reason: `400 Bad Request: email is invalid (x-api-token: ${TOKEN})` });
    store.reject(run, key, { destination: 'file', record: null, reason: 'second' });
    const [second, first] = store.rejected(key);
    expect(second).toMatchObject({ destination: 'file', record: null, reason: 'second', code: null, recordId: null, runId: run });
    expect(first.record).toEqual({ ...record, big: '12345678901234567890' });
    expect(first).toMatchObject({ recordId: '3', code: 'SL3001', destination: 'pipedrive.persons' });
    expect(first.reason).toBe('400 Bad Request: email is invalid (x-api-token: ****4567)');
  });

  it('filter by flow and run, newest first, with a limit; survive the run being interrupted', () => {
    const { home, store, key, c } = setup();
    const other = agentFlowKey('deals');
    const r1 = store.startRun(key, { trigger: 'cli' });
    for (let i = 0; i < 5; i++) store.reject(r1, key, { destination: 'd', record: { i }, reason: `r${i}` });
    store.finishRun(r1, { status: 'succeeded' });
    const r2 = store.startRun(other, { trigger: 'cli' });
    store.reject(r2, other, { destination: 'd', record: { i: 9 }, reason: 'other' });
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), r2);
    store.close();
    const again = StateStore.open(home, { now: c.now });
    expect(again.run(r2)!.status).toBe('interrupted');
    expect(again.rejected(key, { limit: 2 }).map((r) => r.reason)).toEqual(['r4', 'r3']);
    expect(again.rejected(undefined, { runId: r2 }).map((r) => r.reason)).toEqual(['other']);
    expect(again.rejected().length).toBe(6);
    again.close();
  });
});

describe('reset and flows', () => {
  it('reset forgets watermarks and boundary ids, keeps history and rejected records', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, 'a', { watermark: 5, boundaryIds: [1, 2] });
    store.commitProgress(run, key, 'b', { watermark: 6, boundaryIds: [3] });
    store.reject(run, key, { destination: 'd', record: {}, reason: 'x' });
    store.finishRun(run, { status: 'succeeded' });
    expect(store.reset(key)).toEqual({ sources: ['a', 'b'], boundaryIds: 3 });
    expect(store.watermark(key, 'a')).toMatchObject({ value: null, boundaryIds: [] });
    expect(store.db.prepare('SELECT COUNT(*) FROM boundary_ids').pluck().get()).toBe(0);
    expect(store.runs(key).length).toBe(1);
    expect(store.rejected(key).length).toBe(1);
    expect(store.reset(agentFlowKey('unknown'))).toEqual({ sources: [], boundaryIds: 0 });
  });

  it('reset is refused while the flow runs, unless forced', () => {
    const { store, key } = setup();
    const run = store.startRun(key, { trigger: 'cli' });
    store.commitProgress(run, key, SRC, { watermark: 5 });
    expect(stateFailure(() => store.reset(key)).code).toBe('SL6010');
    expect(store.watermark(key, SRC).value).toBe('5');
    expect(store.reset(key, { force: true }).sources).toEqual([SRC]);
  });

  it('flows() sums up each flow; findFlows resolves what a user types', () => {
    const dir = tempDir();
    const c = clock();
    const { store } = freshStore({ now: c.now });
    const a = flowKey('flows/a.flow', 'persons', dir);
    const b = flowKey('flows/b.flow', 'persons', dir);
    const d = flowKey('flows/b.flow', 'deals', dir);
    const ra = store.startRun(a, { trigger: 'cli' });
    store.commitProgress(ra, a, SRC, { watermark: '2026-01-05 10:00:00', boundaryIds: [1, 2] });
    store.finishRun(ra, { status: 'succeeded', read: 2, written: 2 });
    const rb = store.startRun(b, { trigger: 'cli' });
    store.finishRun(rb, { status: 'failed', error: 'boom' });
    store.startRun(d, { trigger: 'agent' });

    const flows = store.flows();
    expect(flows.map((f) => [f.name, f.file])).toEqual([
      ['deals', join(dir, 'flows/b.flow')],
      ['persons', join(dir, 'flows/a.flow')],
      ['persons', join(dir, 'flows/b.flow')],
    ]);
    const fa = flows.find((f) => f.key === a)!;
    expect(fa.sources).toEqual([{ source: SRC, value: '2026-01-05T10:00:00.000Z', kind: 'time', boundaryIds: 2, updatedAt: '2026-01-05T10:00:00.000Z', runId: ra }]);
    expect(fa).toMatchObject({ runs: 1, rejected: 0, lastRun: { id: ra, status: 'succeeded' }, lastSuccess: { id: ra } });
    expect(flows.find((f) => f.key === b)).toMatchObject({ lastRun: { status: 'failed' }, lastSuccess: null });

    const keys = (q: string) => store.findFlows(q, dir).map((f) => f.key);
    expect(keys('persons')).toEqual([a, b]);
    expect(keys('flows/a.flow:persons')).toEqual([a]);
    expect(keys('flows/b.flow#persons')).toEqual([b]);
    expect(keys('flows/b.flow')).toEqual([d, b]);
    expect(keys(d)).toEqual([d]);
    expect(keys('nope')).toEqual([]);
  });
});

describe('two connections (WAL)', () => {
  it('a reader is not blocked by a writer and sees only committed data', () => {
    const c = clock();
    const { home, store: writer } = freshStore({ now: c.now });
    const reader = StateStore.open(home, { now: c.now });
    const key = agentFlowKey('persons');
    const run = writer.startRun(key, { trigger: 'cli' });
    writer.commitProgress(run, key, SRC, { watermark: 1 });

    writer.db.exec('BEGIN IMMEDIATE');
    writer.commitProgress(run, key, SRC, { watermark: 2 });
    const t0 = Date.now();
    expect(reader.watermark(key, SRC).value).toBe('1');
    expect(Date.now() - t0).toBeLessThan(1000);
    writer.db.exec('COMMIT');
    expect(reader.watermark(key, SRC).value).toBe('2');
    writer.close();
    reader.close();
  });

  it('a second writer waits for the lock, then says clearly that the database is busy', () => {
    const c = clock();
    const { home, store: writer } = freshStore({ now: c.now });
    const other = StateStore.open(home, { now: c.now, busyTimeoutMs: 50 });
    writer.db.exec('BEGIN IMMEDIATE');
    const err = stateFailure(() => other.startRun(agentFlowKey('deals'), { trigger: 'cli' }));
    expect(err.code).toBe('SL6003');
    writer.db.exec('ROLLBACK');
    expect(other.startRun(agentFlowKey('deals'), { trigger: 'cli' })).toBeGreaterThan(0);
    writer.close();
    other.close();
  });

  it('opening a store to read does not wait for a writer when there is nothing to recover', () => {
    const { home, store: writer } = freshStore();
    const key = agentFlowKey('persons');
    const run = writer.startRun(key, { trigger: 'cli' });
    writer.db.exec('BEGIN IMMEDIATE');
    const reader = StateStore.open(home, { busyTimeoutMs: 50 });
    expect(reader.runs().map((r) => r.id)).toEqual([run]);
    reader.close();
    writer.db.exec('COMMIT');
    writer.close();
  });
});
