// The API the runtime and the checker use to find a connection's URL, version and token.
//
// A flow names a connection with `with connection = "NAME"`; without it, the connection named like
// the app (`pipedrive`). Each value can come from the saved connection or from the environment, so
// that CI can run flows without any saved file (env-only connections).
//
// Environment variables for a connection NAME (upper-cased, other characters as `_`: `acme-eu` ->
// `SLUICE_ACME_EU_...`):
//   SLUICE_<NAME>_URL             company URL
//   SLUICE_<NAME>_TOKEN           API token
//   SLUICE_<NAME>_API_VERSION     auto, v1 or v2
//   SLUICE_<NAME>_ALLOW_INSECURE  1 to allow a loopback http URL (the sandbox)
// For the default connection these are SLUICE_PIPEDRIVE_URL, SLUICE_PIPEDRIVE_TOKEN, ...
// There is deliberately no app-wide fallback (a SLUICE_PIPEDRIVE_TOKEN applying to every Pipedrive
// connection): a flow copying persons between two companies would then send one company's token to
// the other.
//
// Precedence, highest first (environment over file, like most tools, so CI can override):
//   token:       SLUICE_<NAME>_TOKEN > the variable named by the saved `token_env` > the saved `token`
//   URL:         SLUICE_<NAME>_URL > saved `company_url`
//   API version: SLUICE_<NAME>_API_VERSION > saved `api_version` > auto
//   insecure:    SLUICE_<NAME>_ALLOW_INSECURE=1 or saved `allow_insecure`
// A connection exists when it is saved, or when SLUICE_<NAME>_URL is set (with a token from
// SLUICE_<NAME>_TOKEN).
import type { Env } from '../util/paths.js';
import { closest } from '../util/suggest.js';
import { CONNECTION_ERRORS as E, ConnectionError } from './errors.js';
import { Secret, mask } from './secret.js';
import { connectionsPath, readStore, type StoreFile, type StoredConnection } from './store.js';
import {
  API_VERSIONS,
  DEFAULT_API_VERSION,
  checkConnectionName,
  checkTokenFormat,
  envPrefix,
  normaliseCompanyUrl,
  parseApiVersion,
  type ApiVersion,
} from './validate-input.js';

export type TokenSource = { kind: 'file'; path: string } | { kind: 'env'; variable: string };

export interface ResolvedConnection {
  name: string;
  app: string;
  /** Company URL, normalised, no trailing slash: requests go to `${baseUrl}/api/${apiVersion}/...`. */
  baseUrl: string;
  apiVersion: ApiVersion;
  /** Use `token.reveal()` only to set the request header; `token.fingerprint()` for keys. */
  token: Secret;
  tokenSource: TokenSource;
  /** Whether the connection is saved (values may still be overridden by the environment) or env-only. */
  origin: 'file' | 'env';
  /** The rate-limit plan (`SLUICE_<NAME>_PLAN`, else the saved one); unset: the runtime starts safe. */
  plan?: string;
  /** Seats of the company (`SLUICE_<NAME>_SEATS`, else the saved one): the daily budget is per seat. */
  seats?: number;
  /** The whole daily token budget (`SLUICE_<NAME>_DAILY_BUDGET`, else the saved one). */
  dailyBudget?: number;
  /** Apps whose connection is declared in their definition: every field's value (secrets as Secrets). */
  fields?: Readonly<Record<string, string | number | boolean | Secret>>;
}

export interface ConnectionEnvVars {
  url: string;
  token: string;
  apiVersion: string;
  allowInsecure: string;
  plan: string;
  seats: string;
  dailyBudget: string;
}

export function envVarsFor(name: string): ConnectionEnvVars {
  const p = envPrefix(name);
  return { url: `${p}_URL`, token: `${p}_TOKEN`, apiVersion: `${p}_API_VERSION`, allowInsecure: `${p}_ALLOW_INSECURE`, plan: `${p}_PLAN`, seats: `${p}_SEATS`, dailyBudget: `${p}_DAILY_BUDGET` };
}

export function describeTokenSource(source: TokenSource): string {
  return source.kind === 'file' ? `saved in ${source.path}` : `environment variable ${source.variable}`;
}

/** An empty variable counts as unset: CI systems expand a missing secret to ''. */
const envValue = (env: Env, name: string): string | undefined => {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
};
const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/**
 * The connection a flow uses: `name`, or the connection named like `app` when undefined.
 * Throws a ConnectionError (with a hint) when it is unknown, incomplete or invalid.
 */
export function resolveConnection(name: string | undefined, app: string, env: Env = process.env): ResolvedConnection {
  const n = checkConnectionName(name ?? app);
  const vars = envVarsFor(n);
  const store = readStore(env);
  const saved = savedConnection(store, n);
  if (saved && saved.app !== app) {
    throw new ConnectionError(E.appMismatch, `connection \`${n}\` is for ${saved.app}, not ${app}`, `Name a ${app} connection with \`with connection = "NAME"\`; \`sluice connections list\` shows them.`);
  }
  const envUrl = envValue(env, vars.url);
  if (!saved && !envUrl) {
    if (envValue(env, vars.token)) {
      throw new ConnectionError(E.envIncomplete, `${vars.token} is set but ${vars.url} is not, and no connection \`${n}\` is saved`, `Set ${vars.url} to the company URL (https://COMPANY.pipedrive.com), or save the connection with \`sluice connections add ${app} --name ${n} ...\`.`);
    }
    throw notFoundError(n, app, store);
  }
  const where = (variable: string | undefined) => (variable ? variable : `connection \`${n}\` in ${connectionsPath(env)}`);

  const urlFrom = envUrl ? vars.url : undefined;
  const allowInsecure = truthy(envValue(env, vars.allowInsecure)) || saved?.allow_insecure === true;
  const baseUrl = withContext(where(urlFrom), () => normaliseCompanyUrl(envUrl ?? saved!.company_url, { allowInsecure }).url);

  const envVersion = envValue(env, vars.apiVersion);
  const apiVersion = envVersion ? withContext(vars.apiVersion, () => parseApiVersion(envVersion)) : (saved?.api_version ?? DEFAULT_API_VERSION);

  const { value, source } = findToken(n, saved, vars, env);
  const token = withContext(describeTokenSource(source), () => checkTokenFormat(value, `the API token (${describeTokenSource(source)})`));
  const plan = envValue(env, vars.plan) ?? saved?.plan;
  const seats = wholeNumber(env, vars.seats) ?? saved?.seats;
  const dailyBudget = wholeNumber(env, vars.dailyBudget) ?? saved?.daily_budget;
  return {
    name: n,
    app,
    baseUrl,
    apiVersion,
    token: new Secret(token),
    tokenSource: source,
    origin: saved ? 'file' : 'env',
    ...(plan ? { plan } : {}),
    ...(seats !== undefined ? { seats } : {}),
    ...(dailyBudget !== undefined ? { dailyBudget } : {}),
  };
}

/** A whole number of at least 1 from the environment; an unreadable one is an error naming the variable. */
function wholeNumber(env: Env, variable: string): number | undefined {
  const raw = envValue(env, variable);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new ConnectionError(E.envInvalid, `${variable} must be a whole number of at least 1, not \`${raw.slice(0, 20)}\``, `Unset ${variable}, or give it a number such as 5.`);
  return n;
}

/** Own entries only: a connection named `constructor` must not find Object.prototype's. */
export function savedConnection(store: StoreFile, name: string): StoredConnection | undefined {
  return Object.hasOwn(store.connections, name) ? store.connections[name] : undefined;
}

function findToken(n: string, saved: StoredConnection | undefined, vars: ConnectionEnvVars, env: Env): { value: string; source: TokenSource } {
  const override = envValue(env, vars.token);
  if (override) return { value: override, source: { kind: 'env', variable: vars.token } };
  if (saved?.token_env) {
    const v = envValue(env, saved.token_env);
    if (v) return { value: v, source: { kind: 'env', variable: saved.token_env } };
    throw new ConnectionError(E.tokenEnvUnset, `connection \`${n}\` reads its API token from the environment variable ${saved.token_env}, which is not set`, `Set ${saved.token_env} (or ${vars.token}) before running Sluice.`);
  }
  if (saved?.token) return { value: saved.token, source: { kind: 'file', path: connectionsPath(env) } };
  throw new ConnectionError(
    E.tokenMissing,
    `connection \`${n}\` has no API token`,
    saved ? `Set ${vars.token}, or add the connection again with a token.` : `Set ${vars.token} alongside ${vars.url}.`,
  );
}

/** Re-throws a validation error with where the bad value came from, keeping its code and hint. */
function withContext<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ConnectionError && !err.message.includes(where)) {
      throw new ConnectionError(err.code as never, `${err.message} (${where})`, err.hint);
    }
    throw err;
  }
}

function notFoundError(n: string, app: string, store: StoreFile): ConnectionError {
  const names = Object.keys(store.connections);
  const guess = closest(n, names);
  const vars = envVarsFor(n);
  const known = names.length ? ` Saved: ${names.join(', ')}.` : ' No connections are saved.';
  return new ConnectionError(
    E.notFound,
    `no connection named \`${n}\`${guess ? `; did you mean \`${guess}\`?` : ''}`,
    `Add it with \`sluice connections add ${app} --name ${n} --company-url https://COMPANY.pipedrive.com\`, or set ${vars.url} and ${vars.token} (for CI).${known}`,
  );
}

// ---- Read-only views, for `sluice connections list` and `sluice check` ----

export interface ConnectionInfo {
  name: string;
  app: string;
  /** Effective company URL (environment override applied), as saved or set; undefined if unset. */
  companyUrl?: string;
  apiVersion: ApiVersion;
  origin: 'file' | 'env';
  /** Where the token would come from; `missing` when nothing provides it now. */
  tokenSource: TokenSource | { kind: 'missing'; variable?: string };
  /** `****abcd`, or undefined when there is no token now. */
  tokenMasked?: string;
  allowInsecure: boolean;
  addedAt?: string;
}

function info(name: string, saved: StoredConnection | undefined, app: string, env: Env): ConnectionInfo {
  // Apps other than Pipedrive keep their definition's fields, secrets among them: none is shown here.
  if (saved?.fields) return { name, app: saved.app, apiVersion: DEFAULT_API_VERSION, origin: 'file', tokenSource: { kind: 'file', path: connectionsPath(env) }, allowInsecure: false, ...(saved.added_at ? { addedAt: saved.added_at } : {}) };
  const vars = envVarsFor(name);
  const envVersion = envValue(env, vars.apiVersion);
  let tokenSource: ConnectionInfo['tokenSource'];
  let token: string | undefined;
  const override = envValue(env, vars.token);
  if (override) {
    tokenSource = { kind: 'env', variable: vars.token };
    token = override;
  } else if (saved?.token_env) {
    token = envValue(env, saved.token_env);
    tokenSource = token ? { kind: 'env', variable: saved.token_env } : { kind: 'missing', variable: saved.token_env };
  } else if (saved?.token) {
    tokenSource = { kind: 'file', path: connectionsPath(env) };
    token = saved.token;
  } else {
    tokenSource = { kind: 'missing', variable: vars.token };
  }
  const v = (envVersion ?? saved?.api_version ?? DEFAULT_API_VERSION).toLowerCase().trim();
  return {
    name,
    app: saved?.app ?? app,
    companyUrl: envValue(env, vars.url) ?? saved?.company_url,
    apiVersion: (API_VERSIONS as readonly string[]).includes(v) ? (v as ApiVersion) : DEFAULT_API_VERSION,
    origin: saved ? 'file' : 'env',
    tokenSource,
    ...(token ? { tokenMasked: mask(token) } : {}),
    allowInsecure: truthy(envValue(env, vars.allowInsecure)) || saved?.allow_insecure === true,
    ...(saved?.added_at ? { addedAt: saved.added_at } : {}),
  };
}

/**
 * Every connection: saved ones, plus env-only ones (SLUICE_<NAME>_URL and SLUICE_<NAME>_TOKEN both
 * set, NAME in lower case). Never throws for a missing file; throws a ConnectionError for a file that
 * is unsafe or broken. Tokens appear only masked.
 */
export function listConnections(env: Env = process.env): ConnectionInfo[] {
  const store = readStore(env);
  const out = Object.entries(store.connections).map(([name, saved]) => info(name, saved, saved.app, env));
  const seen = new Set(out.map((c) => envPrefix(c.name)));
  for (const key of Object.keys(env).sort()) {
    const m = /^SLUICE_([A-Z][A-Z0-9_]*)_URL$/.exec(key);
    if (!m || seen.has(`SLUICE_${m[1]}`) || !envValue(env, key) || !envValue(env, `SLUICE_${m[1]}_TOKEN`)) continue;
    const name = m[1].toLowerCase();
    out.push(info(name, undefined, 'pipedrive', env));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** What is known of one connection without needing its token (the checker's view), or undefined. */
export function lookupConnection(name: string, env: Env = process.env): ConnectionInfo | undefined {
  const store = readStore(env);
  const saved = savedConnection(store, name);
  if (saved) return info(name, saved, saved.app, env);
  if (envValue(env, envVarsFor(name).url)) return info(name, undefined, 'pipedrive', env);
  return undefined;
}

/** Whether a flow's `with connection = "NAME"` names something that exists (saved or env). */
export function connectionExists(name: string, env: Env = process.env): boolean {
  return lookupConnection(name, env) !== undefined;
}
