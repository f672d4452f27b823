// Shared by the run tests that need no CLI process: one run of a flow text in this process, the way
// `sluice run` makes it (checked against the stdlib and the saved connections, SQLite state in
// $SLUICE_HOME, the process's HTTP stack), with standard output thrown away.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadRegistry } from '../../../src/apps/index.js';
import { checkSource } from '../../../src/check/check-source.js';
import { stdlibEnv } from '../../../src/check/stdlib-env.js';
import { listConnections } from '../../../src/connections/index.js';
import { createHttpIo } from '../../../src/runtime/http-io.js';
import { runFlow, type RunSummary } from '../../../src/runtime/run-flow.js';
import { SqliteStateStore as StateStore, flowKey } from '../../../src/state/index.js';

const devNull = new Writable({ write: (_chunk, _enc, cb) => cb() });

/** Runs the first flow of `text`, saved as `dir/p.flow`: every call shares the flow's state key. */
export async function runInProcess(dir: string, env: Record<string, string>, text: string): Promise<RunSummary> {
  const checked = checkSource(text, { fileName: 'p.flow', env: stdlibEnv({ connections: listConnections(env) }) });
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !checked.model) throw new Error(`flow does not check: ${JSON.stringify(errors)}`);
  const home = env.SLUICE_HOME;
  const store = StateStore.open(home);
  const controller = new AbortController();
  const http = createHttpIo({ env, signal: controller.signal, home });
  try {
    return await runFlow({
      flow: checked.model.flows[0],
      file: join(dir, 'p.flow'),
      flowKey: flowKey(join(dir, 'p.flow'), 'p'),
      registry: loadRegistry(),
      store,
      http,
      io: { cwd: dir, stdout: devNull, env },
      vars: {},
      dryRun: false,
      trigger: 'cli',
      signal: controller.signal,
    });
  } finally {
    await store.close();
    await http.close();
  }
}
