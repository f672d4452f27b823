// The panel's "Test" and "Remove" on a listed connection: the same checks and request as
// `sluice connections test NAME`, and the same removal as `sluice connections remove NAME`. No
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

type Env = Record<string, string | undefined>;

/** Tests a connection as it is now (saved, or from the environment). */
export async function testConnection(env: Env, rawName: string) {
  const name = checkConnectionName(rawName);
  const saved = savedConnection(readStore(env), name);
  const conn = resolveConnection(name, saved?.app ?? 'pipedrive', env);
  try {
    const { probeConnection } = await import('../connections/probe.js');
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
