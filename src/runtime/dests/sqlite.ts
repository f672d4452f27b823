// `dest sqlite.table`: upsert by `key`, one transaction per batch, so a replayed record replaces
// itself instead of doubling. Columns follow the records: new fields add columns; lists and
// objects are stored as JSON text.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Rec, Value } from '../eval.js';
import type { Destination, Rejection, WriteResult } from './destination.js';
import type { DestComponent } from '../component.js';
import { optPath, optString } from '../options.js';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class SqliteDestination implements Destination {
  readonly durability = 'batch' as const;
  private db: Database.Database | undefined;
  private columns = new Set<string>();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly file: string,
    private readonly table: string,
    private readonly key: string | undefined,
  ) {}

  get describe(): string {
    return `${this.file} table ${this.table}`;
  }

  private open(first: Rec): Database.Database {
    if (this.db) return this.db;
    mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    const existing = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(this.table) as { name: string }[];
    if (existing.length === 0) {
      const cols = Object.keys(first).map((c) => `${quote(c)}${affinity(first[c])}${c === this.key ? ' PRIMARY KEY' : ''}`);
      if (this.key && !(this.key in first)) cols.unshift(`${quote(this.key)} PRIMARY KEY`);
      db.exec(`CREATE TABLE ${quote(this.table)} (${cols.join(', ')})`);
    } else if (this.key) {
      // An existing table needs a unique key for the upsert to work.
      db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${quote(`${this.table}_${this.key}_key`)} ON ${quote(this.table)} (${quote(this.key)})`);
    }
    for (const c of db.prepare(`SELECT name FROM pragma_table_info(?)`).all(this.table) as { name: string }[]) this.columns.add(c.name);
    this.db = db;
    return db;
  }

  async write(batch: Rec[]): Promise<WriteResult> {
    if (batch.length === 0) return { accepted: [], rejected: [] };
    const db = this.open(batch[0]);
    const accepted: Rec[] = [];
    const rejected: Rejection[] = [];
    const tx = db.transaction((records: Rec[]) => {
      for (const r of records) {
        if (this.key && (r[this.key] === null || r[this.key] === undefined)) {
          rejected.push({ record: r, reason: `the key field \`${this.key}\` is null`, code: 'invalid' });
          continue;
        }
        for (const c of Object.keys(r)) {
          if (!this.columns.has(c)) {
            db.exec(`ALTER TABLE ${quote(this.table)} ADD COLUMN ${quote(c)}${affinity(r[c])}`);
            this.columns.add(c);
          }
        }
        const cols = Object.keys(r);
        const values = cols.map((c) => cell(r[c]));
        const sql = this.key
          ? `INSERT INTO ${quote(this.table)} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT(${quote(this.key)}) DO UPDATE SET ${cols
              .filter((c) => c !== this.key)
              .map((c) => `${quote(c)} = excluded.${quote(c)}`)
              .join(', ') || `${quote(this.key)} = excluded.${quote(this.key)}`}`
          : `INSERT INTO ${quote(this.table)} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
        let stmt = this.statements.get(sql);
        if (!stmt) this.statements.set(sql, (stmt = db.prepare(sql)));
        stmt.run(...values);
        accepted.push(r);
      }
    });
    tx(batch);
    return { accepted, rejected };
  }

  async commit(): Promise<void> {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  async abort(): Promise<void> {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }
}

/**
 * The declared type of a new column, from the first value seen: with INTEGER affinity SQLite
 * stores 1 (a JavaScript number, bound as a double) as the integer 1, not 1.0.
 */
function affinity(v: Value | undefined): string {
  if (typeof v === 'number') return Number.isInteger(v) ? ' INTEGER' : ' REAL';
  if (typeof v === 'boolean') return ' INTEGER';
  if (typeof v === 'string' || (v !== null && typeof v === 'object')) return ' TEXT';
  return '';
}

function cell(v: Value | undefined): string | number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

export const sqliteDest: DestComponent = {
  open: (req, ctx) => new SqliteDestination(optPath(ctx.io, req.options, 'db', 'write'), optString(req.options, 'table')!, optString(req.options, 'key')),
};
