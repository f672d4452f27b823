// Which records of a page go through the steps: those older than the watermark and those already
// written at it are skipped, one an earlier run died sending is kept as uncertain, the engine-side
// `where` conditions filter, and `limit` counts the records that are new.
import type { SinceDef } from '../../apps/index.js';
import type { Rejection } from '../dests/destination.js';
import type { Rec } from '../eval.js';
import type { RunSummary } from '../run-summary.js';
import { normaliseCursor, type Cursor } from '../../state/index.js';
import { recordKey, versionKey, type Boundary } from '../boundary.js';
import { getPath } from '../eval.js';

export interface AdmitRules {
  since: SinceDef | null;
  cursorField: string | null;
  keyFields: string[] | null;
  /** The fields the boundary digest covers (null: the whole record). */
  digest: string[] | null;
  /** The saved watermark, its boundary ids and the lower bound (../boundary.ts). */
  boundary: Boundary;
  limit?: number;
  /** The engine-side `where` conditions. */
  keep: (rec: Rec) => boolean;
}

/** A record seen at or after the lower bound, with its index in the batch (-1: not sent through the steps). */
export interface Seen {
  k: string;
  c: Cursor;
  bi: number;
}

export interface Admitted {
  batch: Rec[];
  /** The boundary id of each record of `batch` (null without `since` or without a cursor). */
  keys: (string | null)[];
  /** In page order; noted once handled to the end. */
  seen: Seen[];
  /** A newest-first source reached records older than the watermark: nothing after them is new. */
  reachedWatermark: boolean;
  limitReached: boolean;
  /** Every record of the page the run looked at (a source keeping its own progress is told of them). */
  considered: Rec[];
}

export class Admission {
  /** Records counted against `limit` so far. */
  fresh = 0;

  constructor(
    private readonly r: AdmitRules,
    private readonly summary: RunSummary,
    private readonly rejects: Rejection[],
  ) {}

  page(page: Rec[]): Admitted {
    const { since, boundary } = this.r;
    const out: Admitted = { batch: [], keys: [], seen: [], reachedWatermark: false, limitReached: false, considered: [] };
    for (const rec of page) {
      if (this.r.limit !== undefined && this.fresh >= this.r.limit) {
        out.limitReached = true;
        break;
      }
      this.summary.read++;
      out.considered.push(rec);
      const c = since ? cursorOf(rec, this.r.cursorField) : null;
      const id = since && c ? recordKey(rec, this.r.keyFields) : '';
      const k = since && c ? versionKey(rec, id, c, this.r.digest) : null;
      const where = k && c ? boundary.classify(c, id, k) : 'new';
      if (where === 'older') {
        // Older than the watermark: with a newest-first source nothing after it is new either.
        if (since!.kind === 'sort') out.reachedWatermark = true;
        this.summary.skipped++;
        continue;
      }
      if (k && c && where === 'written') {
        this.summary.skipped++;
        out.seen.push({ k, c, bi: -1 });
        continue;
      }
      if (k && c && where === 'sending') {
        // An earlier run died while sending it: it may have been applied. Kept, not sent again.
        this.rejects.push({
          record: rec,
          source: rec,
          reason: 'an earlier run was stopped while this record was being sent: it may or may not have been applied (not sent again: `sluice replay` checks whether it arrived before sending it)',
          code: 'uncertain',
        });
        out.seen.push({ k, c, bi: -1 });
        continue;
      }
      this.fresh++;
      if (!this.r.keep(rec)) {
        this.summary.filtered++;
        if (k && c) out.seen.push({ k, c, bi: -1 });
        continue;
      }
      if (k && c) out.seen.push({ k, c, bi: out.batch.length });
      out.batch.push(rec);
      out.keys.push(k);
    }
    return out;
  }
}

/** The record's cursor (its watermark field), or null when it has none that reads as a time or number. */
function cursorOf(rec: Rec, field: string | null): Cursor | null {
  if (!field) return null;
  const v = getPath(rec, field);
  if (v === null || (typeof v !== 'string' && typeof v !== 'number')) return null;
  try {
    return normaliseCursor(v);
  } catch {
    return null;
  }
}
