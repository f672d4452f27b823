// Opening a project's state store. Every caller outside src/state opens it here, so the choice of
// backend is made in one place: SQLite in `$SLUICE_HOME/state.db` (the default), or PostgreSQL
// when a state URL is given (`--state postgres://...` or SLUICE_STATE, see stateUrl).
import { SqliteStateStore, type StateStoreOptions } from './sqlite-store.js';
import type { StateStore } from './store.js';
import { parsePgTarget } from './postgres/target.js';

export interface OpenOptions extends StateStoreOptions {
  /** A PostgreSQL URL: the state lives there instead of `home`. */
  url?: string;
}

/** The state URL of a command: its `--state`, else SLUICE_STATE; undefined for the SQLite default. */
export function stateUrl(flagValue: string | undefined, env: Record<string, string | undefined>): string | undefined {
  return flagValue ?? (env.SLUICE_STATE || undefined);
}

/** Opens the state of the project at `home` (`$SLUICE_HOME`), creating and migrating it as needed. */
export async function openStateStore(home: string, options: OpenOptions = {}): Promise<StateStore> {
  if (options.url) return openPostgres(options.url, options);
  return SqliteStateStore.open(home, options);
}

/** Opens the state only if it exists (for commands that only read): null otherwise. A PostgreSQL state always exists. */
export async function openExistingStateStore(home: string, options: OpenOptions = {}): Promise<StateStore | null> {
  if (options.url) return openPostgres(options.url, options);
  return SqliteStateStore.openExisting(home, options);
}

async function openPostgres(url: string, options: OpenOptions): Promise<StateStore> {
  parsePgTarget(url);
  // pg is loaded only by commands that use it.
  const { PostgresStateStore } = await import('./postgres/store.js');
  return PostgresStateStore.open(url, { ...(options.now ? { now: options.now } : {}), ...(options.recover !== undefined ? { recover: options.recover } : {}), ...(options.foreignStaleMs ? { foreignStaleMs: options.foreignStaleMs } : {}) });
}
