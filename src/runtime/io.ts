// Opens the source, destination and lookups of a flow from its resolved actions. Files, SQLite and
// stdout are built in; apps described over HTTP (Pipedrive) go through http-io.ts.
import type { Writable } from 'node:stream';
import { resolve } from 'node:path';
import type { AppDef, ResolvedAction } from '../apps/index.js';
import type * as A from '../language/ast.js';
import type { RecordType } from '../check/types.js';
import { SluiceError } from '../errors.js';
import { CsvDestination } from './dests/csv.js';
import type { Destination } from './dests/destination.js';
import { JsonlDestination } from './dests/jsonl.js';
import { SqliteDestination } from './dests/sqlite.js';
import { StdoutDestination } from './dests/stdout.js';
import type { Rec, Value } from './eval.js';
import { CsvSource, JsonlSource } from './sources/files.js';
import type { Source } from './sources/source.js';
import { SqliteSource } from './sources/sqlite.js';

export interface IoContext {
  cwd: string;
  stdout: Writable;
  env: Record<string, string | undefined>;
}

/** A `with` option's value, evaluated (options may hold templates and expressions). */
export type OptionValues = Record<string, Value>;

const str = (o: OptionValues, k: string, d?: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : d);
const bool = (o: OptionValues, k: string, d: boolean): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : d);

export function builtinSource(app: AppDef, action: ResolvedAction, options: OptionValues, declared: RecordType | undefined, ctx: IoContext): Source {
  const path = (k: string) => resolve(ctx.cwd, str(options, k) ?? '');
  switch (`${app.kind}:${action.name}`) {
    case 'file:jsonl':
      return new JsonlSource(path('path'), declared);
    case 'file:csv':
      return new CsvSource(path('path'), { delimiter: str(options, 'delimiter', ',')!, header: bool(options, 'header', true) }, declared);
    case 'sqlite:table':
      return new SqliteSource(path('db'), str(options, 'table')!);
    default:
      throw new SluiceError('SL7020', `\`${action.qualifiedName}\` cannot be read by this version of Sluice`);
  }
}

export function builtinDestination(app: AppDef, action: ResolvedAction, options: OptionValues, ctx: IoContext): Destination {
  const path = (k: string) => resolve(ctx.cwd, str(options, k) ?? '');
  switch (`${app.kind}:${action.name}`) {
    case 'file:jsonl':
      return new JsonlDestination(path('path'), bool(options, 'append', false));
    case 'file:csv':
      return new CsvDestination(path('path'), { delimiter: str(options, 'delimiter', ',')!, header: bool(options, 'header', true), append: bool(options, 'append', false) });
    case 'sqlite:table':
      return new SqliteDestination(path('db'), str(options, 'table')!, str(options, 'key'));
    case 'stdout:':
      return new StdoutDestination(ctx.stdout, str(options, 'format') === 'pretty');
    default:
      throw new SluiceError('SL7020', `\`${action.qualifiedName}\` cannot be written by this version of Sluice`);
  }
}

/** Looks up records for a `lookup` step: its first result, or null. */
export type LookupRunner = (step: A.LookupStep, params: Record<string, Value>) => Promise<Rec | null>;
