// What a run may touch of the outside world (folders, stdout, environment) and what a destination
// needs to know of the run it writes for. The components that read and write are in sources/ and
// dests/, selected by kind through their registries.
import type { Writable } from 'node:stream';
import type * as A from '../language/ast.js';
import type { RecordType } from '../check/types.js';
import type { Rec, Value } from './eval.js';

/** `{run_started}` as a file name can hold it: 20261203T221500Z. */
export function runStartedStamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export interface IoContext {
  cwd: string;
  stdout: Writable;
  env: Record<string, string | undefined>;
  /** `$SLUICE_HOME`: file destinations leave a note of their temp files there for `sluice cache clear`. */
  home?: string;
  /**
   * Called with every file and SQLite path before it is opened; throws to refuse it. The agent
   * confines deployed flows to their folders with it (src/agent/bounds.ts).
   */
  confine?: (path: string, use: 'read' | 'write') => void;
}

/** What a destination needs to know of the run it writes for. */
export interface RunContext {
  /** The source has `since`: each run brings only what changed, so files append by default. */
  incremental: boolean;
  /** When the run started (`{run_started}` in a file path). */
  started: Date;
  /** The fields of the records reaching the destination, when the checker knows them all. */
  columns?: string[];
  /** The type of the records reaching the destination (a database table is created from it). */
  record?: RecordType;
}

/** Looks up records for a `lookup` step: its first result, or null. */
export type LookupRunner = (step: A.LookupStep, params: Record<string, Value>) => Promise<Rec | null>;
