// Opens the source, destination and lookups of a flow from its resolved actions. Files, SQLite,
// PostgreSQL and stdout are built in; apps described over HTTP (Pipedrive) go through http-io.ts.
import type { Writable } from 'node:stream';
import { resolve } from 'node:path';
import type { AppDef, ResolvedAction } from '../apps/index.js';
import type * as A from '../language/ast.js';
import type { RecordType } from '../check/types.js';
import { SluiceError } from '../errors.js';
import { CsvDestination } from './dests/csv.js';
import type { Destination } from './dests/destination.js';
import { JsonlDestination } from './dests/jsonl.js';
import { PostgresDestination } from './dests/postgres.js';
import { SqliteDestination } from './dests/sqlite.js';
import { StdoutDestination } from './dests/stdout.js';
import type { Rec, Value } from './eval.js';
import { CsvSource, JsonlSource } from './sources/files.js';
import { PostgresSource } from './sources/postgres.js';
import { pgTarget } from './postgres/connection.js';
import type { Source } from './sources/source.js';
import { SqliteSource } from './sources/sqlite.js';

export interface IoContext {
  cwd: string;
  stdout: Writable;
  env: Record<string, string | undefined>;
  /** `$SLUICE_HOME`: file destinations leave a note of their temp files there for `sluice cache clear`. */
  home?: string;
  /**
   * Called with every file and SQLite path before it is opened; throws to refuse it. The agent
   * confines deployed flows to their folders with it (src/agent/bounds.ts).
   */
  confine?: (path: string, use: 'read' | 'write') => void;
}

/** What a destination needs to know of the run it writes for. */
export interface RunContext {
  /** The source has `since`: each run brings only what changed, so files append by default. */
  incremental: boolean;
  /** When the run started (`{run_started}` in a file path). */
  started: Date;
  /** The fields of the records reaching the destination, when the checker knows them all. */
  columns?: string[];
  /** The type of the records reaching the destination (a database table is created from it). */
  record?: RecordType;
}

/** `{run_started}` as a file name can hold it: 20261203T221500Z. */
export function runStartedStamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** A `with` option's value, evaluated (options may hold templates and expressions). */
export type OptionValues = Record<string, Value>;

const str = (o: OptionValues, k: string, d?: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : d);
const bool = (o: OptionValues, k: string, d: boolean): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : d);
const names = (o: OptionValues, k: string): string[] | undefined => {
  const v = o[k];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
};

/**
 * `since`: null when the flow has no `since`; else the watermark to read from (`from`, null on a
 * first run). Sources that can filter at the source (a database) use it; the interpreter applies it
 * to every source anyway.
 */
export function builtinSource(app: AppDef, action: ResolvedAction, options: OptionValues, declared: RecordType | undefined, ctx: IoContext, since: { from: string | null } | null = null): Source {
  const path = (k: string) => {
    const p = resolve(ctx.cwd, str(options, k) ?? '');
    ctx.confine?.(p, 'read');
    return p;
  };
  switch (`${app.kind}:${action.name}`) {
    case 'file:jsonl':
      return new JsonlSource(path('path'), declared);
    case 'file:csv':
      return new CsvSource(path('path'), { delimiter: str(options, 'delimiter', ',')!, header: bool(options, 'header', true) }, declared);
    case 'sqlite:table':
      return new SqliteSource(path('db'), str(options, 'table')!);
    case 'postgres:table':
    case 'postgres:query':
      return new PostgresSource(
        pgTarget(options, ctx.env),
        {
          from: action.name === 'table' ? { table: str(options, 'table')! } : { sql: str(options, 'sql')! },
          cursor: str(options, 'cursor', 'updated_at')!,
          key: names(options, 'key') ?? ['id'],
          since: since?.from ?? null,
          incremental: since !== null,
        },
        declared,
      );
    default:
      throw new SluiceError('SL7020', `\`${action.qualifiedName}\` cannot be read by this version of Sluice`);
  }
}

export function builtinDestination(app: AppDef, action: ResolvedAction, options: OptionValues, ctx: IoContext, run: RunContext): Destination {
  const path = (k: string, confine = true) => {
    const p = resolve(ctx.cwd, str(options, k) ?? '');
    if (confine) ctx.confine?.(p, 'write');
    return p;
  };
  const outPath = () => {
    const p = path('path', false).replaceAll('{run_started}', runStartedStamp(run.started));
    ctx.confine?.(p, 'write');
    return p;
  };
  // An incremental run brings only the changes: replacing the file would drop what earlier runs wrote.
  const append = bool(options, 'append', run.incremental);
  switch (`${app.kind}:${action.name}`) {
    case 'file:jsonl':
      return new JsonlDestination(outPath(), append, ctx.home);
    case 'file:csv':
      return new CsvDestination(outPath(), { delimiter: str(options, 'delimiter', ',')!, header: bool(options, 'header', true), append, ...(run.columns ? { columns: run.columns } : {}) }, ctx.home);
    case 'sqlite:table':
      return new SqliteDestination(path('db'), str(options, 'table')!, str(options, 'key'));
    case 'postgres:table':
      return new PostgresDestination(pgTarget(options, ctx.env), { table: str(options, 'table')!, key: names(options, 'key'), create: bool(options, 'create', false), record: run.record });
    case 'stdout:':
      return new StdoutDestination(ctx.stdout, str(options, 'format') === 'pretty');
    default:
      throw new SluiceError('SL7020', `\`${action.qualifiedName}\` cannot be written by this version of Sluice`);
  }
}

/** Looks up records for a `lookup` step: its first result, or null. */
export type LookupRunner = (step: A.LookupStep, params: Record<string, Value>) => Promise<Rec | null>;
