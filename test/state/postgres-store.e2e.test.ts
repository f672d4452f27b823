// The shared StateStore suite on the PostgreSQL backend: each test in a schema of its own.
import { afterAll, describe, it } from 'vitest';
import { PostgresStateStore } from '../../src/state/postgres/store.js';
import { PG_URL, freshSchema, pgAvailable } from '../helpers/postgres.js';
import { describeStateStore } from './state-store.suite.js';

const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops.splice(0)) await d();
});

if (pgAvailable) {
  describeStateStore('postgres', async ({ now }) => {
    const schema = await freshSchema('scale_suite');
    drops.push(schema.drop);
    const store = await PostgresStateStore.open(PG_URL, { schema: schema.name, now });
    const opened: PostgresStateStore[] = [store];
    drops.push(async () => {
      for (const s of opened) await s.close();
    });
    return {
      store,
      reopen: async () => {
        const again = await PostgresStateStore.open(PG_URL, { schema: schema.name, now });
        opened.push(again);
        return again;
      },
      tamperRun: async (runId, change) => {
        const sets = Object.entries(change).filter(([, v]) => v !== undefined);
        await store.pool.query(`UPDATE runs SET ${sets.map(([k], i) => `${k} = $${i + 1}`).join(', ')} WHERE id = $${sets.length + 1}`, [...sets.map(([, v]) => v), runId]);
      },
    };
  });
} else {
  describe.skip('postgres: the shared StateStore suite (PostgreSQL unreachable)', () => it('skipped', () => {}));
}
