// Saved connections: `$SLUICE_CONFIG_DIR/connections.json`, the only file where a token may be
// written. The folder is 0700 and the file 0600, written atomically (temp file + rename) so that a
// crash never leaves half a file, and with a format version so that a later Sluice can migrate it.
//
// A file that others can read is refused rather than fixed silently, like ssh does with keys: it may
// already have been copied, and the user should know (the message gives the chmod to run).
import { chmodSync, readFileSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { configDir, type Env } from '../util/paths.js';
import { CONNECTION_ERRORS as E, ConnectionError } from './errors.js';
import { API_VERSIONS, isEnvVarName, type ApiVersion } from './validate-input.js';

export const STORE_FORMAT_VERSION = 1;
export const CONNECTIONS_FILE = 'connections.json';
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface StoredConnection {
  app: string;
  /** Normalised company URL (no trailing slash); '' for apps whose connection is `fields`. */
  company_url: string;
  api_version: ApiVersion;
  /** The token itself; absent when it comes from `token_env`. */
  token?: string;
  /** The name of an environment variable holding the token, read at each use. */
  token_env?: string;
  /** Saved with `--allow-insecure`: the URL is a loopback http(s) address (the sandbox). */
  allow_insecure?: boolean;
  /** When the connection was added (ISO 8601). */
  added_at?: string;
  /** The company's rate-limit plan (`lite`, `premium`, ...); unset: learned from the answers' headers. */
  plan?: string;
  /** Seats (users) of the company: the daily token budget is per seat. Unset: 1, the safest reading. */
  seats?: number;
  /** The company's whole daily token budget, when known (top-ups); overrides plan x seats. */
  daily_budget?: number;
  /** Apps other than Pipedrive: the values of the fields their definition declares (secrets too: this file is 0600). */
  fields?: Record<string, string | number | boolean>;
}

export interface StoreFile {
  version: typeof STORE_FORMAT_VERSION;
  connections: Record<string, StoredConnection>;
}

export const emptyStore = (): StoreFile => ({ version: STORE_FORMAT_VERSION, connections: {} });

export const connectionsPath = (env: Env = process.env): string => join(configDir(env), CONNECTIONS_FILE);

const modeString = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0');

/** Throws when the file's mode lets anyone but its owner read or write it. */
function checkFileMode(path: string, mode: number): void {
  if ((mode & 0o077) !== 0) {
    throw new ConnectionError(
      E.fileTooOpen,
      `${path} holds API tokens but other users can access it (mode ${modeString(mode)}); refusing to use it`,
      `Run: chmod 600 '${path}'  (and consider renewing the tokens in it if others may have read them)`,
    );
  }
}

function checkDirMode(path: string, mode: number): void {
  if ((mode & 0o077) !== 0) {
    throw new ConnectionError(
      E.folderTooOpen,
      `the folder ${path} that holds API tokens is open to other users (mode ${modeString(mode)}); refusing to save in it`,
      `Run: chmod 700 '${path}'`,
    );
  }
}

/**
 * Reads the saved connections. A missing file (or folder) is an empty store; a file with loose
 * permissions, bad JSON, an unknown format version or a malformed entry is an error naming the file.
 */
export function readStore(env: Env = process.env): StoreFile {
  const path = connectionsPath(env);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return emptyStore();
    throw new ConnectionError(E.fileUnreadable, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'Check the file and the folder permissions.');
  }
  checkFileMode(path, mode);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConnectionError(E.fileUnreadable, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'Check the file and the folder permissions.');
  }
  return parseStore(text, path);
}

/** Parses and checks the file's content. Messages name entries and fields, never token values. */
export function parseStore(text: string, path = CONNECTIONS_FILE): StoreFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the error, which may be a token.
    throw new ConnectionError(E.fileUnreadable, `${path} is not valid JSON`, `Fix it by hand, or move it away and add the connections again with \`sluice connections add\`.`);
  }
  const bad = (what: string): never => {
    throw new ConnectionError(E.fileUnreadable, `${path}: ${what}`, 'Fix it by hand, or remove the entry and add it again with `sluice connections add`.');
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) bad('expected a JSON object with "version" and "connections"');
  const obj = data as Record<string, unknown>;
  if (typeof obj.version !== 'number') bad('missing the format "version"');
  if (obj.version !== STORE_FORMAT_VERSION) {
    const newer = (obj.version as number) > STORE_FORMAT_VERSION;
    throw new ConnectionError(
      E.fileUnreadable,
      `${path} has format version ${String(obj.version)}, which this Sluice does not know (it reads version ${STORE_FORMAT_VERSION})`,
      newer ? 'It was written by a newer Sluice: upgrade Sluice.' : 'Move the file away and add the connections again.',
    );
  }
  const conns = obj.connections;
  if (typeof conns !== 'object' || conns === null || Array.isArray(conns)) bad('"connections" must be an object of name -> connection');
  // Entries, then fromEntries: assigning `out[name]` would let a `__proto__` key set the prototype.
  const out: [string, StoredConnection][] = [];
  for (const [name, raw] of Object.entries(conns as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(`connection "${name}" must be an object`);
    const c = raw as Record<string, unknown>;
    if (typeof c.app !== 'string') bad(`connection "${name}" has no "app"`);
    if (c.fields !== undefined) {
      const f = c.fields;
      if (typeof f !== 'object' || f === null || Array.isArray(f) || !Object.values(f).every((v) => ['string', 'number', 'boolean'].includes(typeof v))) bad(`connection "${name}": "fields" must be an object of text, numbers and booleans`);
      out.push([name, { app: c.app as string, company_url: '', api_version: 'auto', fields: { ...(f as Record<string, string | number | boolean>) }, ...(typeof c.added_at === 'string' ? { added_at: c.added_at } : {}) }]);
      continue;
    }
    if (typeof c.company_url !== 'string') bad(`connection "${name}" has no "company_url"`);
    if (typeof c.api_version !== 'string' || !(API_VERSIONS as readonly string[]).includes(c.api_version)) bad(`connection "${name}": "api_version" must be "auto", "v1" or "v2"`);
    if (c.token !== undefined && typeof c.token !== 'string') bad(`connection "${name}": "token" must be a string`);
    if (c.token_env !== undefined && (typeof c.token_env !== 'string' || !isEnvVarName(c.token_env))) bad(`connection "${name}": "token_env" must be an environment variable name`);
    if (c.allow_insecure !== undefined && typeof c.allow_insecure !== 'boolean') bad(`connection "${name}": "allow_insecure" must be true or false`);
    for (const k of ['seats', 'daily_budget'] as const) {
      if (c[k] !== undefined && (typeof c[k] !== 'number' || !Number.isSafeInteger(c[k]) || (c[k] as number) < 1)) bad(`connection "${name}": "${k}" must be a whole number of at least 1`);
    }
    if (c.plan !== undefined && (typeof c.plan !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(c.plan))) bad(`connection "${name}": "plan" must be a plan name such as "premium"`);
    out.push([name, {
      app: c.app as string,
      company_url: c.company_url as string,
      api_version: c.api_version as ApiVersion,
      ...(typeof c.token === 'string' ? { token: c.token } : {}),
      ...(typeof c.token_env === 'string' ? { token_env: c.token_env } : {}),
      ...(c.allow_insecure === true ? { allow_insecure: true } : {}),
      ...(typeof c.added_at === 'string' ? { added_at: c.added_at } : {}),
      ...(typeof c.plan === 'string' ? { plan: c.plan } : {}),
      ...(typeof c.seats === 'number' ? { seats: c.seats } : {}),
      ...(typeof c.daily_budget === 'number' ? { daily_budget: c.daily_budget } : {}),
    }]);
  }
  return { version: STORE_FORMAT_VERSION, connections: Object.fromEntries(out) };
}

/**
 * Writes the store: creates the folder 0700 if needed (refusing an existing one that is open to
 * others, rather than chmod-ing a folder we did not make), then replaces the file atomically with
 * mode 0600. The temp file is created 0600 too, so the token is never readable by others, not even
 * for the instant before the rename.
 */
export function writeStore(store: StoreFile, env: Env = process.env): string {
  const dir = configDir(env);
  const path = join(dir, CONNECTIONS_FILE);
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  checkDirMode(dir, statSync(dir).mode);
  // If an existing file is too open, say so instead of quietly replacing it.
  try {
    checkFileMode(path, statSync(path).mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const sorted: StoreFile = { version: STORE_FORMAT_VERSION, connections: Object.fromEntries(Object.entries(store.connections).sort(([a], [b]) => a.localeCompare(b))) };
  writeFileAtomic(path, `${JSON.stringify(sorted, null, 2)}\n`, { mode: FILE_MODE });
  // A umask can only remove bits from 0600; this guards against a file that ends up even narrower
  // (e.g. umask 0277) and then could not be read back by its owner.
  if ((statSync(path).mode & 0o777) !== FILE_MODE) chmodSync(path, FILE_MODE);
  return path;
}

/** Reads, changes and writes the store. */
export function updateStore(env: Env, change: (store: StoreFile) => void): string {
  const store = readStore(env);
  change(store);
  return writeStore(store, env);
}
