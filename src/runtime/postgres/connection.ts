// What the PostgreSQL source and destination share: where the connection string comes from, opening
// a client with Sluice's type conversions, and turning pg's errors into SluiceErrors that never
// carry the password (pg's messages do not contain it, but a connection string echoed back in a
// message, or a password that is also a database name, must not leak either).
import type { Client, ClientConfig, DatabaseError } from 'pg';
import { mask } from '../../connections/secret.js';
import { SluiceError } from '../../errors.js';
import type { Value } from '../eval.js';
import { RUNTIME } from '../codes.js';

export const PG_ERROR = {
  /** The server cannot be reached, or refused the login. */
  connect: RUNTIME.pgConnect,
  /** No connection string: neither `url` nor SLUICE_<NAME>_URL. */
  noUrl: RUNTIME.pgNoUrl,
  /** The table is missing (and `create = true` was not given), or a column of the records is. */
  missing: RUNTIME.pgMissing,
  /** `key` has no primary key or unique index to upsert on. */
  noUniqueKey: RUNTIME.pgNoUniqueKey,
  /** Any other error of the database (a query that does not run, lost connection mid-run). */
  query: RUNTIME.pgQuery,
} as const;

/** A connection string, with what may be shown of it. */
export interface PgTarget {
  url: string;
  /** `user@host:port/db`: never the password. */
  display: string;
  /** Strings to scrub from any text shown (the password, raw and URL-decoded). */
  secrets: string[];
}

const envName = (connection: string) => `SLUICE_${connection.toUpperCase().replace(/-/g, '_')}_URL`;

/**
 * The connection string of a flow's source or destination: the `url` option, else the environment
 * variable of the connection (`SLUICE_POSTGRES_URL` for the default connection `postgres`), so that
 * the password can stay out of the flow file.
 */
export function pgTarget(options: { url?: unknown; connection?: unknown }, env: Record<string, string | undefined>): PgTarget {
  const connection = typeof options.connection === 'string' ? options.connection : 'postgres';
  let url = typeof options.url === 'string' && options.url !== '' ? options.url : undefined;
  if (url === undefined) {
    const v = env[envName(connection)];
    if (v) url = v;
  }
  if (url === undefined) {
    throw new SluiceError(RUNTIME.pgNoUrl, `no PostgreSQL connection string for connection \`${connection}\``, {
      hint: `Set ${envName(connection)}=postgres://user:password@host:5432/db (keeps the password out of the flow), or give \`url = env("NAME")\`.`,
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not the text itself: it may hold a password.
    throw new SluiceError(RUNTIME.pgNoUrl, `the PostgreSQL connection string of connection \`${connection}\` is not a URL`, { hint: 'Write it as postgres://user:password@host:5432/db.' });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new SluiceError(RUNTIME.pgNoUrl, `the PostgreSQL connection string of connection \`${connection}\` must start with postgres:// (found ${parsed.protocol}//)`);
  }
  const secrets = parsed.password ? [parsed.password, safeDecode(parsed.password)] : [];
  const display = `${parsed.username ? `${safeDecode(parsed.username)}@` : ''}${parsed.host}${parsed.pathname}`;
  return { url, display, secrets: [...new Set(secrets)].filter((s) => s.length > 0) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `text` with every occurrence of the target's password masked. */
export function scrub(text: string, target: PgTarget): string {
  let out = text;
  for (const s of target.secrets) out = out.split(s).join(mask(s));
  return out;
}

// Values as records carry them (JSON): timestamps as ISO 8601 text in UTC (a watermark compares
// them as times), bigint as a number when it is exact, numeric as a number.
const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const DATE = 1082;

function isoOrText(d: Date, text: string): string {
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

const PARSERS: Record<number, (text: string) => unknown> = {
  [INT8]: (t) => (Number.isSafeInteger(Number(t)) ? Number(t) : t),
  [NUMERIC]: (t) => (Number.isFinite(Number(t)) ? Number(t) : t),
  // A timestamp without a zone is taken as UTC, the way Sluice writes them.
  [TIMESTAMP]: (t) => isoOrText(new Date(`${t.replace(' ', 'T')}Z`), t),
  [TIMESTAMPTZ]: (t) => isoOrText(new Date(t.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')), t),
  [DATE]: (t) => t,
};

/** Opens a client: pg is loaded only by flows that use PostgreSQL. */
export async function openClient(target: PgTarget): Promise<Client> {
  const pg = (await import('pg')).default;
  const config: ClientConfig = {
    connectionString: target.url,
    types: {
      getTypeParser: ((oid: number, format?: string) => PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as never,
    },
    connectionTimeoutMillis: 15_000,
    application_name: 'sluice',
  };
  const client = new pg.Client(config);
  // An idle client whose server goes away emits 'error'; without a listener that would crash the
  // process instead of failing the next query.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw pgError(err, target, RUNTIME.pgConnect, `cannot connect to PostgreSQL at ${target.display}`);
  }
  return client;
}

/** A pg error as a SluiceError: its SQLSTATE and message, scrubbed; never its `cause` (it holds the config). */
export function pgError(err: unknown, target: PgTarget, code: string, what: string, hint?: string): SluiceError {
  if (err instanceof SluiceError) return err;
  const e = err as Partial<DatabaseError> & { code?: string; message?: string };
  const state = typeof e.code === 'string' ? ` [${e.code}]` : '';
  const detail = typeof e.message === 'string' && e.message ? `: ${e.message}` : '';
  return new SluiceError(code, scrub(`${what}${detail}${state}`, target), hint ? { hint } : {});
}

/** SQLSTATE classes of errors caused by the data of a record, not by the database or the statement. */
export function isDataError(err: unknown): boolean {
  const c = (err as { code?: unknown }).code;
  // 22: data exception (bad value, out of range); 23: integrity constraint violation.
  return typeof c === 'string' && (c.startsWith('22') || c.startsWith('23'));
}

/** `"schema"."table"` from `schema.table` or `table` (names were checked against the option's pattern). */
export function quoteName(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A row as a record: Buffers (bytea) as `\x...` hex, Dates (from custom types) as ISO text. */
export function rowToRecord(row: Record<string, unknown>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(row)) out[k] = toValue(v);
  return out;
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return v.map(toValue);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'object') {
    const o: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = toValue(x);
    return o;
  }
  return v as Value;
}
