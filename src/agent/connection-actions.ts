// The panel's "Test" and "Remove" on a listed connection: the same checks and request as
// `sluice connections test NAME`, and the same removal as `sluice connections remove NAME`; and
// "Discover": `sluice discover NAME` (the company's custom fields, stored beside the connections). No
// answer and no error carries any part of the token.
import {
  CONNECTION_ERRORS as E,
  ConnectionError,
  checkConnectionName,
  envVarsFor,
  readStore,
  redact,
  resolveConnection,
  savedConnection,
  updateStore,
} from '../connections/index.js';

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry } from '../apps/index.js';
import { discoverSchema } from '../runtime/custom-fields/discover.js';
import { SCHEMAS_DIR, saveSchema, schemasHome } from '../apps/custom-fields.js';
import { ApiClient } from '../runtime/http/index.js';

type Env = Record<string, string | undefined>;

/** Tests a connection as it is now (saved, or from the environment). */
export async function testConnection(env: Env, rawName: string) {
  const name = checkConnectionName(rawName);
  const saved = savedConnection(readStore(env), name);
  const conn = resolveConnection(name, saved?.app ?? 'pipedrive', env);
  try {
    const { probeConnection } = await import('../runtime/probe/connection.js');
    const p = await probeConnection({ baseUrl: conn.baseUrl, apiVersion: conn.apiVersion, token: conn.token });
    const who = p.user.name ?? (p.user.id !== undefined ? `user ${p.user.id}` : 'the user');
    const company = p.company.name ?? p.company.domain ?? 'the company';
    return { name, message: 'Test Connection Successful', reached: `${who} at ${company}`, company_url: conn.baseUrl, api_version: conn.apiVersion };
  } catch (err) {
    if (err instanceof ConnectionError) throw new ConnectionError(err.code as never, redact(err.message, [conn.token]), err.hint && redact(err.hint, [conn.token]));
    throw err;
  }
}

/** Removes a saved connection; one that comes from the environment cannot be removed here. */
export function removeConnection(env: Env, rawName: string) {
  const name = checkConnectionName(rawName);
  const saved = savedConnection(readStore(env), name);
  if (!saved) {
    const vars = envVarsFor(name);
    if (env[vars.url]) throw new ConnectionError(E.notFound, `connection \`${name}\` is not saved: it comes from the environment (${vars.url})`, `Unset ${vars.url} and ${vars.token} where the agent runs to remove it.`);
    throw new ConnectionError(E.notFound, `no saved connection named \`${name}\``, 'The list shows the connections there are.');
  }
  updateStore(env, (s) => {
    delete s.connections[name];
  });
  return { removed: name, app: saved.app, company_url: saved.company_url };
}

/** Reads the company's custom fields and stores them where every flow's check finds them. */
export async function discoverConnection(env: Env, rawName: string) {
  const name = checkConnectionName(rawName);
  const saved = savedConnection(readStore(env), name);
  const app = saved?.app ?? 'pipedrive';
  if (app !== 'pipedrive') throw new ConnectionError(E.notFound, `connection \`${name}\` is for ${app}: only Pipedrive connections have custom fields`);
  const conn = resolveConnection(name, app, env);
  const registry = loadRegistry();
  const schema = await discoverSchema(new ApiClient(registry.app('pipedrive')!, conn), registry);
  const home = schemasHome(env);
  mkdirSync(join(home, SCHEMAS_DIR), { recursive: true, mode: 0o700 });
  const file = saveSchema(home, schema);
  return { connection: name, company_url: schema.companyUrl, read_at: schema.readAt, file, custom_fields: Object.fromEntries(Object.entries(schema.entities).map(([e, s]) => [e, s.custom.length])) };
}
