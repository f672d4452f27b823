// After a batch was written: which of its records were handled to the end (taken by the steps, and
// accepted or rejected if they reached the destination). The rest (after a `take`'s count, or not
// attempted when interrupted) is left for the next run.
import type { WriteResult } from '../dests/destination.js';
import type { Rec } from '../eval.js';
import type { StepResult } from '../steps.js';
import type { Seen } from './admit.js';
import type { Boundary } from '../boundary.js';

export interface Settled {
  /** Records of the batch left for the next run. */
  unsent: number;
  /** Some record reached the destination but was not attempted (the run was interrupted). */
  unattempted: boolean;
  /** Per record of the batch: 1 when handled to the end. */
  finished: Uint8Array;
}

export function settleBatch(size: number, out: StepResult, result: WriteResult, seen: readonly Seen[], boundary: Boundary): Settled {
  const finished = new Uint8Array(size);
  finished.fill(1, 0, out.consumed);
  const handled = new Set<Rec>(result.accepted);
  for (const r of result.rejected) handled.add(r.record);
  let unattempted = false;
  out.records.forEach((r, i) => {
    if (!handled.has(r)) {
      finished[out.origins[i]] = 0;
      unattempted = true;
    }
  });
  for (const x of seen) if (x.bi < 0 || finished[x.bi]) boundary.note(x.k, x.c);
  let unsent = 0;
  for (const done of finished) if (!done) unsent++;
  return { unsent, unattempted, finished };
}
