import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrate, openStateDb, schemaVersion, stateDbPath, type Migration } from '../../src/state/db.js';
import { StateError } from '../../src/state/errors.js';
import { tempDir } from '../helpers/cli.js';

function failure(f: () => unknown): StateError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(StateError);
    return err as StateError;
  }
  throw new Error('expected a StateError');
}

const tables = (db: Database.Database) => (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]);

describe('state database', () => {
  it('creates the folder, its .gitignore and a migrated database from nothing', () => {
    const home = join(tempDir(), 'nested', '.sluice');
    const db = openStateDb(home)!;
    try {
      expect(readFileSync(join(home, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
      expect(statSync(home).mode & 0o777).toBe(0o700);
      expect(statSync(stateDbPath(home)).mode & 0o777).toBe(0o600);
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(tables(db)).toEqual(['boundary_ids', 'deployment_versions', 'deployments', 'flows', 'rejected', 'run_details', 'runs', 'schema_migrations', 'watermarks', 'webhook_events', 'webhooks']);
      expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      db.close();
    }
  });

  it('re-opens idempotently: nothing is applied twice, data stays', () => {
    const home = tempDir();
    const a = openStateDb(home)!;
    a.prepare(`INSERT INTO flows (key, name, file, created_at) VALUES ('agent:x', 'x', NULL, 'now')`).run();
    a.close();
    const b = openStateDb(home)!;
    try {
      expect(migrate(b)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
      expect(b.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
      expect(b.prepare('SELECT key FROM flows').pluck().all()).toEqual(['agent:x']);
    } finally {
      b.close();
    }
  });

  it('applies only the migrations a database lacks, in order', () => {
    const home = tempDir();
    const extra: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'notes', up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)' }];
    openStateDb(home)!.close();
    const db = openStateDb(home, { migrations: extra })!;
    try {
      expect(schemaVersion(db)).toBe(extra.length);
      expect(tables(db)).toContain('notes');
      expect(migrate(db, extra).applied).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer Sluice, without changing it', () => {
    const home = tempDir();
    const future: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'future', up: 'CREATE TABLE future (x)' }];
    openStateDb(home, { migrations: future })!.close();
    const err = failure(() => openStateDb(home));
    expect(err.code).toBe('SL6002');
    expect(err.message).toContain(`schema version ${future.length}, newer than this Sluice knows (${MIGRATIONS.length})`);
    expect(err.hint).toContain('Upgrade Sluice');
    const raw = new Database(stateDbPath(home), { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(future.length);
    raw.close();
  });

  it('rolls back a migration that fails, and says which', () => {
    const home = tempDir();
    const broken: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', up: 'CREATE TABLE half (x); SELECT * FROM no_such_table;' }];
    const err = failure(() => openStateDb(home, { migrations: broken }));
    expect(err.code).toBe('SL6005');
    expect(err.message).toContain(`schema version ${broken.length} (broken)`);
    const db = openStateDb(home)!;
    try {
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);
      expect(tables(db)).not.toContain('half');
    } finally {
      db.close();
    }
  });

  it('refuses a database whose migration history names another lineage', () => {
    const home = tempDir();
    const other: Migration[] = [{ ...MIGRATIONS[0], name: 'something-else' }, ...MIGRATIONS.slice(1)];
    openStateDb(home, { migrations: other })!.close();
    const err = failure(() => openStateDb(home));
    expect(err.code).toBe('SL6005');
    expect(err.message).toContain('`something-else`');
  });

  it('says clearly when the file is not a database', () => {
    const home = tempDir();
    writeFileSync(stateDbPath(home), 'this is not sqlite, just a text file that is long enough to have a header'.repeat(20));
    const err = failure(() => openStateDb(home));
    expect(err.code).toBe('SL6001');
    expect(err.message).toContain('is not a Sluice state database');
  });

  it('does not create anything when asked to open only an existing database', () => {
    const home = join(tempDir(), 'absent');
    expect(openStateDb(home, { create: false })).toBeNull();
    expect(existsSync(home)).toBe(false);
  });

  it('writes a .gitignore only into a folder it creates or that is empty', () => {
    const mine = tempDir();
    writeFileSync(join(mine, 'notes.txt'), 'mine');
    openStateDb(mine)!.close();
    expect(existsSync(join(mine, '.gitignore'))).toBe(false);
    const empty = tempDir();
    openStateDb(empty)!.close();
    expect(readFileSync(join(empty, '.gitignore'), 'utf8')).toContain('*');
  });

  it('two processes opening a new database at once apply each migration once', async () => {
    const home = tempDir();
    const { spawn } = await import('node:child_process');
    const script = `
      import { openStateDb } from ${JSON.stringify(new URL('../../src/state/db.ts', import.meta.url).pathname)};
      const db = openStateDb(process.argv[2]);
      db.close();
    `;
    const file = join(home, '..', `open-${Date.now()}.mts`);
    mkdirSync(join(home, '..'), { recursive: true });
    writeFileSync(file, script);
    const tsx = new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname;
    const run = () =>
      new Promise<number>((resolve, reject) => {
        const p = spawn(process.execPath, [tsx, file, home], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d));
        p.on('error', reject);
        p.on('close', (code) => (code === 0 ? resolve(code) : reject(new Error(err))));
      });
    await Promise.all([run(), run(), run()]);
    const db = openStateDb(home)!;
    try {
      expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      db.close();
    }
  });
});
