// The SQLite backend of the state store: `$SLUICE_HOME/state.db` through better-sqlite3.
//
// Every write is one IMMEDIATE transaction: it takes the write lock at BEGIN, so two processes
// never interleave a read-compare-write of the same watermark (a DEFERRED transaction would read
// under a shared lock and could then fail to upgrade it, or worse, compare against a stale value).
// better-sqlite3 is synchronous, so a transaction runs whole between two awaits of the caller: the
// public methods are async only to share the `StateStore` shape with asynchronous backends.
import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { openStateDb, stateDbPath, translate, type OpenStateDbOptions, type SqliteDatabase } from './db.js';
import { compareCursors, normaliseCursor, type Comparator, type CursorKind } from './cursor.js';
import { STATE_ERRORS as E, StateError } from './errors.js';
import { SqliteDeployments } from './deployments.js';
import { flowFilePath, flowKey, parseFlowKey, type FlowKey } from './keys.js';
import { mergeFlowState } from './merge.js';
import { scrubSecrets } from './scrub.js';
import { pidAlive } from '../util/process.js';
import { RUN_COLUMNS, toRun, type RunRow } from './sqlite-rows.js';
import { SqliteWebhookStore } from './sqlite-webhooks.js';
import type { WebhookStore } from './events.js';
import {
  DEFAULT_FOREIGN_STALE_MS,
  RUN_STATUSES,
  RUN_TRIGGERS,
  type CommitResult,
  type FinalRunStatus,
  type FlowSummary,
  type Progress,
  type RejectInput,
  type RejectedRecord,
  type RunError,
  type RunRecord,
  type RunStatus,
  type RunTrigger,
  type SourceState,
  type StateStore,
  type WatermarkState,
} from './store.js';

// A PID alone is not an identity: a container restarts its entry process with the same small PID,
// so a run left `running` by the previous container would look alive forever. The nonce tells this
// process's runs from those of an earlier process that had the same PID.
export const PROCESS_NONCE = randomBytes(8).toString('hex');
export const HOST = hostname();

export interface StateStoreOptions extends OpenStateDbOptions {
  /** The clock, for tests. */
  now?: () => Date;
  /** Mark runs of dead processes `interrupted` when opening (default true). */
  recover?: boolean;
  foreignStaleMs?: number;
}


export function checkCount(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

/** JSON for a record; BigInts (SQLite integers read as such) become strings rather than throwing. */
export function recordJson(record: unknown): string {
  const text = JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return text === undefined ? 'null' : text;
}

// ---- the store ----

export class SqliteStateStore implements StateStore {
  readonly db: SqliteDatabase;
  readonly path: string;
  readonly deployments: SqliteDeployments;
  readonly webhooks: WebhookStore;
  private readonly now: () => Date;
  private readonly foreignStaleMs: number;
  private readonly stmt: {
    flowId: ReturnType<SqliteDatabase['prepare']>;
    run: ReturnType<SqliteDatabase['prepare']>;
  };

  private constructor(db: SqliteDatabase, options: StateStoreOptions) {
    this.db = db;
    this.path = db.name;
    this.now = options.now ?? (() => new Date());
    this.foreignStaleMs = options.foreignStaleMs ?? DEFAULT_FOREIGN_STALE_MS;
    this.deployments = new SqliteDeployments(db, this.now);
    this.webhooks = new SqliteWebhookStore(db);
    this.stmt = {
      flowId: db.prepare('SELECT id FROM flows WHERE key = ?'),
      run: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id WHERE r.id = ?`),
    };
    if (options.recover !== false) this.recoverSync();
  }

  /** Opens `$SLUICE_HOME/state.db`, creating and migrating it as needed. */
  static open(home: string, options: StateStoreOptions = {}): SqliteStateStore {
    return new SqliteStateStore(openStateDb(home, { ...options, create: true })!, options);
  }

  /** Opens the database only if it exists (for commands that only read): null otherwise. */
  static openExisting(home: string, options: StateStoreOptions = {}): SqliteStateStore | null {
    const db = openStateDb(home, { ...options, create: false });
    return db ? new SqliteStateStore(db, options) : null;
  }

  static pathFor(home: string): string {
    return stateDbPath(home);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private iso(): string {
    return this.now().toISOString();
  }

  /** Runs `fn` in an IMMEDIATE transaction (a savepoint when already inside one), with lock errors made readable. */
  private write<T>(fn: () => T): T {
    try {
      return this.db.inTransaction ? this.db.transaction(fn)() : this.db.transaction(fn).immediate();
    } catch (err) {
      throw translate(err, this.path);
    }
  }

  /** Whether any state (runs, watermarks, rejected records) is kept under `key`. */
  async hasFlow(key: FlowKey): Promise<boolean> {
    return this.flowIdOf(key) !== undefined;
  }

  private flowIdOf(key: FlowKey): number | undefined {
    return (this.stmt.flowId.get(key) as { id: number } | undefined)?.id;
  }

  private ensureFlow(key: FlowKey): number {
    const existing = this.flowIdOf(key);
    if (existing !== undefined) return existing;
    const { name, file } = parseFlowKey(key);
    return Number(this.db.prepare('INSERT INTO flows (key, name, file, created_at) VALUES (?, ?, ?, ?)').run(key, name, file, this.iso()).lastInsertRowid);
  }

  private runRow(runId: number): RunRow | undefined {
    return this.stmt.run.get(runId) as RunRow | undefined;
  }

  async run(runId: number): Promise<RunRecord | undefined> {
    return this.runSync(runId);
  }

  private runSync(runId: number): RunRecord | undefined {
    const row = this.runRow(runId);
    return row ? toRun(row) : undefined;
  }

  /**
   * Takes the state identity `key` for a run of the flow in `file`, before the run starts:
   * - State kept under `legacyKeys` (older kinds of key for the same flow) is merged into it, so a
   *   flow continues where it stopped whoever ran it (see merge.ts).
   * - A second flow file claiming the same identity while the first still exists is refused: the
   *   two would share a watermark and each lose the other's records. A file that moved takes the
   *   identity over.
   * Returns the keys it adopted.
   */
  async claimFlow(key: FlowKey, options: { file?: string | null; legacyKeys?: readonly FlowKey[] } = {}): Promise<{ adopted: FlowKey[] }> {
    return this.write(() => {
      const adopted: FlowKey[] = [];
      for (const legacy of options.legacyKeys ?? []) {
        if (legacy === key) continue;
        const fromId = this.flowIdOf(legacy);
        if (fromId === undefined) continue;
        this.recoverSync({ flowKey: legacy });
        this.refuseIfRunning(fromId, legacy);
        mergeFlowState(this.db, fromId, this.ensureFlow(key));
        adopted.push(legacy);
      }
      const file = options.file ? flowFilePath(options.file) : null;
      if (file) {
        const flowId = this.ensureFlow(key);
        const row = this.db.prepare('SELECT file FROM flows WHERE id = ?').get(flowId) as { file: string | null };
        if (row.file && row.file !== file && existsSync(row.file)) {
          const { name } = parseFlowKey(key);
          throw new StateError(E.flowClaimed, `the state of flow \`${name}\` belongs to ${row.file}, and ${file} has a flow with the same identity`, {
            hint: `Two flows sharing a state would each skip the other's records. Give one of them its own identity with \`id "..."\` inside its \`flow NAME { ... }\` block, or, if ${file} replaces the other file, delete or rename that one.`,
          });
        }
        if (row.file !== file) this.db.prepare('UPDATE flows SET file = ? WHERE id = ?').run(file, flowId);
      }
      return { adopted };
    });
  }

  // ---- watermarks ----

  /** The sources of a flow with their saved watermarks (none before its first commit). */
  async sources(key: FlowKey): Promise<SourceState[]> {
    return this.sourcesSync(key);
  }

  private sourcesSync(key: FlowKey): SourceState[] {
    const flowId = this.flowIdOf(key);
    if (flowId === undefined) return [];
    return (
      this.db
        .prepare(
          `SELECT w.source, w.value, w.kind, w.updated_at, w.run_id,
             (SELECT COUNT(*) FROM boundary_ids b WHERE b.flow_id = w.flow_id AND b.source = w.source) AS boundary
           FROM watermarks w WHERE w.flow_id = ? ORDER BY w.source`,
        )
        .all(flowId) as { source: string; value: string; kind: CursorKind; updated_at: string; run_id: number | null; boundary: number }[]
    ).map((s) => ({ source: s.source, value: s.value, kind: s.kind, boundaryIds: s.boundary, updatedAt: s.updated_at, runId: s.run_id }));
  }

  async watermark(key: FlowKey, source: string): Promise<WatermarkState> {
    const flowId = this.flowIdOf(key);
    const row =
      flowId === undefined
        ? undefined
        : (this.db.prepare('SELECT value, kind, updated_at, run_id FROM watermarks WHERE flow_id = ? AND source = ?').get(flowId, source) as
            | { value: string; kind: CursorKind; updated_at: string; run_id: number | null }
            | undefined);
    if (!row) return { value: null, kind: null, boundaryIds: [], updatedAt: null, runId: null };
    const ids = (this.db.prepare('SELECT record_id FROM boundary_ids WHERE flow_id = ? AND source = ? ORDER BY record_id').pluck().all(flowId, source) as string[]);
    return { value: row.value, kind: row.kind, boundaryIds: ids, updatedAt: row.updated_at, runId: row.run_id };
  }

  /**
   * Saves progress after the destination flushed: the watermark (only ever forward), the boundary
   * ids (replaced when the watermark moves, added to when it stays), the run's counts (totals so
   * far) and the batch's rejected records, in one transaction: if any part fails, nothing is saved.
   */
  async commitProgress(runId: number, key: FlowKey, source: string, progress: Progress, options: { compare?: Comparator } = {}): Promise<CommitResult> {
    const counts = progress.counts ?? {};
    const read = checkCount('read', counts.read);
    const written = checkCount('written', counts.written);
    const rejected = checkCount('rejected', counts.rejected);
    return this.write(() => {
      const flowId = this.ensureFlow(key);
      this.requireOpenRun(runId, key);
      const now = this.iso();
      let change: CommitResult['change'] = 'none';
      let stored: string | null = null;
      const ids = [...new Set((progress.boundaryIds ?? []).map(String))];
      const insertId = this.db.prepare('INSERT OR IGNORE INTO boundary_ids (flow_id, source, record_id) VALUES (?, ?, ?)');
      const current = this.db.prepare('SELECT value, kind FROM watermarks WHERE flow_id = ? AND source = ?').get(flowId, source) as { value: string; kind: CursorKind } | undefined;
      stored = current?.value ?? null;
      if (progress.watermark !== null && progress.watermark !== undefined) {
        const next = normaliseCursor(progress.watermark, options.compare);
        const c = current ? compareCursors(current, next, options.compare) : -1;
        if (!current) {
          this.db.prepare('INSERT INTO watermarks (flow_id, source, value, kind, run_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(flowId, source, next.value, next.kind, runId, now);
          change = 'first';
        } else if (c < 0) {
          this.db.prepare('UPDATE watermarks SET value = ?, kind = ?, run_id = ?, updated_at = ? WHERE flow_id = ? AND source = ?').run(next.value, next.kind, runId, now, flowId, source);
          this.db.prepare('DELETE FROM boundary_ids WHERE flow_id = ? AND source = ?').run(flowId, source);
          change = 'advanced';
        } else if (c === 0) {
          this.db.prepare('UPDATE watermarks SET run_id = ?, updated_at = ? WHERE flow_id = ? AND source = ?').run(runId, now, flowId, source);
          change = 'same';
        } else {
          change = 'kept';
        }
        if (change !== 'kept') {
          for (const id of ids) insertId.run(flowId, source, id);
          stored = next.value;
        }
      }
      this.db
        .prepare(
          `UPDATE runs SET updated_at = ?, read_count = COALESCE(?, read_count), written_count = COALESCE(?, written_count),
           rejected_count = COALESCE(?, rejected_count) WHERE id = ?`,
        )
        .run(now, read ?? null, written ?? null, rejected ?? null, runId);
      for (const r of progress.rejected ?? []) this.rejectSync(runId, key, r);
      const boundary = stored === null ? 0 : (this.db.prepare('SELECT COUNT(*) FROM boundary_ids WHERE flow_id = ? AND source = ?').pluck().get(flowId, source) as number);
      return { watermark: stored, change, boundaryIds: boundary };
    });
  }

  /**
   * Forgets the watermarks and boundary ids of a flow, so that its next run starts over (from
   * `--since` or the beginning). Run history and rejected records are kept. Refused while a live
   * process runs the flow (it would commit its watermark again), unless `force`.
   */
  async reset(key: FlowKey, options: { force?: boolean } = {}): Promise<{ sources: string[]; boundaryIds: number }> {
    return this.write(() => {
      const flowId = this.flowIdOf(key);
      if (flowId === undefined) return { sources: [], boundaryIds: 0 };
      this.recoverSync({ flowKey: key });
      if (!options.force) this.refuseIfRunning(flowId, key);
      const sources = this.db.prepare('SELECT source FROM watermarks WHERE flow_id = ? ORDER BY source').pluck().all(flowId) as string[];
      const boundaryIds = this.db.prepare('SELECT COUNT(*) FROM boundary_ids WHERE flow_id = ?').pluck().get(flowId) as number;
      this.db.prepare('DELETE FROM watermarks WHERE flow_id = ?').run(flowId);
      return { sources, boundaryIds };
    });
  }

  // ---- runs ----

  /**
   * Records the start of a run. With `exclusive` (the default) a second live run of the same flow is
   * refused with SL6010: two runs would write the same records twice. The agent catches that and
   * records a `skipped` run with `recordSkipped`.
   */
  async startRun(key: FlowKey, options: { trigger: RunTrigger; file?: string | null; startedAt?: Date; exclusive?: boolean }): Promise<number> {
    return this.startRunSync(key, options);
  }

  private startRunSync(key: FlowKey, options: { trigger: RunTrigger; file?: string | null; startedAt?: Date; exclusive?: boolean }): number {
    if (!RUN_TRIGGERS.includes(options.trigger)) throw new Error(`unknown run trigger ${JSON.stringify(options.trigger)}`);
    return this.write(() => {
      const flowId = this.ensureFlow(key);
      if (options.exclusive !== false) {
        this.recoverSync({ flowKey: key });
        this.refuseIfRunning(flowId, key);
      }
      const started = (options.startedAt ?? this.now()).toISOString();
      const file = options.file === undefined || options.file === null ? parseFlowKey(key).file : resolve(options.file);
      const info = this.db
        .prepare(`INSERT INTO runs (flow_id, trigger, status, file, started_at, updated_at, pid, host, owner) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)`)
        .run(flowId, options.trigger, file, started, started, process.pid, HOST, PROCESS_NONCE);
      return Number(info.lastInsertRowid);
    });
  }

  /** Records a run that did not happen (the agent's tick found the flow still running). */
  async recordSkipped(key: FlowKey, options: { trigger: RunTrigger; file?: string | null; reason: string; at?: Date; deploymentVersion?: number }): Promise<number> {
    return this.write(() => {
      const at = options.at ?? this.now();
      const id = this.startRunSync(key, { trigger: options.trigger, file: options.file, startedAt: at, exclusive: false });
      this.finishRunSync(id, { status: 'skipped', error: { message: options.reason }, finishedAt: at });
      if (options.deploymentVersion !== undefined) this.db.prepare('UPDATE runs SET deployment_version = ? WHERE id = ?').run(options.deploymentVersion, id);
      return id;
    });
  }

  /** A sign of life for long stretches without a commit (only matters for runs judged from another host). */
  async heartbeat(runId: number): Promise<void> {
    this.write(() => {
      this.db.prepare(`UPDATE runs SET updated_at = ? WHERE id = ? AND status = 'running'`).run(this.iso(), runId);
    });
  }

  /**
   * Records how a run ended, with its final counts, the error (token-scrubbed) and a snapshot of the
   * flow's committed watermarks. The watermark itself is never written here: only commitProgress,
   * after a flush, may move it.
   */
  async finishRun(
    runId: number,
    result: { status: FinalRunStatus; read?: number; written?: number; rejected?: number; error?: RunError | string | Error | null; finishedAt?: Date },
  ): Promise<RunRecord> {
    return this.finishRunSync(runId, result);
  }

  private finishRunSync(
    runId: number,
    result: { status: FinalRunStatus; read?: number; written?: number; rejected?: number; error?: RunError | string | Error | null; finishedAt?: Date },
  ): RunRecord {
    if (!RUN_STATUSES.includes(result.status) || (result.status as RunStatus) === 'running') throw new Error(`finishRun needs a final status, got ${JSON.stringify(result.status)}`);
    const read = checkCount('read', result.read);
    const written = checkCount('written', result.written);
    const rejected = checkCount('rejected', result.rejected);
    return this.write(() => {
      const row = this.runRow(runId);
      if (!row) throw new StateError(E.runNotFound, `there is no run ${runId} in ${this.path}`);
      if (row.status !== 'running' && row.status !== 'interrupted') {
        throw new StateError(E.runFinished, `run ${runId} of \`${row.name}\` already ended (${row.status})`);
      }
      const flowId = this.flowIdOf(row.key)!;
      const marks = Object.fromEntries(
        (this.db.prepare('SELECT source, value FROM watermarks WHERE flow_id = ? ORDER BY source').all(flowId) as { source: string; value: string }[]).map((w) => [w.source, w.value]),
      );
      const finished = (result.finishedAt ?? this.now()).toISOString();
      this.db
        .prepare(
          `UPDATE runs SET status = ?, finished_at = ?, updated_at = ?, read_count = COALESCE(?, read_count), written_count = COALESCE(?, written_count),
           rejected_count = COALESCE(?, rejected_count), error = ?, watermarks = ? WHERE id = ?`,
        )
        .run(result.status, finished, finished, read ?? null, written ?? null, rejected ?? null, errorJson(result.error), Object.keys(marks).length ? JSON.stringify(marks) : null, runId);
      return toRun(this.runRow(runId)!);
    });
  }

  /**
   * Marks `interrupted` the runs left `running` by processes that are gone: on this host, a PID that
   * no longer exists (or exists again as another process); on another host, no sign of life for
   * `staleAfterMs` (default one hour). Returns the runs it marked. Called when the store opens, before
   * a run starts, and by the agent.
   */
  async recoverInterrupted(options: { flowKey?: FlowKey; staleAfterMs?: number } = {}): Promise<RunRecord[]> {
    return this.recoverSync(options);
  }

  private recoverSync(options: { flowKey?: FlowKey; staleAfterMs?: number } = {}): RunRecord[] {
    const running = () =>
      (options.flowKey === undefined
        ? this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id WHERE r.status = 'running'`).all()
        : this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id WHERE r.status = 'running' AND f.key = ?`).all(options.flowKey)) as RunRow[];
    // Looked at first without the write lock: opening the store (every `sluice runs`) should not
    // queue behind a busy writer when, as almost always, there is nothing to mark.
    if (!this.db.inTransaction && !running().some((row) => !this.alive(row, this.now(), options.staleAfterMs))) return [];
    return this.write(() => {
      const now = this.now();
      const marked: RunRecord[] = [];
      for (const row of running()) {
        if (this.alive(row, now, options.staleAfterMs)) continue;
        this.db
          .prepare(`UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status = 'running'`)
          .run(row.updated_at, errorJson({ code: E.runInterrupted, message: `the process running it (pid ${row.pid ?? '?'} on ${row.host ?? '?'}) ended without finishing it` }), row.id);
        marked.push(toRun(this.runRow(row.id)!));
      }
      return marked;
    });
  }

  private alive(row: RunRow, now: Date, staleAfterMs = this.foreignStaleMs): boolean {
    if (row.host === HOST && row.pid !== null) {
      if (row.pid === process.pid) return row.owner === PROCESS_NONCE;
      return pidAlive(row.pid);
    }
    return now.getTime() - Date.parse(row.updated_at) < staleAfterMs;
  }

  private refuseIfRunning(flowId: number, key: FlowKey): void {
    const other = this.db.prepare(`SELECT id, pid, host, started_at FROM runs WHERE flow_id = ? AND status = 'running' ORDER BY id LIMIT 1`).get(flowId) as
      | { id: number; pid: number | null; host: string | null; started_at: string }
      | undefined;
    if (other) {
      throw new StateError(E.flowRunning, `flow \`${parseFlowKey(key).name}\` is running (run ${other.id}, pid ${other.pid ?? '?'} on ${other.host ?? '?'}, started ${other.started_at})`, {
        hint: 'Wait for it to finish, or stop that process; a run whose process is gone is marked interrupted automatically.',
      });
    }
  }

  private requireOpenRun(runId: number, key: FlowKey): void {
    const row = this.runRow(runId);
    if (!row) throw new StateError(E.runNotFound, `there is no run ${runId} in ${this.path}`);
    if (row.key !== key) throw new Error(`run ${runId} belongs to ${row.key}, not ${key}`);
    // An `interrupted` run may still commit: the mark can come from a stale heartbeat while the
    // process is in fact alive, and what it flushed is written whatever the run's label says.
    if (row.status !== 'running' && row.status !== 'interrupted') {
      throw new StateError(E.runFinished, `run ${runId} of \`${row.name}\` already ended (${row.status}); it cannot commit progress`);
    }
  }

  async runs(key?: FlowKey, options: { limit?: number; status?: RunStatus; trigger?: RunTrigger } = {}): Promise<RunRecord[]> {
    return this.runsSync(key, options);
  }

  private runsSync(key?: FlowKey, options: { limit?: number; status?: RunStatus; trigger?: RunTrigger } = {}): RunRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (key !== undefined) {
      where.push('f.key = ?');
      params.push(key);
    }
    if (options.status) {
      where.push('r.status = ?');
      params.push(options.status);
    }
    if (options.trigger) {
      where.push('r.trigger = ?');
      params.push(options.trigger);
    }
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1_000_000));
    const rows = this.db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC LIMIT ?`)
      .all(...params, limit) as RunRow[];
    return rows.map(toRun);
  }

  /** The last run that succeeded: its start is `~{LastRunTime}~`. */
  async lastSuccessfulRun(key: FlowKey): Promise<RunRecord | null> {
    return this.runsSync(key, { limit: 1, status: 'succeeded' })[0] ?? null;
  }

  // ---- rejected records ----

  /**
   * Keeps a record the destination refused, with the reason. Does not touch the run's counts (the
   * interpreter reports totals). Inside commitProgress's `extra` it joins that transaction, so a
   * rejection is saved exactly when the batch it belongs to is.
   */
  async reject(runId: number | null, key: FlowKey, input: RejectInput): Promise<number> {
    return this.rejectSync(runId, key, input);
  }

  private rejectSync(runId: number | null, key: FlowKey, input: RejectInput): number {
    return this.write(() => {
      const flowId = this.ensureFlow(key);
      if (runId !== null && !this.runRow(runId)) throw new StateError(E.runNotFound, `there is no run ${runId} in ${this.path}`);
      const info = this.db
        .prepare('INSERT INTO rejected (flow_id, run_id, destination, record_id, record, source_record, reason, code, created_at, source_fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(
          flowId,
          runId,
          input.destination,
          input.recordId === undefined || input.recordId === null ? null : String(input.recordId),
          recordJson(input.record),
          input.source === undefined ? null : recordJson(input.source),
          scrubSecrets(input.reason),
          input.code ?? null,
          this.iso(),
          input.sourceFields === undefined ? null : JSON.stringify(input.sourceFields),
        );
      return Number(info.lastInsertRowid);
    });
  }

  async rejected(key?: FlowKey, options: { limit?: number; runId?: number } = {}): Promise<RejectedRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (key !== undefined) {
      where.push('f.key = ?');
      params.push(key);
    }
    if (options.runId !== undefined) {
      where.push('x.run_id = ?');
      params.push(options.runId);
    }
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1_000_000));
    const rows = this.db
      .prepare(
        `SELECT x.id, f.key, x.run_id, x.destination, x.record_id, x.record, x.source_record, x.source_fields, x.reason, x.code, x.created_at
         FROM rejected x JOIN flows f ON f.id = x.flow_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.id DESC LIMIT ?`,
      )
      .all(...params, limit) as {
      id: number;
      key: string;
      run_id: number | null;
      destination: string;
      record_id: string | null;
      record: string;
      source_record: string | null;
      source_fields: string | null;
      reason: string;
      code: string | null;
      created_at: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      flowKey: r.key,
      runId: r.run_id,
      destination: r.destination,
      recordId: r.record_id,
      record: JSON.parse(r.record) as unknown,
      source: r.source_record === null ? null : (JSON.parse(r.source_record) as unknown),
      sourceFields: r.source_fields === null ? null : (JSON.parse(r.source_fields) as string[]),
      reason: r.reason,
      code: r.code,
      createdAt: r.created_at,
    }));
  }

  /** Forgets rejected records (replayed successfully). */
  async removeRejected(ids: readonly number[]): Promise<number> {
    return this.write(() => {
      const del = this.db.prepare('DELETE FROM rejected WHERE id = ?');
      let n = 0;
      for (const id of ids) n += del.run(id).changes;
      return n;
    });
  }

  /** Gives a rejected record a new reason (a replay that failed again, or is about to send it). */
  async updateRejected(id: number, update: { reason: string; code: string | null }): Promise<void> {
    this.write(() => {
      this.db.prepare('UPDATE rejected SET reason = ?, code = ? WHERE id = ?').run(scrubSecrets(update.reason), update.code, id);
    });
  }

  // ---- the agent's run details ----

  async saveRunDetails(runId: number, details: unknown): Promise<void> {
    this.write(() => {
      this.db.prepare('INSERT OR REPLACE INTO run_details (run_id, details) VALUES (?, ?)').run(runId, JSON.stringify(details));
    });
  }

  async runDetails(runId: number): Promise<unknown> {
    const row = this.db.prepare('SELECT details FROM run_details WHERE run_id = ?').get(runId) as { details: string } | undefined;
    return row ? (JSON.parse(row.details) as unknown) : null;
  }

  // ---- flows ----

  async flows(): Promise<FlowSummary[]> {
    return this.flowsSync();
  }

  private flowsSync(): FlowSummary[] {
    const flows = this.db
      .prepare(
        `SELECT f.id, f.key, f.name, f.file, f.created_at,
           (SELECT COUNT(*) FROM runs r WHERE r.flow_id = f.id) AS runs,
           (SELECT COUNT(*) FROM rejected x WHERE x.flow_id = f.id) AS rejected,
           (SELECT MAX(id) FROM runs r WHERE r.flow_id = f.id) AS last_run,
           (SELECT MAX(id) FROM runs r WHERE r.flow_id = f.id AND r.status = 'succeeded') AS last_success
         FROM flows f ORDER BY f.name, f.key`,
      )
      .all() as { id: number; key: string; name: string; file: string | null; created_at: string; runs: number; rejected: number; last_run: number | null; last_success: number | null }[];
    return flows.map((f) => ({
      key: f.key,
      name: f.name,
      file: f.file,
      createdAt: f.created_at,
      sources: this.sourcesSync(f.key),
      lastRun: f.last_run === null ? null : this.runSync(f.last_run)!,
      lastSuccess: f.last_success === null ? null : this.runSync(f.last_success)!,
      runs: f.runs,
      rejected: f.rejected,
    }));
  }

  /**
   * The flows a user means by QUERY on the command line: a state key, `FILE#FLOW` or `FILE:FLOW`,
   * a flow file (all its flows), or a flow name (in any file). Several matches are the caller's to
   * report as ambiguous where one is needed.
   */
  async findFlows(query: string, cwd: string = process.cwd()): Promise<FlowSummary[]> {
    const all = this.flowsSync();
    const exact = all.filter((f) => f.key === query);
    if (exact.length) return exact;
    const split = /^(.+)[#:]([^#:/\\]+)$/.exec(query);
    if (split && split[1].length > 1) {
      try {
        const key = flowKey(split[1], split[2], cwd);
        const byKey = all.filter((f) => f.key === key);
        if (byKey.length) return byKey;
      } catch {
        // Not a valid FILE#FLOW: try the other readings.
      }
    }
    let abs = resolve(cwd, query);
    try {
      abs = realpathSync(abs);
    } catch {
      // A file that is gone can still name the state its flows left.
    }
    const byFile = all.filter((f) => f.file === abs);
    if (byFile.length) return byFile;
    return all.filter((f) => f.name === query);
  }
}

export function errorJson(error: RunError | string | Error | null | undefined): string | null {
  if (error === undefined || error === null) return null;
  if (typeof error === 'string') return JSON.stringify({ message: scrubSecrets(error) });
  const { code, hint } = error as { code?: unknown; hint?: unknown };
  return JSON.stringify({
    ...(typeof code === 'string' ? { code } : {}),
    message: scrubSecrets(error.message),
    ...(typeof hint === 'string' && hint ? { hint: scrubSecrets(hint) } : {}),
  });
}
