// The boundary of an incremental run: the ids already written at the watermark (dropped when read
// again), and every record this run handled at or after its lower bound, whose largest cursor is
// the next watermark and whose ids at it are the next boundary (see run-flow.ts).
import { compareCursors, type Cursor } from '../state/index.js';

export class BoundarySet {
  private readonly ids: Set<string>;
  /** The largest cursor handled so far. */
  max: Cursor | null = null;
  /** Ids handled since the progress was last saved. */
  readonly processed: string[] = [];
  /** Ids handled at `max`. */
  readonly atMax: string[] = [];

  constructor(saved: readonly string[]) {
    this.ids = new Set(saved);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Handled to the end: its cursor counts for the watermark, its id for the boundary. */
  note(k: string, c: Cursor): void {
    this.processed.push(k);
    // Also read again later in this same run (offset pages shift when records are added), it is
    // dropped then, whatever the destination's durability.
    this.ids.add(k);
    const cmp = this.max ? compareCursors(c, this.max) : 1;
    if (cmp > 0) {
      this.max = c;
      this.atMax.length = 0;
    }
    if (cmp >= 0) this.atMax.push(k);
  }
}
