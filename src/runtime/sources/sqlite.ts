// `source sqlite.table`: the rows of a table, a page at a time (by rowid, so memory stays flat).
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { SluiceError } from '../../errors.js';
import type { Rec } from '../eval.js';
import { optPath, optString } from '../options.js';
import { PAGE, type Source } from './source.js';
import type { SourceComponent } from '../component.js';
import { RUNTIME } from '../codes.js';

export class SqliteSource implements Source {
  constructor(
    private readonly file: string,
    private readonly table: string,
  ) {}

  get describe(): string {
    return `${this.file} table ${this.table}`;
  }

  async *pages(): AsyncIterable<Rec[]> {
    if (!existsSync(this.file)) throw new SluiceError(RUNTIME.sourceMissing, `cannot read ${this.file}: no such database`, { hint: 'Check the `db` option.' });
    const db = new Database(this.file, { readonly: true, fileMustExist: true });
    try {
      const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?`).get(this.table);
      if (!exists) throw new SluiceError(RUNTIME.sourceTableMissing, `${this.file} has no table \`${this.table}\``);
      const q = db.prepare(`SELECT rowid AS __rowid, * FROM "${this.table.replace(/"/g, '""')}" WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`);
      let after = -Infinity;
      for (;;) {
        const rows = q.all(after) as (Rec & { __rowid: number })[];
        if (rows.length === 0) break;
        after = rows[rows.length - 1].__rowid;
        yield rows.map(({ __rowid: _, ...r }) => r as Rec);
        if (rows.length < PAGE) break;
      }
    } finally {
      db.close();
    }
  }
}

export const sqliteSource: SourceComponent = {
  open: (req, ctx) => new SqliteSource(optPath(ctx.io, req.options, 'db', 'read'), optString(req.options, 'table')!),
};
