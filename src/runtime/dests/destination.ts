// What every destination does for the interpreter. Durability is explicit: the watermark may only
// move once what it covers is durable, and that moment differs per destination.
import type { AppDef, ResolvedAction, UpsertDef } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import type { Rec } from '../eval.js';
import type { RunContext } from '../io.js';
import type { OptionValues } from '../options.js';

export interface Rejection {
  record: Rec;
  reason: string;
  /** `invalid` (schema), `refused` (4xx), `uncertain` (a write that may or may not have happened). */
  code: 'invalid' | 'refused' | 'uncertain';
  /** The source record it came from, kept so that `sluice replay` can send it through a fixed flow. */
  source?: Rec;
}

export interface WriteResult {
  /** Records the destination accepted, in order (for the progress ledger). */
  accepted: Rec[];
  rejected: Rejection[];
  // A record of the batch in neither list was not attempted (the run was interrupted part-way):
  // the interpreter leaves it for the next run rather than counting it as done.
}

/**
 * Per-record progress of a destination whose writes cannot safely be repeated (an HTTP POST), so
 * that the interpreter can save it as it happens: a crash in the middle of a batch must neither send
 * a record again that reached the server, nor lose one that did not.
 */
export interface WriteHooks {
  /** `batch[index]` is about to be sent: the request leaves once the returned promise settles. */
  sending(index: number): Promise<void> | void;
  /** `batch[index]` was accepted. */
  accepted(index: number): Promise<void> | void;
}

export interface Destination {
  /** A short description for the summary, e.g. `out/persons.jsonl` or `POST /leads`. */
  readonly describe: string;
  /**
   * `batch`: what write() accepted is durable when it returns (SQLite, HTTP, stdout).
   * `commit`: nothing is durable before commit() (files written to a temp file and renamed).
   */
  readonly durability: 'batch' | 'commit';
  write(batch: Rec[], hooks?: WriteHooks): Promise<WriteResult>;
  /** Makes everything written durable and visible. */
  commit(): Promise<void>;
  /** Undoes what commit() would have published (a failed or interrupted run). */
  abort(): Promise<void>;
}

/** One destination clause as the plan has it, with its values evaluated for this run. */
export interface DestRequest {
  app: AppDef;
  action: ResolvedAction;
  ref: ResolvedRef;
  /** The `with` options. */
  options: OptionValues;
  run: RunContext;
  /** The fields the flow sets to a literal `null` or `""` (sent as such; other missing values leave a field alone). */
  explicit?: ReadonlySet<string>;
  /** `upsert by FIELD`. */
  upsert?: UpsertOptions;
}

/** How a destination upserts: by which flow field, read from which record field, searched in which search field. */
export interface UpsertOptions {
  /** The name after `upsert by`. */
  field: string;
  /** The record field holding the value. */
  from: string;
  /** The search's `fields` value. */
  search: string;
  def: UpsertDef;
  /** The write that updates the record found. */
  update: ResolvedAction;
}
