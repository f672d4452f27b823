// Connecting to a PostgreSQL state: the pool and its connection errors. The URL itself is parsed
// in target.ts, which does not load the driver.
import pg from 'pg';
import { STATE_ERRORS as E, StateError } from '../errors.js';
import type { PgTarget } from './target.js';

/** A pool whose connections resolve unqualified table names in the state schema. */
export function statePool(target: PgTarget, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: target.url, max, options: `-c search_path=${target.schema}`, connectionTimeoutMillis: 10_000 });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/** Connection failures as a user error naming the server (never the password). */
export function unreachable(err: unknown, target: PgTarget): unknown {
  const code = String((err as { code?: unknown }).code ?? '');
  if (/^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ECONNRESET|28P01|28000|3D000)$/.test(code) || /timeout|terminated/i.test((err as Error).message ?? '')) {
    return new StateError(E.stateUnreachable, `cannot reach the state database ${target.display} (${code || (err as Error).message})`, {
      hint: 'Check that PostgreSQL runs and accepts this user and database, or leave --state/SLUICE_STATE unset to keep state in SQLite.',
      cause: err,
    });
  }
  return err;
}
