// `source postgres.query` and `source postgres.table`: rows streamed through a server-side cursor
// (DECLARE ... FETCH 500) inside one read-only REPEATABLE READ transaction, so memory stays flat
// and every page comes from the same snapshot. With `since` the rows are read oldest first from the
// watermark on (inclusive): the interpreter computes the watermark as the largest cursor it wrote,
// which is only safe when nothing older than it can follow, and drops the rows at exactly the
// watermark that it already wrote (by `key`).
import type { Client } from 'pg';
import type { RecordType } from '../../check/types.js';
import type { Rec } from '../eval.js';
import type { Rejection } from '../dests/destination.js';
import { openClient, pgError, pgTarget, quoteIdent, quoteName, rowToRecord, type PgTarget } from '../postgres/connection.js';
import { conform } from './declared.js';
import { optNames, optString } from '../options.js';
import { PAGE, type Source } from './source.js';
import type { SourceComponent } from '../component.js';
import { RUNTIME } from '../codes.js';

export interface PostgresSourceOptions {
  /** `table`: a table or view name; `query`: a SELECT statement. */
  from: { table: string } | { sql: string };
  /** The column compared with the watermark. */
  cursor: string;
  /** The column(s) identifying a row. */
  key: string[];
  /** The watermark (ISO 8601) when the flow has `since` and a previous run; null: read everything. */
  since: string | null;
  /** Whether the flow has `since` at all (rows are then ordered by the cursor). */
  incremental: boolean;
}

export class PostgresSource implements Source {
  onReject?: (r: Rejection) => void;
  constructor(
    private readonly target: PgTarget,
    private readonly o: PostgresSourceOptions,
    private readonly declared: RecordType | undefined,
  ) {}

  get describe(): string {
    return 'table' in this.o.from ? `${this.target.display} table ${this.o.from.table}` : `${this.target.display} query`;
  }

  /** The field the interpreter takes the watermark from: the `cursor` option, not the definition's default. */
  get cursorField(): string {
    return this.o.cursor;
  }

  get keyFields(): string[] {
    return this.o.key;
  }

  /** The statement and its parameters. */
  statement(): { text: string; values: unknown[] } {
    const inner = 'table' in this.o.from ? `SELECT * FROM ${quoteName(this.o.from.table)}` : this.o.from.sql.trim().replace(/;+\s*$/, '');
    if (!this.o.incremental) return { text: inner, values: [] };
    const c = `sluice_q.${quoteIdent(this.o.cursor)}`;
    // Rows with a null cursor have never been stamped: they cannot be placed after a watermark, so
    // an incremental read leaves them out rather than reading them again on every run.
    const order = [c, ...this.o.key.map((k) => `sluice_q.${quoteIdent(k)}`)].join(', ');
    if (this.o.since === null) return { text: `SELECT * FROM (${inner}) AS sluice_q WHERE ${c} IS NOT NULL ORDER BY ${order}`, values: [] };
    return { text: `SELECT * FROM (${inner}) AS sluice_q WHERE ${c} >= $1 ORDER BY ${order}`, values: [this.o.since] };
  }

  async *pages(): AsyncIterable<Rec[]> {
    const client = await openClient(this.target);
    let open = false;
    try {
      const { text, values } = this.statement();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        open = true;
        await client.query(`DECLARE sluice_rows NO SCROLL CURSOR FOR ${text}`, values);
      } catch (err) {
        throw pgError(err, this.target, RUNTIME.pgQuery, `cannot read ${this.describe}`, hintFor(err, this.o));
      }
      for (;;) {
        const rows = await fetch(client, this.target, this.describe);
        if (rows.length === 0) break;
        const page: Rec[] = [];
        for (const row of rows) {
          let rec = rowToRecord(row);
          if (this.declared) {
            const r = conform(rec, this.declared.fields, false);
            if (!r.ok) {
              this.onReject?.({ record: rec, reason: r.reason, code: 'invalid' });
              continue;
            }
            rec = r.record;
          }
          page.push(rec);
        }
        yield page;
        if (rows.length < PAGE) break;
      }
    } finally {
      // Also when the interpreter stops early (take, limit, Ctrl-C): the cursor dies with the transaction.
      if (open) await client.query('ROLLBACK').catch(() => {});
      await client.end().catch(() => {});
    }
  }
}

async function fetch(client: Client, target: PgTarget, what: string): Promise<Record<string, unknown>[]> {
  try {
    return (await client.query(`FETCH ${PAGE} FROM sluice_rows`)).rows as Record<string, unknown>[];
  } catch (err) {
    throw pgError(err, target, RUNTIME.pgQuery, `cannot read ${what}`);
  }
}

function hintFor(err: unknown, o: PostgresSourceOptions): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (code === '42P01') return 'Check the `table` option (and its schema); `\\dt` in psql lists the tables.';
  if (code === '42703' && o.incremental) return `With \`since\`, the rows need the \`cursor\` column (\`${o.cursor}\`) and the \`key\` column(s) (${o.key.map((k) => `\`${k}\``).join(', ')}): set \`cursor = "..."\` / \`key = "..."\`.`;
  if (code === '42601') return 'The `sql` option must be one SELECT statement.';
  return undefined;
}

/** `postgres.table` and `postgres.query`. */
export const postgresSource: SourceComponent = {
  open: (req, ctx) =>
    new PostgresSource(
      pgTarget(req.options, ctx.io.env),
      {
        from: req.action.name === 'table' ? { table: optString(req.options, 'table')! } : { sql: optString(req.options, 'sql')! },
        cursor: optString(req.options, 'cursor', 'updated_at')!,
        key: optNames(req.options, 'key') ?? ['id'],
        since: req.since?.from ?? null,
        incremental: req.since !== null,
      },
      req.declared,
    ),
};
