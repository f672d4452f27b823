// Connections of apps other than Pipedrive: their fields are whatever the app definition's
// `connection.fields` declares (a base URL, an API key, OAuth2 client credentials, ...). Each field
// comes, highest first, from `SLUICE_<NAME>_<FIELD>`, the field's own `env` variable, or the saved
// connection's `fields`. Secret fields are held as Secrets and never printed.
import type { AppDef, OptionDef } from '../apps/types.js';
import type { Env } from '../util/paths.js';
import { CONNECTION_ERRORS as E, ConnectionError } from './errors.js';
import { Secret } from './secret.js';
import { connectionsPath, readStore, type StoredConnection } from './store.js';
import { checkConnectionName, envPrefix, isLoopbackHost } from './validate-input.js';
import type { ResolvedConnection } from './resolve.js';

/** A connection field's environment variable: `SLUICE_SHOP_API_KEY` for field `api_key` of `shop`. */
export const fieldEnvVar = (connection: string, field: string): string => `${envPrefix(connection)}_${field.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

const envValue = (env: Env, name: string | undefined): string | undefined => {
  if (!name) return undefined;
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
};

/** Whether this app's connections are described by its definition rather than by Pipedrive's shape. */
export const usesDefinedFields = (app: AppDef): boolean => app.name !== 'pipedrive' && app.connection !== null;

/**
 * Reads a value typed by a field's schema from text (the environment, a command-line flag): numbers
 * and booleans are converted, anything else stays text.
 */
export function fieldValue(def: OptionDef, raw: string): string | number | boolean {
  const t = def.schema.type;
  const types = Array.isArray(t) ? t : t ? [t] : [];
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw.trim());
  if (types.includes('boolean') && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  return raw;
}

/** Checks a URL field: http(s), and plain http only on a loopback address (a local server). */
export function checkServiceUrl(raw: string, where: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new ConnectionError(E.urlMalformed, `${where} is not a URL`, 'Give the whole address, e.g. https://api.example.com/v1.');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConnectionError(E.urlMalformed, `${where} must start with https://`, 'Give the whole address, e.g. https://api.example.com/v1.');
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw new ConnectionError(E.urlNotHttps, `${where} uses http:// on ${u.host}: credentials would travel unencrypted`, 'Use its https:// address (plain http is accepted only on a loopback address such as 127.0.0.1).');
  }
  if (u.username || u.password) throw new ConnectionError(E.urlMalformed, `${where} carries credentials in the URL`, 'Put them in the connection\'s secret fields instead.');
  return u.toString().replace(/\/$/, '');
}

/**
 * The connection `name` of a defined app, with every field resolved. Throws a ConnectionError (with
 * the variables that would supply a missing field) when a required field has no value.
 */
export function resolveAppConnection(name: string | undefined, app: AppDef, env: Env = process.env): ResolvedConnection {
  const n = checkConnectionName(name ?? app.name);
  const saved = savedFor(n, env);
  if (saved && saved.app !== app.name) {
    throw new ConnectionError(E.appMismatch, `connection \`${n}\` is for ${saved.app}, not ${app.name}`, `Name a ${app.name} connection with \`with connection = "NAME"\`; \`sluice connections list\` shows them.`);
  }
  const defs = app.connection?.fields ?? {};
  const given: Record<string, string | number | boolean> = {};
  let fromEnv = false;
  for (const def of Object.values(defs)) {
    const raw = envValue(env, fieldEnvVar(n, def.name)) ?? envValue(env, def.env);
    if (raw !== undefined) fromEnv = true;
    const value = raw !== undefined ? fieldValue(def, raw) : saved?.fields?.[def.name];
    if (value !== undefined) given[def.name] = value;
  }
  if (!saved && !fromEnv) {
    const vars = Object.values(defs).map((d) => fieldEnvVar(n, d.name));
    throw new ConnectionError(E.notFound, `no connection named \`${n}\` for ${app.name}`, `Add it with \`sluice connections add ${app.name}${n === app.name ? '' : ` --name ${n}`}\`, or set ${vars.join(', ')} (for CI).`);
  }
  return connectionFromFields(n, app, given, saved ? { kind: 'file', path: connectionsPath(env) } : { kind: 'env', variable: `${envPrefix(n)}_*` }, saved ? 'file' : 'env');
}

/**
 * A connection of a defined app from field values (saved, from the environment, or being added):
 * defaults applied, required fields checked, URLs checked, secrets wrapped.
 */
export function connectionFromFields(
  n: string,
  app: AppDef,
  given: Readonly<Record<string, string | number | boolean>>,
  tokenSource: ResolvedConnection['tokenSource'],
  origin: ResolvedConnection['origin'],
): ResolvedConnection {
  const defs = app.connection?.fields ?? {};
  const fields: Record<string, string | number | boolean | Secret> = {};
  const missing: OptionDef[] = [];
  for (const def of Object.values(defs)) {
    const value = given[def.name] ?? (def.default as string | number | boolean | undefined);
    if (value === undefined) {
      if (def.required) missing.push(def);
      continue;
    }
    const v = def.schema.format === 'uri' && typeof value === 'string' ? checkServiceUrl(value, `${def.name} of connection \`${n}\``) : value;
    fields[def.name] = def.secret ? new Secret(String(v)) : v;
  }
  if (missing.length) {
    const list = missing.map((d) => `${d.name} (${fieldEnvVar(n, d.name)})`).join(', ');
    throw new ConnectionError(E.tokenMissing, `connection \`${n}\` has no value for ${list}`, origin === 'file' ? `Set the variables, or add the connection again: \`sluice connections add ${app.name} --name ${n} --replace\`.` : `Set ${missing.map((d) => fieldEnvVar(n, d.name)).join(', ')}.`);
  }
  const baseUrl = app.http ? expandTemplate(app.http.baseUrl, fields, app.versions[app.versions.length - 1] ?? '') : '';
  // One fingerprint over every secret: the rate limiter and the lookup cache are per credential.
  const secrets = Object.keys(fields).sort().filter((k) => fields[k] instanceof Secret).map((k) => `${k}=${(fields[k] as Secret).reveal()}`);
  const plan = app.connection?.planField ? fields[app.connection.planField] : undefined;
  return {
    name: n,
    app: app.name,
    baseUrl,
    apiVersion: 'auto',
    token: new Secret(secrets.join('\n')),
    tokenSource,
    origin,
    fields,
    ...(typeof plan === 'string' ? { plan } : {}),
  };
}

/**
 * Fills `{field}` from connection fields (secrets revealed: only for what is sent) and `{version}`.
 * A placeholder without a value is an error naming it.
 */
export function expandTemplate(template: string, fields: Readonly<Record<string, string | number | boolean | Secret>>, version = ''): string {
  return template.replace(/\{([^}]+)\}/g, (_, key: string) => {
    if (key === 'version') return version;
    const v = fields[key];
    if (v === undefined) throw new ConnectionError(E.tokenMissing, `the app definition uses {${key}}, which the connection does not have`, `Add \`${key}\` to the app's connection.fields, or fix the template.`);
    return v instanceof Secret ? v.reveal() : String(v);
  });
}

function savedFor(name: string, env: Env): StoredConnection | undefined {
  const store = readStore(env);
  return Object.hasOwn(store.connections, name) ? store.connections[name] : undefined;
}

/** One field of a saved connection of `app`, or undefined (no such connection, or of another app). */
export function savedField(name: string, app: string, field: string, env: Env = process.env): string | undefined {
  const saved = savedFor(name, env);
  const v = saved && saved.app === app ? saved.fields?.[field] : undefined;
  return v === undefined ? undefined : String(v);
}
