// The shared state-store suite on PostgreSQL: each test in a schema of its own.
import { PostgresStateStore } from '../../src/state/postgres/store.js';
import { PG_URL, freshSchema, pgAvailable } from '../helpers/postgres.js';
import { describeStateBackend } from './backend-suite.js';

describeStateBackend(
  'PostgreSQL',
  {
    async make({ now, foreignStaleMs }) {
      const schema = await freshSchema('scale_state');
      const open = () => PostgresStateStore.open(PG_URL, { schema: schema.name, now, ...(foreignStaleMs ? { foreignStaleMs } : {}) });
      const store = await open();
      return {
        store,
        reopen: open,
        close: async () => {
          await store.close();
          await schema.drop();
        },
      };
    },
    async forgeOwner(store, runId, pid, host) {
      await (store as PostgresStateStore).pool.query('UPDATE runs SET pid = $1, host = $2, owner = $3 WHERE id = $4', [pid, host, 'someone-else', runId]);
    },
  },
  { skip: !pgAvailable },
);
