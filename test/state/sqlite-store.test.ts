// The SQLite backend: the shared StateStore behaviour, then what only SQLite has (WAL readers, the
// busy timeout, opening without the write lock).
import { describe, expect, it } from 'vitest';
import { agentFlowKey } from '../../src/state/keys.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { tempDir } from '../helpers/cli.js';
import { clock, freshStore, stateFailure } from './helpers.js';
import { describeStateStore } from './state-store.suite.js';

const SRC = 'pipedrive.persons';

describeStateStore('sqlite', async ({ now }) => {
  const home = tempDir('sluice-state-');
  const store = SqliteStateStore.open(home, { now });
  return {
    store,
    reopen: async () => SqliteStateStore.open(home, { now }),
    tamperRun: async (runId, change) => {
      const sets = Object.entries(change).filter(([, v]) => v !== undefined);
      store.db.prepare(`UPDATE runs SET ${sets.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...sets.map(([, v]) => v), runId);
    },
  };
});

describe('sqlite: two connections (WAL)', () => {
  it('a reader is not blocked by a writer and sees only committed data', async () => {
    const c = clock();
    const { home, store: writer } = freshStore({ now: c.now });
    const reader = SqliteStateStore.open(home, { now: c.now });
    const key = agentFlowKey('persons');
    const run = await writer.startRun(key, { trigger: 'cli' });
    await writer.commitProgress(run, key, SRC, { watermark: 1 });

    writer.db.exec('BEGIN IMMEDIATE');
    await writer.commitProgress(run, key, SRC, { watermark: 2 });
    const t0 = Date.now();
    expect((await reader.watermark(key, SRC)).value).toBe('1');
    expect(Date.now() - t0).toBeLessThan(1000);
    writer.db.exec('COMMIT');
    expect((await reader.watermark(key, SRC)).value).toBe('2');
    await writer.close();
    await reader.close();
  });

  it('a second writer waits for the lock, then says clearly that the database is busy', async () => {
    const c = clock();
    const { home, store: writer } = freshStore({ now: c.now });
    const other = SqliteStateStore.open(home, { now: c.now, busyTimeoutMs: 50 });
    writer.db.exec('BEGIN IMMEDIATE');
    const err = await stateFailure(() => other.startRun(agentFlowKey('deals'), { trigger: 'cli' }));
    expect(err.code).toBe('SL6003');
    writer.db.exec('ROLLBACK');
    expect(await other.startRun(agentFlowKey('deals'), { trigger: 'cli' })).toBeGreaterThan(0);
    await writer.close();
    await other.close();
  });

  it('opening a store to read does not wait for a writer when there is nothing to recover', async () => {
    const { home, store: writer } = freshStore();
    const key = agentFlowKey('persons');
    const run = await writer.startRun(key, { trigger: 'cli' });
    writer.db.exec('BEGIN IMMEDIATE');
    const reader = SqliteStateStore.open(home, { busyTimeoutMs: 50 });
    expect((await reader.runs()).map((r) => r.id)).toEqual([run]);
    await reader.close();
    writer.db.exec('COMMIT');
    await writer.close();
  });
});
