// What the interpreter needs of apps reached over HTTP (built by createHttpIo in ../http-io.ts).
import type { ResolvedAction } from '../../apps/index.js';
import type { FlowModel } from '../../check/model.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import type { Destination, UpsertOptions } from '../dests/destination.js';
import type { Rec, Value } from '../eval.js';
import type { RateLimitWait, RunSummary } from '../run-summary.js';
import type { Source } from '../sources/source.js';

/** What the interpreter needs of apps reached over HTTP (implemented in http-io.ts). */
export interface HttpIo {
  /** `fields`: keep only these top-level fields of each record (SourceRequest.fields). */
  source(ref: ResolvedRef, action: ResolvedAction, query: Record<string, string | number | boolean>, opts: { limit?: number; fields?: readonly string[]; signal: AbortSignal }): Source;
  /**
   * `explicit`: the fields the flow sets to a literal `null` or `""` (sent as such); any other
   * missing value leaves the field unchanged.
   */
  destination(ref: ResolvedRef, action: ResolvedAction, opts: { dryRun: boolean; log?: (line: string) => void; explicit?: ReadonlySet<string>; upsert?: UpsertOptions }): Destination;
  lookup(ref: ResolvedRef, action: ResolvedAction): (params: Record<string, Value>) => Promise<Rec | null>;
  stats(): RunSummary['http'];
  /** Whether requests are waiting on a rate limit now, and whose (for progress lines). */
  waiting?(): RateLimitWait | null;
  /** Before anything is read or written: throws when the flow cannot run as checked (a stale custom-field schema); returns warnings. */
  beforeRun?(flow: FlowModel): Promise<string[]>;
}
