// The state store's public surface: the records it keeps and the `StateStore` interface every
// backend implements (SQLite in sqlite-store.ts). Methods return promises so that a backend whose
// driver is asynchronous (PostgreSQL) fits the same shape; each method is one transaction.
//
// The interpreter's contract (see DESIGN.md, "Incremental sync without loss or duplicates"):
//   await store.claimFlow(key, { file });
//   const runId = await store.startRun(key, { trigger: 'cli', file });
//   const wm = await store.watermark(key, source);       // ask the source for cursor >= wm.value
//   const boundary = new Boundary(lower, wm);           // src/runtime/boundary.ts: drops what was written
//   ... after each destination flush:
//   await store.commitProgress(runId, key, source, { watermark, boundaryIds, counts, rejected });
//   await store.finishRun(runId, { status: 'succeeded', read, written, rejected });
// A crash between two commits keeps the last committed watermark; the next run continues there.
import type { Comparator, CursorInput, CursorKind } from './cursor.js';
import type { DeploymentStore } from './deployments.js';
import type { WebhookStore } from './events.js';
import type { FlowKey } from './keys.js';

export type { FlowKey } from './keys.js';
export type RunTrigger = 'cli' | 'agent';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'interrupted';
export type FinalRunStatus = Exclude<RunStatus, 'running'>;

export const RUN_TRIGGERS: readonly RunTrigger[] = ['cli', 'agent'];
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'skipped', 'interrupted'];

/** Runs of another machine (a shared folder, a recreated container) cannot be checked by PID: they count as gone after this long without a sign of life. */
export const DEFAULT_FOREIGN_STALE_MS = 60 * 60_000;


export interface RunError {
  code?: string;
  message: string;
  hint?: string;
}

export interface RunRecord {
  id: number;
  flowKey: FlowKey;
  flow: string;
  file: string | null;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** finishedAt - startedAt; null while running. */
  durationMs: number | null;
  updatedAt: string;
  read: number;
  written: number;
  rejected: number;
  error: RunError | null;
  /** The watermarks committed for the flow when the run ended, by source. */
  watermarks: Record<string, string> | null;
  pid: number | null;
  host: string | null;
}

export interface WatermarkState {
  /** The normalised cursor value (see cursor.ts), null before the first commit. */
  value: string | null;
  kind: CursorKind | null;
  /** Ids already written at exactly `value`. */
  boundaryIds: string[];
  updatedAt: string | null;
  runId: number | null;
}

export interface SourceState {
  source: string;
  value: string;
  kind: CursorKind;
  boundaryIds: number;
  updatedAt: string;
  runId: number | null;
}

export interface FlowSummary {
  key: FlowKey;
  name: string;
  file: string | null;
  createdAt: string;
  sources: SourceState[];
  lastRun: RunRecord | null;
  lastSuccess: RunRecord | null;
  runs: number;
  rejected: number;
}

export interface RejectedRecord {
  id: number;
  flowKey: FlowKey;
  runId: number | null;
  destination: string;
  recordId: string | null;
  record: unknown;
  /** The source record it came from, when known (replay sends it through the flow again). */
  source: unknown;
  /** The only fields `source` was read with; null: the whole record. */
  sourceFields: string[] | null;
  reason: string;
  code: string | null;
  createdAt: string;
}

export interface Counts {
  read?: number;
  written?: number;
  rejected?: number;
}

export interface CommitResult {
  /** The stored watermark after the commit. */
  watermark: string | null;
  /**
   * first: no watermark before; advanced: moved forward, boundary ids replaced; same: equal, ids
   * added; kept: the offered value was older, nothing changed; none: no value offered.
   */
  change: 'first' | 'advanced' | 'same' | 'kept' | 'none';
  boundaryIds: number;
}

/** A record a destination refused, as the interpreter hands it to the store. */
export interface RejectInput {
  destination: string;
  record: unknown;
  /** The source record it came from, when known (replay sends it through the flow again). */
  source?: unknown;
  /** The only fields `source` was read with (the run read part of each record); absent: all of them. */
  sourceFields?: readonly string[];
  reason: string;
  code?: string | null;
  recordId?: string | number | null;
}

export interface Progress {
  /** The cursor of the last record the destination made durable; null to save only counts. */
  watermark: CursorInput | null;
  /** Ids written at exactly `watermark`. */
  boundaryIds?: readonly (string | number)[];
  /** The run's totals so far. */
  counts?: Counts;
  /** Records the destination refused in this batch: saved in the same transaction as the watermark. */
  rejected?: readonly RejectInput[];
}

/** What the editor and the templates read: no method of it writes. */
export interface StateReader {
  watermark(key: FlowKey, source: string): Promise<WatermarkState>;
  /** The last run that succeeded: its start is `~{LastRunTime}~`. */
  lastSuccessfulRun(key: FlowKey): Promise<RunRecord | null>;
  /** Whether any state (runs, watermarks, rejected records) is kept under `key`. */
  hasFlow(key: FlowKey): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The state of every flow of a project: watermarks and boundary ids, runs, rejected records.
 * Every method is atomic; a write that must see the current state (commitProgress, startRun) reads
 * and writes under the backend's write lock, so two processes never interleave on one flow.
 */
export interface StateStore extends StateReader {
  /** Where the state lives, for messages (a file path, or a database URL without its password). */
  readonly path: string;

  run(runId: number): Promise<RunRecord | undefined>;
  /**
   * Takes the state identity `key` for a run of the flow in `file`, before the run starts: merges
   * state kept under `legacyKeys` into it; refuses (SL6022) a second file claiming the identity
   * while the first still exists. Returns the keys it adopted.
   */
  claimFlow(key: FlowKey, options?: { file?: string | null; legacyKeys?: readonly FlowKey[] }): Promise<{ adopted: FlowKey[] }>;

  /** The sources of a flow with their saved watermarks (none before its first commit). */
  sources(key: FlowKey): Promise<SourceState[]>;
  /**
   * Saves progress after the destination flushed: the watermark (only ever forward), the boundary
   * ids (replaced when the watermark moves, added to when it stays), the run's counts, and the
   * batch's rejected records, all in one transaction.
   */
  commitProgress(runId: number, key: FlowKey, source: string, progress: Progress, options?: { compare?: Comparator }): Promise<CommitResult>;
  /** Forgets a flow's watermarks and boundary ids (history and rejected records are kept); refused while it runs, unless `force`. */
  reset(key: FlowKey, options?: { force?: boolean }): Promise<{ sources: string[]; boundaryIds: number }>;

  /** Records the start of a run; with `exclusive` (the default) a second live run of the flow is refused (SL6010). */
  startRun(key: FlowKey, options: { trigger: RunTrigger; file?: string | null; startedAt?: Date; exclusive?: boolean }): Promise<number>;
  /** Records a run that did not happen (the agent's tick found the flow still running), tagged with the deployment version when given. */
  recordSkipped(key: FlowKey, options: { trigger: RunTrigger; file?: string | null; reason: string; at?: Date; deploymentVersion?: number }): Promise<number>;
  /** A sign of life for long stretches without a commit. */
  heartbeat(runId: number): Promise<void>;
  /** Records how a run ended; never moves a watermark (it snapshots them into the run). */
  finishRun(
    runId: number,
    result: { status: FinalRunStatus; read?: number; written?: number; rejected?: number; error?: RunError | string | Error | null; finishedAt?: Date },
  ): Promise<RunRecord>;
  /** Marks `interrupted` the runs whose process is gone; returns them. */
  recoverInterrupted(options?: { flowKey?: FlowKey; staleAfterMs?: number }): Promise<RunRecord[]>;
  /** Runs, newest first. */
  runs(key?: FlowKey, options?: { limit?: number; status?: RunStatus; trigger?: RunTrigger }): Promise<RunRecord[]>;

  /** Keeps a record the destination refused, with the reason; does not touch the run's counts. */
  reject(runId: number | null, key: FlowKey, input: RejectInput): Promise<number>;
  rejected(key?: FlowKey, options?: { limit?: number; runId?: number }): Promise<RejectedRecord[]>;
  /** Forgets rejected records (replayed successfully). */
  removeRejected(ids: readonly number[]): Promise<number>;
  /** Gives a rejected record a new reason (a replay that failed again, or is about to send it). */
  updateRejected(id: number, update: { reason: string; code: string | null }): Promise<void>;

  flows(): Promise<FlowSummary[]>;

  /** The agent's deployments (same database, so a deployment and its runs are kept together). */
  readonly deployments: DeploymentStore;
  /**
   * Webhook registrations and the events received (the interface in events.ts, SQLite's in
   * sqlite-webhooks.ts): the agent keeps an event before answering the delivery, and the interpreter
   * marks events per record from its write hooks, awaiting each.
   */
  readonly webhooks: WebhookStore;
  /** What the agent's panel shows of a run beyond its counts: one JSON document per run. */
  saveRunDetails(runId: number, details: unknown): Promise<void>;
  runDetails(runId: number): Promise<unknown>;
  /** The flows a user means by QUERY on the command line: a state key, `FILE#FLOW`, `FILE:FLOW`, a flow file or a flow name. */
  findFlows(query: string, cwd?: string): Promise<FlowSummary[]>;
}
