// Where a PostgreSQL state lives: `--state postgres://user@host:port/db?schema=NAME` (or
// SLUICE_STATE). The schema (default `sluice`) keeps Sluice's tables apart from the application's
// and lets several projects, or parallel tests, share one database. Apart from connect.ts so that
// checking a state URL does not load the PostgreSQL driver: a run on SQLite never needs it.
import { STATE_ERRORS as E, StateError } from '../errors.js';

export const DEFAULT_PG_SCHEMA = 'sluice';
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface PgTarget {
  /** The connection string without the `schema` parameter. */
  url: string;
  schema: string;
  /** `postgres://user@host:port/db#schema`, never the password: for messages. */
  display: string;
}

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** Parses a state URL; a bad one is a user error (SL6007) naming what to write instead. */
export function parsePgTarget(text: string, schemaOverride?: string): PgTarget {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new StateError(E.stateUrlInvalid, 'the state URL is not a valid URL', { hint: 'Write it as postgres://USER@HOST:PORT/DATABASE (the password in PGPASSWORD or ~/.pgpass), optionally with ?schema=NAME.' });
  }
  if (!isPostgresUrl(text)) {
    throw new StateError(E.stateUrlInvalid, `the state URL must start with postgres:// (got ${u.protocol}//...)`, { hint: 'SQLite is the default: leave --state and SLUICE_STATE unset to use $SLUICE_HOME/state.db.' });
  }
  const schema = schemaOverride ?? u.searchParams.get('schema') ?? DEFAULT_PG_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new StateError(E.stateUrlInvalid, `\`${schema}\` is not a schema name Sluice accepts`, { hint: 'Use letters, digits and _ (not starting with a digit), at most 63 characters.' });
  }
  u.searchParams.delete('schema');
  const display = `postgres://${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}#${schema}`;
  return { url: u.toString(), schema, display };
}
