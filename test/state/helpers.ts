// Shared by the state tests: fresh stores in temp folders, a controllable clock, a dead PID.
import { spawnSync } from 'node:child_process';
import { SqliteStateStore, type StateStoreOptions } from '../../src/state/sqlite-store.js';
import { StateError } from '../../src/state/errors.js';
import { tempDir } from '../helpers/cli.js';

export function clock(start = '2026-01-05T10:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

export function freshStore(options: StateStoreOptions = {}): { home: string; store: SqliteStateStore } {
  const home = tempDir('sluice-state-');
  return { home, store: SqliteStateStore.open(home, options) };
}

/** The PID of a process that has exited (PIDs are not reused that quickly). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** The StateError that `f` fails with (a throw or a rejected promise). */
export async function stateFailure(f: () => unknown): Promise<StateError> {
  try {
    await f();
  } catch (err) {
    if (!(err instanceof StateError)) throw err;
    return err;
  }
  throw new Error('expected a StateError');
}
