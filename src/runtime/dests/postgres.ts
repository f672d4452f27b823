// `dest postgres.table`: one transaction per page, multi-row statements, upsert by `key`
// (INSERT ... ON CONFLICT DO UPDATE), so that a replayed record replaces its row instead of doubling
// it, and what a page wrote is durable when write() returns (durability 'batch': the watermark
// moves page by page).
//
// Rows are sent as one text array per column and unnested on the server (INSERT ... SELECT FROM
// unnest($1::text[], ...)): a statement has as many parameters as columns whatever the number of
// rows, so a page is one statement (a VALUES list would need rows x columns parameters, at most
// 65535, and a parse of a long statement each time). Each column is cast from text to its type.
//
// A record the database refuses (a value of the wrong type, a constraint) must not cost the page:
// the page is then written again record by record, each behind a savepoint, and only the records
// that fail are rejected with PostgreSQL's reason.
import type { Client } from 'pg';
import type { RecordType, Type } from '../../check/types.js';
import { nonNull } from '../../check/types.js';
import { SluiceError } from '../../errors.js';
import type { Rec, Value } from '../eval.js';
import { isDataError, openClient, pgError, pgTarget, quoteIdent, quoteName, scrub, type PgTarget } from '../postgres/connection.js';
import type { Destination, Rejection, WriteResult } from './destination.js';
import type { DestComponent } from '../component.js';
import { optBool, optNames, optString } from '../options.js';
import { RUNTIME } from '../codes.js';

export interface PostgresDestinationOptions {
  table: string;
  key: string[] | undefined;
  /** Create the table when missing, and add columns the records have and the table lacks. */
  create: boolean;
  /** The records' type, when the checker knows it: the column types of a created table. */
  record: RecordType | undefined;
}

/** A column of the table: its name and its type as `format_type` writes it (`bigint`, `text[]`). */
interface Column {
  name: string;
  type: string;
}

export class PostgresDestination implements Destination {
  readonly durability = 'batch' as const;
  private client: Client | undefined;
  private columns = new Map<string, Column>();

  constructor(
    private readonly target: PgTarget,
    private readonly o: PostgresDestinationOptions,
  ) {}

  get describe(): string {
    return `${this.target.display} table ${this.o.table}`;
  }

  private async open(first: Rec): Promise<Client> {
    if (this.client) return this.client;
    const client = await openClient(this.target);
    try {
      await this.loadColumns(client);
      if (this.columns.size === 0) {
        if (!this.o.create) {
          throw new SluiceError(RUNTIME.pgMissing, `${this.describe} does not exist`, { hint: 'Create it, or add `create = true` to create it from the record type.' });
        }
        const cols = new Map<string, string>();
        for (const k of this.o.key ?? []) cols.set(k, this.typeFor(k, first[k]));
        for (const [k, v] of Object.entries(first)) cols.set(k, this.typeFor(k, v));
        if (this.o.record) for (const [k, f] of this.o.record.fields) if (!cols.has(k)) cols.set(k, sqlType(f.type));
        const defs = [...cols].map(([k, t]) => `${quoteIdent(k)} ${t}`);
        if (this.o.key?.length) defs.push(`PRIMARY KEY (${this.o.key.map(quoteIdent).join(', ')})`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${quoteName(this.o.table)} (${defs.join(', ')})`);
        await this.loadColumns(client);
      }
    } catch (err) {
      await client.end().catch(() => {});
      throw pgError(err, this.target, RUNTIME.pgQuery, `cannot open ${this.describe}`);
    }
    this.client = client;
    return client;
  }

  private async loadColumns(client: Client): Promise<void> {
    const r = await client.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [quoteName(this.o.table)],
    );
    this.columns = new Map((r.rows as Column[]).map((c) => [c.name, c]));
  }

  /** The column type for field `name`: from the record type when known, else from a value. */
  private typeFor(name: string, v: Value | undefined): string {
    const f = this.o.record?.fields.get(name);
    // An untyped field (from an untyped source) says nothing: the value does.
    if (f && nonNull(f.type).kind !== 'any') return sqlType(f.type);
    if (typeof v === 'number') return 'numeric';
    if (typeof v === 'boolean') return 'boolean';
    if (typeof v === 'string') return 'text';
    if (v !== null && v !== undefined) return 'jsonb';
    return 'text';
  }

  /** Adds the columns of `records` that the table lacks (with `create = true`), else refuses. */
  private async ensureColumns(client: Client, records: Rec[]): Promise<void> {
    const missing = new Map<string, Value>();
    for (const r of records) for (const k of Object.keys(r)) if (!this.columns.has(k) && !missing.has(k)) missing.set(k, r[k]);
    if (missing.size === 0) return;
    if (!this.o.create) {
      const list = [...missing.keys()].map((k) => `\`${k}\``).join(', ');
      throw new SluiceError(RUNTIME.pgMissing, `${this.describe} has no column ${list}`, { hint: 'Add the column(s), leave the field(s) out in a `map`, or add `create = true` to add missing columns.' });
    }
    for (const [k, v] of missing) {
      await client.query(`ALTER TABLE ${quoteName(this.o.table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(k)} ${this.typeFor(k, v)}`);
    }
    await this.loadColumns(client);
  }

  async write(batch: Rec[]): Promise<WriteResult> {
    if (batch.length === 0) return { accepted: [], rejected: [] };
    const client = await this.open(batch[0]);
    const rejected: Rejection[] = [];
    const key = this.o.key;
    const rows: Rec[] = [];
    for (const r of batch) {
      if (key && key.some((k) => r[k] === null || r[k] === undefined)) {
        rejected.push({ record: r, reason: `the key field ${key.map((k) => `\`${k}\``).join(', ')} is null`, code: 'invalid' });
      } else rows.push(r);
    }
    try {
      await client.query('BEGIN');
      try {
        await this.ensureColumns(client, rows);
        for (const group of groups(rows, key)) await client.query(this.statement(group.columns), this.params(group.columns, group.rows));
        await client.query('COMMIT');
        return { accepted: rows, rejected };
      } catch (err) {
        await client.query('ROLLBACK');
        if (!isDataError(err)) throw err;
      }
      // Some record of the page is refused: find which, keeping the others.
      const accepted: Rec[] = [];
      await client.query('BEGIN');
      for (const r of rows) {
        const columns = Object.keys(r);
        await client.query('SAVEPOINT sluice_row');
        try {
          await client.query(this.statement(columns), this.params(columns, [r]));
          await client.query('RELEASE SAVEPOINT sluice_row');
          accepted.push(r);
        } catch (err) {
          if (!isDataError(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT sluice_row');
          const e = err as { message?: string; code?: string };
          rejected.push({ record: r, reason: scrub(`PostgreSQL refused the row: ${e.message ?? 'error'} [${e.code ?? ''}]`, this.target), code: 'refused' });
        }
      }
      await client.query('COMMIT');
      return { accepted, rejected };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      const code = (err as { code?: unknown }).code;
      if (code === '42P10') {
        throw pgError(err, this.target, RUNTIME.pgNoUniqueKey, `cannot upsert into ${this.describe} by ${(key ?? []).map((k) => `\`${k}\``).join(', ')}`, `The table needs a primary key or unique index on the key: CREATE UNIQUE INDEX ON ${quoteName(this.o.table)} (${(key ?? []).map(quoteIdent).join(', ')});`);
      }
      throw pgError(err, this.target, RUNTIME.pgQuery, `cannot write to ${this.describe}`);
    }
  }

  private statement(columns: string[]): string {
    const table = quoteName(this.o.table);
    const cols = columns.map(quoteIdent).join(', ');
    const selected = columns.map((c, i) => `u.c${i}::${this.columns.get(c)!.type}`).join(', ');
    const unnest = `unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${columns.map((_, i) => `c${i}`).join(', ')})`;
    let sql = `INSERT INTO ${table} (${cols}) SELECT ${selected} FROM ${unnest}`;
    const key = this.o.key;
    if (key?.length) {
      const rest = columns.filter((c) => !key.includes(c));
      const set = rest.length ? `UPDATE SET ${rest.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}` : 'NOTHING';
      sql += ` ON CONFLICT (${key.map(quoteIdent).join(', ')}) DO ${set}`;
    }
    return sql;
  }

  private params(columns: string[], rows: Rec[]): (string | null)[][] {
    return columns.map((c) => {
      const type = this.columns.get(c)!.type;
      return rows.map((r) => cell(r[c], type));
    });
  }

  async commit(): Promise<void> {
    await this.close();
  }

  async abort(): Promise<void> {
    await this.close();
  }

  private async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}

/**
 * The rows of a page grouped by the fields they have (a record without a field leaves that column
 * as it is, so it cannot share a statement with records that set it). With a key, only the last
 * record of each key is kept: ON CONFLICT DO UPDATE cannot change one row twice in a statement, and
 * the last version is the one the row must end with.
 */
function groups(rows: Rec[], key: string[] | undefined): { columns: string[]; rows: Rec[] }[] {
  let unique = rows;
  if (key?.length) {
    const last = new Map<string, Rec>();
    for (const r of rows) {
      const id = JSON.stringify(key.map((k) => r[k]));
      last.delete(id);
      last.set(id, r);
    }
    unique = [...last.values()];
  }
  const out = new Map<string, { columns: string[]; rows: Rec[] }>();
  for (const r of unique) {
    // Sorted: records that have the same fields in another order share a statement.
    const columns = Object.keys(r).sort();
    const sig = JSON.stringify(columns);
    let g = out.get(sig);
    if (!g) out.set(sig, (g = { columns, rows: [] }));
    g.rows.push(r);
  }
  return [...out.values()];
}

/** A value as the text PostgreSQL reads for a column of type `type`. */
function cell(v: Value | undefined, type: string): string | null {
  if (v === undefined || v === null) return null;
  if (type === 'json' || type === 'jsonb') return JSON.stringify(v);
  if (type.endsWith('[]') && Array.isArray(v)) return arrayLiteral(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function arrayLiteral(v: Value[]): string {
  const el = (x: Value): string => {
    if (x === null) return 'NULL';
    if (Array.isArray(x)) return arrayLiteral(x);
    const s = typeof x === 'object' ? JSON.stringify(x) : String(x);
    return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  };
  return `{${v.map(el).join(',')}}`;
}

/** The column type of a created table, from the checker's type of the field. */
export function sqlType(t: Type): string {
  const b = nonNull(t);
  switch (b.kind) {
    case 'string':
      if (b.format === 'date-time') return 'timestamptz';
      if (b.format === 'date') return 'date';
      return 'text';
    case 'number':
      return b.integer ? 'bigint' : 'double precision';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'text';
    default:
      // Lists, objects, mixed and unknown types: JSON keeps any of them.
      return 'jsonb';
  }
}

export const postgresDest: DestComponent = {
  open: (req, ctx) =>
    new PostgresDestination(pgTarget(req.options, ctx.io.env), {
      table: optString(req.options, 'table')!,
      key: optNames(req.options, 'key'),
      create: optBool(req.options, 'create', false),
      record: req.run.record,
    }),
};
