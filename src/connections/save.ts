// Saving a connection: the one way `sluice connections add` and the agent's panel ("Save") write
// connections.json, so that both keep the same fields (the token or the variable holding it, the
// plan, seats and daily budget that pace requests).
import { CONNECTION_ERRORS as E, ConnectionError } from './errors.js';
import type { Secret } from './secret.js';
import { savedConnection } from './resolve.js';
import { updateStore, type StoredConnection } from './store.js';
import type { Env } from '../util/paths.js';
import type { ApiVersion } from './validate-input.js';

export interface ConnectionToSave {
  name: string;
  app: string;
  /** The normalised company URL, and whether it is a loopback http(s) address (saved as allowed). */
  url: { url: string; loopback: boolean };
  apiVersion: ApiVersion;
  /** The token itself, or `tokenEnv`: the variable that holds it, read at each use. */
  token?: Secret;
  tokenEnv?: string;
  plan?: string;
  seats?: number;
  dailyBudget?: number;
  /** Replace a connection of that name; otherwise one already saved is an error (SL5044). */
  replace: boolean;
  /** How the caller replaces one (a flag, a checkbox), for the error's hint. */
  replaceHint: string;
}

/** Writes the connection (atomically, mode 0600); returns the file and what was stored. */
export function saveConnection(env: Env, c: ConnectionToSave, now: Date = new Date()): { path: string; entry: StoredConnection } {
  if (!c.token && !c.tokenEnv) throw new ConnectionError(E.tokenMissing, `no API token for \`${c.name}\``, 'Give the token, or the environment variable that holds it.');
  const entry: StoredConnection = {
    app: c.app,
    company_url: c.url.url,
    api_version: c.apiVersion,
    ...(c.tokenEnv ? { token_env: c.tokenEnv } : { token: c.token!.reveal() }),
    ...(c.url.loopback ? { allow_insecure: true } : {}),
    added_at: now.toISOString(),
    ...(c.plan !== undefined ? { plan: c.plan } : {}),
    ...(c.seats !== undefined ? { seats: c.seats } : {}),
    ...(c.dailyBudget !== undefined ? { daily_budget: c.dailyBudget } : {}),
  };
  const path = updateStore(env, (store) => {
    // Checked on the file as read for this write (the caller's earlier check may be stale).
    const existing = savedConnection(store, c.name);
    if (existing && !c.replace) throw alreadySaved(c.name, existing.company_url, c.replaceHint);
    store.connections[c.name] = entry;
  });
  return { path, entry };
}

export function alreadySaved(name: string, url: string, replaceHint: string): ConnectionError {
  return new ConnectionError(E.alreadyExists, `a connection named \`${name}\` is already saved (${url})`, replaceHint);
}
