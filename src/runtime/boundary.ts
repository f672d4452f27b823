// "Inclusive boundary plus boundary dedupe" (DESIGN.md), the interpreter's rule for one source in
// one run: the source is asked for records at or after the lower bound (the saved watermark, else
// `--since`); a record at or after it is dropped when a boundary id says it was already written;
// the watermark moves only over records handled to the end, and only once the destination made
// them durable.
//
// A boundary id names one version of a record: `id@cursor#digest`, the digest covering the fields
// the flow reads, so a second change within the same second is still written. `id@cursor` (no
// digest) is the form saved by older versions and still honoured. `sending:` + a boundary id marks
// a record whose non-repeatable write (a POST) was started: found again, it may have arrived.
import { createHash } from 'node:crypto';
import { compareCursors, type Cursor } from '../state/cursor.js';
import { getPath, type Rec } from './eval.js';

export const SENDING = 'sending:';

/** A record's identity: its key fields, else a digest of its content. */
export function recordKey(rec: Rec, key: readonly string[] | null): string {
  if (key && key.length) return key.map((k) => String(getPath(rec, k))).join(':');
  // No key: the record's own content identifies it.
  return createHash('sha1').update(JSON.stringify(rec)).digest('hex').slice(0, 20);
}

/**
 * The boundary id of one version of a record: its id, its cursor and a digest of its content (of
 * `fields` when given, else of the whole record).
 */
export function versionKey(rec: Rec, id: string, c: Cursor, fields: readonly string[] | null): string {
  const content = JSON.stringify(fields ? fields.map((f) => rec[f] ?? null) : rec);
  return `${id}@${c.value}#${createHash('sha1').update(content).digest('base64url').slice(0, 12)}`;
}

// Which fields the digest covers is the checker's decision (the flow's plan carries it).
export { digestFields } from '../check/flow-plan.js';

/** What the boundary says of a record read at or after the lower bound. */
export type Seen = 'older' | 'written' | 'sending' | 'new';

export class Boundary {
  private readonly ids: Set<string>;
  private max: Cursor | null = null;
  private readonly atMax: string[] = [];
  private processed: string[] = [];

  constructor(
    /** The lower bound the source was asked for: the saved watermark, else `--since`; null reads everything. */
    private readonly lower: Cursor | null,
    /** The saved watermark and its boundary ids (null without saved state). */
    private readonly saved: { value: string | null; boundaryIds: readonly string[] } | null,
  ) {
    this.ids = new Set(saved?.boundaryIds ?? []);
  }

  /** The watermark the run started from: progress is saved there until the run has read everything. */
  get startMark(): string | null {
    return this.saved?.value ?? this.lower?.value ?? null;
  }

  /**
   * Where a record stands: `older` than the lower bound; `written` by an earlier run (or earlier in
   * this one: offset pages shift when records are added); `sending` when an earlier run died while
   * sending it; else `new`.
   */
  classify(c: Cursor, id: string, key: string): Seen {
    if (this.lower && compareCursors(c, this.lower) < 0) return 'older';
    if (this.ids.has(key) || this.ids.has(`${id}@${c.value}`)) return 'written';
    if (this.ids.has(SENDING + key)) return 'sending';
    return 'new';
  }

  /** Notes a record handled to the end (written, rejected, filtered or skipped): it counts for the watermark. */
  note(key: string, c: Cursor): void {
    this.processed.push(key);
    this.ids.add(key);
    const cmp = this.max ? compareCursors(c, this.max) : 1;
    if (cmp > 0) {
      this.max = c;
      this.atMax.length = 0;
    }
    if (cmp >= 0) this.atMax.push(key);
  }

  /** Records noted since the last `takeProcessed`. */
  get pending(): number {
    return this.processed.length;
  }

  /** The ids to save at `startMark` after a durable batch; they are then no longer pending. */
  takeProcessed(): string[] {
    const out = this.processed;
    this.processed = [];
    return out;
  }

  /**
   * The last commit of the run: having read everything, the largest cursor handled and the ids at
   * exactly it; stopped early, the start watermark with the ids still pending.
   */
  final(complete: boolean): { watermark: string | null; boundaryIds: string[] } {
    if (complete && this.max) return { watermark: this.max.value, boundaryIds: [...this.atMax] };
    return { watermark: this.startMark, boundaryIds: [...this.processed] };
  }
}
