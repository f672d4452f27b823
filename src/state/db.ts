// Opening `$SLUICE_HOME/state.db` and keeping its schema current.
//
// The schema is a list of migrations that only ever grows: a released migration is never edited,
// a change is a new entry at the end. `PRAGMA user_version` holds the number of migrations applied
// (SQLite keeps it in the file header, so reading it needs no table), and `schema_migrations`
// keeps which ones and when, so that a database can be diagnosed after the fact. A database whose
// version is higher than the list is refused: an older Sluice writing to a newer schema could
// silently break it (a column it does not know would be left empty).
//
// Connection settings, and why:
// - WAL: `sluice state show` and the agent's status page read while a run writes, without blocking
//   it or being blocked.
// - synchronous = FULL: the watermark is the promise that records up to it are written; with NORMAL
//   a power cut could lose the last commits of the state while the destination (a renamed file, a
//   remote API) kept them, and the rerun would then repeat them into append-only destinations.
//   State commits are per batch, not per record, so the cost is small.
// - busy_timeout: two Sluice processes (a CLI run beside the agent) take turns instead of failing.
// - foreign_keys: SQLite leaves them off by default, per connection.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_ERRORS as E, StateError } from './errors.js';
import { ensureHome } from './home.js';
import { migrationsFor } from './migrations.js';

export { ensureHome };

export type SqliteDatabase = Database.Database;

export const STATE_DB_FILE = 'state.db';
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface Migration {
  /** 1, 2, 3, ...: its position in MIGRATIONS. */
  version: number;
  /** A short stable name, recorded in schema_migrations. */
  name: string;
  /** SQL run inside the migration's transaction, or a function for migrations that need code. */
  up: string | ((db: SqliteDatabase) => void);
}

/** The schema in SQLite's dialect (the list itself is in migrations.ts, shared with PostgreSQL). */
export const MIGRATIONS: readonly Migration[] = migrationsFor('sqlite');

export const SCHEMA_VERSION = MIGRATIONS.length;

export const stateDbPath = (home: string): string => join(home, STATE_DB_FILE);

export interface OpenStateDbOptions {
  /** Create the folder and the database when missing (default true). False: return null instead. */
  create?: boolean;
  busyTimeoutMs?: number;
  /** For tests of the migration machinery; the real list otherwise. */
  migrations?: readonly Migration[];
}

/** Opens (creating and migrating as needed) the state database, or null when absent and `create` is false. */
export function openStateDb(home: string, options: OpenStateDbOptions = {}): SqliteDatabase | null {
  const path = stateDbPath(home);
  if (options.create === false && !existsSync(path)) return null;
  ensureHome(home);
  precreate(path);
  let db: SqliteDatabase;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (err) {
    throw translate(err, path);
  }
  try {
    // Switching a new database to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once
    // there instead of waiting out busy_timeout: two processes starting together (an agent and a
    // run on a fresh $SLUICE_HOME) would fail. So this step waits and tries again itself.
    retryWhileBusy(() => db.pragma('journal_mode = WAL'), options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS, path);
    return db;
  } catch (err) {
    db.close();
    throw err instanceof StateError ? err : translate(err, path);
  }
}

function retryWhileBusy(fn: () => unknown, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      fn();
      return;
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      if (!code.startsWith('SQLITE_BUSY') || Date.now() + delay > deadline) throw err;
      // Opening is synchronous (better-sqlite3), so the wait is too.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
    }
  }
}

/** Creates the database file with mode 0600 before SQLite does (it would use 0644); its -wal and -shm copy the mode. */
function precreate(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw translate(err, path);
  }
}

export const schemaVersion = (db: SqliteDatabase): number => db.pragma('user_version', { simple: true }) as number;

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

/**
 * Brings the schema up to the last migration. Each migration runs in its own IMMEDIATE transaction
 * and the version is read again inside it, so that two processes opening a new database at the same
 * moment apply each migration once (the second waits on the lock, then finds nothing to do).
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS, path = db.name): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: entry ${i + 1} has version ${m.version}`);
  });
  const known = migrations.length;
  const from = schemaVersion(db);
  refuseFuture(from, known, path);
  const applied: string[] = [];
  // An up-to-date database is only read: opening it must not queue for the write lock behind a run.
  for (const m of migrations.slice(from)) {
    const step = db.transaction(() => {
      const current = schemaVersion(db);
      refuseFuture(current, known, path);
      if (current >= m.version) return false;
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      try {
        if (typeof m.up === 'string') db.exec(m.up);
        else m.up(db);
      } catch (err) {
        throw new StateError(E.migrationFailed, `could not upgrade ${path} to schema version ${m.version} (${m.name}): ${(err as Error).message}`, {
          hint: 'The database is unchanged. Restore it from a backup or move it away to start with empty state.',
          cause: err,
        });
      }
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      // Inside the transaction on purpose: user_version lives in the file header and commits or
      // rolls back with the rest.
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    if (step.immediate()) applied.push(m.name);
  }
  checkLineage(db, migrations, path);
  return { from, to: schemaVersion(db), applied };
}

function refuseFuture(version: number, known: number, path: string): void {
  if (version > known) {
    throw new StateError(E.fromTheFuture, `${path} has schema version ${version}, newer than this Sluice knows (${known}): it was written by a newer Sluice`, {
      hint: 'Upgrade Sluice, or point SLUICE_HOME at another folder. Do not downgrade the database by hand.',
    });
  }
}

/**
 * A database whose recorded migration names differ from ours came from another branch of the
 * schema (a development build); applying our later migrations to it would be guesswork.
 */
function checkLineage(db: SqliteDatabase, migrations: readonly Migration[], path: string): void {
  if (schemaVersion(db) === 0) return;
  const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
  for (const row of rows) {
    const ours = migrations[row.version - 1];
    if (ours && ours.name !== row.name) {
      throw new StateError(E.migrationFailed, `${path} records schema version ${row.version} as \`${row.name}\`, but this Sluice knows it as \`${ours.name}\``, {
        hint: 'The database was made by a different build of Sluice. Move it away to start with empty state.',
      });
    }
  }
}

/** better-sqlite3 errors as user-facing errors naming the file; anything unexpected stays a bug. */
export function translate(err: unknown, path: string): unknown {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StateError(E.notADatabase, `${path} is not a Sluice state database (or it is damaged)`, {
      hint: 'Move the file away to start with empty state; a damaged database can sometimes be saved with `sqlite3 state.db .recover`.',
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StateError(E.busy, `${path} is locked by another Sluice process for too long`, {
      hint: 'Another run or the agent is writing to it; try again when it has finished.',
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EROFS') {
    return new StateError(E.cannotOpen, `cannot open ${path} for writing (${code})`, { hint: 'Check the permissions of the file and its folder, or set SLUICE_HOME to a folder you can write to.' });
  }
  return err;
}
