// What every source gives the interpreter: pages of records, read lazily so that memory stays flat
// however many records there are. Breaking out of the loop stops the reading (and the requests).
import type { Rec } from '../eval.js';
import type { Rejection } from '../dests/destination.js';

export interface Source {
  readonly describe: string;
  pages(): AsyncIterable<Rec[]>;
  /** Records the source itself could not read (a CSV row that does not fit `as { ... }`). */
  onReject?: (r: Rejection) => void;
  /** The field the watermark is taken from, when the flow chose it (a database column); else the action's. */
  readonly cursorField?: string;
  /** The field(s) identifying a record, when the flow chose them; else the action's. */
  readonly keyFields?: string[];
  /**
   * Sources that keep their own progress per record (webhook events) instead of a watermark: told
   * before a write that cannot be repeated, and once records are handled for good (written and
   * durable, rejected, or left out by the flow).
   */
  readonly progress?: SourceProgress;
}

export interface SourceProgress {
  sending(rec: Rec): void;
  handled(recs: Rec[]): void;
}

export const PAGE = 500;
