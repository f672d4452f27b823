// `--state URL` / SLUICE_STATE: where a command keeps its state when it is not $SLUICE_HOME/state.db.
// Only PostgreSQL URLs are state URLs; anything else is refused with the fix (SL6007).
import type { PostgresStateStore } from './store.js';
import { parsePgTarget } from './connect.js';

export async function openStateUrl(url: string, options: { recover?: boolean } = {}): Promise<PostgresStateStore> {
  parsePgTarget(url);
  // pg is loaded only by commands that use it.
  const { PostgresStateStore: Store } = await import('./store.js');
  return Store.open(url, options);
}
