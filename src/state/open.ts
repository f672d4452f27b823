// Opening a project's state store. Every caller outside src/state opens it here, so the choice of
// backend is made in one place.
import { SqliteStateStore, type StateStoreOptions } from './sqlite-store.js';
import type { StateStore } from './store.js';

/** Opens the state of the project at `home` (`$SLUICE_HOME`), creating and migrating it as needed. */
export async function openStateStore(home: string, options: StateStoreOptions = {}): Promise<StateStore> {
  return SqliteStateStore.open(home, options);
}

/** Opens the state only if it exists (for commands that only read): null otherwise. */
export async function openExistingStateStore(home: string, options: StateStoreOptions = {}): Promise<StateStore | null> {
  return SqliteStateStore.openExisting(home, options);
}
