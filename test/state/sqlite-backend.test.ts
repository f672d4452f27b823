// The shared state-store suite on the embedded default, SQLite.
import { SqliteStateStore as StateStore } from '../../src/state/sqlite-store.js';
import { tempDir } from '../helpers/cli.js';
import { describeStateBackend } from './backend-suite.js';

describeStateBackend('SQLite', {
  async make({ now, foreignStaleMs }) {
    const home = tempDir('sluice-state-');
    const store = StateStore.open(home, { now, ...(foreignStaleMs ? { foreignStaleMs } : {}) });
    return { store, reopen: async () => StateStore.open(home, { now }), close: async () => store.close() };
  },
  async forgeOwner(store, runId, pid, host) {
    (store as StateStore).db.prepare('UPDATE runs SET pid = ?, host = ?, owner = ? WHERE id = ?').run(pid, host, 'someone-else', runId);
  },
});
