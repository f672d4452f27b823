// Applying the state schema to PostgreSQL: the migrations of ../migrations.ts (the same list, by the
// same names and in the same order, as the SQLite store), in PostgreSQL's dialect, so that a
// database made by another build is recognised by its recorded names (SL6005).
//
// Two processes opening a new database at once take turns on a session advisory lock, and each
// migration runs in its own transaction that re-reads the version, so each is applied once.
import type pg from 'pg';
import { STATE_ERRORS as E, StateError } from '../errors.js';
import { migrationsFor, type SharedMigration } from '../migrations.js';

export type PgMigration = SharedMigration;

/** The schema in PostgreSQL's dialect (the list itself is in ../migrations.ts, shared with SQLite). */
export const PG_MIGRATIONS: readonly PgMigration[] = migrationsFor('postgres');

/** Brings the schema `schema` up to the last migration; returns the names it applied. */
export async function migratePg(client: pg.ClientBase, schema: string, where: string, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<string[]> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`sluice-state-migrate:${schema}`]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const rows = (await client.query<{ version: number; name: string }>(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`)).rows;
    const from = rows.length ? Math.max(...rows.map((r) => r.version)) : 0;
    if (from > migrations.length) {
      throw new StateError(E.fromTheFuture, `${where} has schema version ${from}, newer than this Sluice knows (${migrations.length}): it was written by a newer Sluice`, {
        hint: 'Upgrade Sluice, or point --state at another schema. Do not downgrade the database by hand.',
      });
    }
    for (const row of rows) {
      const ours = migrations[row.version - 1];
      if (ours && ours.name !== row.name) {
        throw new StateError(E.migrationFailed, `${where} records schema version ${row.version} as \`${row.name}\`, but this Sluice knows it as \`${ours.name}\``, {
          hint: 'The database was made by a different build of Sluice. Use another schema to start with empty state.',
        });
      }
    }
    const applied: string[] = [];
    for (const m of migrations.slice(from)) {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${schema}`);
        await client.query(m.up);
        await client.query(`INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, new Date().toISOString()]);
        await client.query('COMMIT');
        applied.push(m.name);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new StateError(E.migrationFailed, `could not upgrade ${where} to schema version ${m.version} (${m.name}): ${(err as Error).message}`, {
          hint: 'The database is unchanged. Fix the cause (permissions on the schema?) and run again.',
          cause: err,
        });
      }
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`sluice-state-migrate:${schema}`]).catch(() => {});
  }
}
