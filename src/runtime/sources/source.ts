// What every source gives the interpreter: pages of records, read lazily so that memory stays flat
// however many records there are. Breaking out of the loop stops the reading (and the requests).
// A source component opens a Source for one flow's source clause (see README.md).
import type { AppDef, ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import type { RecordType } from '../../check/types.js';
import type { Rec } from '../eval.js';
import type { Rejection } from '../dests/destination.js';
import type { OptionValues } from '../options.js';

export interface Source {
  readonly describe: string;
  pages(): AsyncIterable<Rec[]>;
  /** Records the source itself could not read (a CSV row that does not fit `as { ... }`). */
  onReject?: (r: Rejection) => void;
  /** The field the watermark is taken from, when the flow chose it (a database column); else the action's. */
  readonly cursorField?: string;
  /** The field(s) identifying a record, when the flow chose them; else the action's. */
  readonly keyFields?: string[];
  /** The only fields its records have, when it kept just those asked for (SourceRequest.fields); absent: whole records. */
  readonly fields?: readonly string[];
  /**
   * Sources that keep their own progress per record (webhook events) instead of a watermark: told
   * before a write that cannot be repeated, and once records are handled for good (written and
   * durable, rejected, or left out by the flow).
   */
  readonly progress?: SourceProgress;
}

export interface SourceProgress {
  sending(rec: Rec): Promise<void>;
  handled(recs: Rec[]): Promise<void>;
}

/** One source clause as the plan has it, with its values evaluated for this run. */
export interface SourceRequest {
  app: AppDef;
  action: ResolvedAction;
  ref: ResolvedRef;
  /** The `with` options. */
  options: OptionValues;
  /** The `where` conditions the API applies (query and path parameters), and `since`'s parameters. */
  query: Record<string, string | number | boolean>;
  /** Stop after this many records (none: read to the end). */
  limit?: number;
  /**
   * The only top-level fields of each record the run reads (the plan's `reads` with the fields the
   * interpreter keys and orders records by); undefined: whole records. A source may keep just
   * these as it reads, and skip parsing the rest; one that cannot gives whole records.
   */
  fields?: readonly string[];
  /** `as { ... }`: the record type the flow declares for an untyped source. */
  declared?: RecordType;
  /**
   * Null when the flow has no `since`; else the watermark to read from (`from`, null on a first run).
   * Sources that can filter at the source (a database) use it; the interpreter applies it anyway.
   */
  since: { from: string | null } | null;
}

export const PAGE = 500;
