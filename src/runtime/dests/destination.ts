// What every destination does for the interpreter. Durability is explicit: the watermark may only
// move once what it covers is durable, and that moment differs per destination.
import type { Rec } from '../eval.js';

export interface Rejection {
  record: Rec;
  reason: string;
  /** `invalid` (schema), `refused` (4xx), `uncertain` (a write that may or may not have happened). */
  code: 'invalid' | 'refused' | 'uncertain';
}

export interface WriteResult {
  /** Records the destination accepted, in order (for the progress ledger). */
  accepted: Rec[];
  rejected: Rejection[];
}

export interface Destination {
  /** A short description for the summary, e.g. `out/persons.jsonl` or `POST /leads`. */
  readonly describe: string;
  /**
   * `batch`: what write() accepted is durable when it returns (SQLite, HTTP, stdout).
   * `commit`: nothing is durable before commit() (files written to a temp file and renamed).
   */
  readonly durability: 'batch' | 'commit';
  write(batch: Rec[]): Promise<WriteResult>;
  /** Makes everything written durable and visible. */
  commit(): Promise<void>;
  /** Undoes what commit() would have published (a failed or interrupted run). */
  abort(): Promise<void>;
}
