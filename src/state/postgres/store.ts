// The state store on PostgreSQL: the same methods, arguments and semantics as the SQLite store
// (src/state/sqlite-store.ts), with every result a Promise. It is what workers on several machines
// share (queue mode), so every read-compare-write runs in a transaction that first takes one
// transaction-scoped advisory lock for the schema: writers take turns exactly as SQLite's IMMEDIATE
// transactions make them, so two workers never both see "no run is going" or both advance a
// watermark from the same old value. Commits are per page, so one lock costs little; reads take none.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type pg from 'pg';
import { compareCursors, normaliseCursor, type Comparator, type CursorKind } from '../cursor.js';
import { STATE_ERRORS as E, StateError } from '../errors.js';
import { scrubSecrets } from '../scrub.js';
import { flowFilePath, flowKey, parseFlowKey, type FlowKey } from '../keys.js';
import { RUN_COLUMNS, toRun, type RunRow } from '../sqlite-rows.js';
import { HOST, PROCESS_NONCE, checkCount, errorJson, recordJson } from '../sqlite-store.js';
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
} from '../store.js';
import { PgDeployments } from './deployments.js';
import { PgWebhookStore } from './webhooks.js';
import { pidAlive } from '../../util/process.js';
import { statePool, unreachable } from './connect.js';
import { parsePgTarget, type PgTarget } from './target.js';
import { migratePg } from './migrations.js';

export type Queryable = pg.ClientBase | pg.Pool;

export interface PostgresStateStoreOptions {
  now?: () => Date;
  recover?: boolean;
  foreignStaleMs?: number;
  /** Overrides the URL's `?schema=` (tests). */
  schema?: string;
  /** Pool size (default 4). */
  maxConnections?: number;
}

export class PostgresStateStore implements StateStore {
  readonly kind = 'postgres' as const;
  /** Where the state is, for messages: `postgres://user@host:port/db#schema`, never the password. */
  readonly path: string;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly deployments: PgDeployments;
  readonly webhooks: PgWebhookStore;
  private readonly now: () => Date;
  private readonly foreignStaleMs: number;

  private constructor(pool: pg.Pool, target: PgTarget, options: PostgresStateStoreOptions) {
    this.pool = pool;
    this.path = target.display;
    this.schema = target.schema;
    this.now = options.now ?? (() => new Date());
    this.foreignStaleMs = options.foreignStaleMs ?? DEFAULT_FOREIGN_STALE_MS;
    this.deployments = new PgDeployments(this, this.now);
    this.webhooks = new PgWebhookStore(this);
  }

  /** Connects, creating the schema and applying migrations as needed. */
  static async open(url: string, options: PostgresStateStoreOptions = {}): Promise<PostgresStateStore> {
    const target = parsePgTarget(url, options.schema);
    const pool = statePool(target, options.maxConnections);
    try {
      const client = await pool.connect();
      try {
        await migratePg(client, target.schema, target.display);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      throw unreachable(err, target);
    }
    const store = new PostgresStateStore(pool, target, options);
    if (options.recover !== false) await store.recoverInterrupted();
    return store;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  private iso(): string {
    return this.now().toISOString();
  }

  /**
   * Runs `fn` in a transaction holding the schema's write lock. Inside a transaction already (a
   * client passed in), `fn` joins it, as a SQLite savepoint would.
   */
  async write<T>(fn: (c: pg.ClientBase) => Promise<T>, within?: pg.ClientBase): Promise<T> {
    if (within) return fn(within);
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sluice-state:${this.schema}`]);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  private async one<T>(q: Queryable, text: string, values: unknown[] = []): Promise<T | undefined> {
    return (await q.query(text, values)).rows[0] as T | undefined;
  }

  private async all<T>(q: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
    return (await q.query(text, values)).rows as T[];
  }

  async hasFlow(key: FlowKey): Promise<boolean> {
    return (await this.flowIdOf(this.pool, key)) !== undefined;
  }

  private async flowIdOf(q: Queryable, key: FlowKey): Promise<number | undefined> {
    return (await this.one<{ id: number }>(q, 'SELECT id FROM flows WHERE key = $1', [key]))?.id;
  }

  private async ensureFlow(q: Queryable, key: FlowKey): Promise<number> {
    const existing = await this.flowIdOf(q, key);
    if (existing !== undefined) return existing;
    const { name, file } = parseFlowKey(key);
    await q.query('INSERT INTO flows (key, name, file, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING', [key, name, file, this.iso()]);
    return (await this.flowIdOf(q, key))!;
  }

  private runRow(q: Queryable, runId: number): Promise<RunRow | undefined> {
    return this.one<RunRow>(q, `SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id WHERE r.id = $1`, [runId]);
  }

  async run(runId: number): Promise<RunRecord | undefined> {
    const row = await this.runRow(this.pool, runId);
    return row ? toRun(row) : undefined;
  }

  /** See StateStore.claimFlow: adopts legacy keys, refuses a second file claiming the identity. */
  async claimFlow(key: FlowKey, options: { file?: string | null; legacyKeys?: readonly FlowKey[] } = {}): Promise<{ adopted: FlowKey[] }> {
    return this.write(async (c) => {
      const adopted: FlowKey[] = [];
      for (const legacy of options.legacyKeys ?? []) {
        if (legacy === key) continue;
        const fromId = await this.flowIdOf(c, legacy);
        if (fromId === undefined) continue;
        await this.recoverInterrupted({ flowKey: legacy }, c);
        await this.refuseIfRunning(c, fromId, legacy);
        await this.mergeFlowState(c, fromId, await this.ensureFlow(c, key));
        adopted.push(legacy);
      }
      const file = options.file ? flowFilePath(options.file) : null;
      if (file) {
        const flowId = await this.ensureFlow(c, key);
        const row = (await this.one<{ file: string | null }>(c, 'SELECT file FROM flows WHERE id = $1', [flowId]))!;
        if (row.file && row.file !== file && existsSync(row.file)) {
          const { name } = parseFlowKey(key);
          throw new StateError(E.flowClaimed, `the state of flow \`${name}\` belongs to ${row.file}, and ${file} has a flow with the same identity`, {
            hint: `Two flows sharing a state would each skip the other's records. Give one of them its own identity with \`id "..."\` inside its \`flow NAME { ... }\` block, or, if ${file} replaces the other file, delete or rename that one.`,
          });
        }
        if (row.file !== file) await c.query('UPDATE flows SET file = $1 WHERE id = $2', [file, flowId]);
      }
      return { adopted };
    });
  }

  /** merge.ts for PostgreSQL: the later watermark wins; at equal values the boundary ids are joined. */
  private async mergeFlowState(c: pg.ClientBase, fromId: number, toId: number): Promise<void> {
    const marks = await this.all<{ source: string; value: string; kind: CursorKind; run_id: number | null; updated_at: string }>(
      c,
      'SELECT source, value, kind, run_id, updated_at FROM watermarks WHERE flow_id = $1',
      [fromId],
    );
    for (const m of marks) {
      const t = await this.one<{ value: string; kind: CursorKind }>(c, 'SELECT value, kind FROM watermarks WHERE flow_id = $1 AND source = $2', [toId, m.source]);
      const cmp = t ? compareCursors({ value: m.value, kind: m.kind }, { value: t.value, kind: t.kind }) : 1;
      if (cmp > 0) {
        await c.query('DELETE FROM watermarks WHERE flow_id = $1 AND source = $2', [toId, m.source]);
        await c.query('INSERT INTO watermarks (flow_id, source, value, kind, run_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)', [toId, m.source, m.value, m.kind, m.run_id, m.updated_at]);
      }
      if (cmp >= 0) {
        await c.query(
          'INSERT INTO boundary_ids (flow_id, source, record_id) SELECT $1, source, record_id FROM boundary_ids WHERE flow_id = $2 AND source = $3 ON CONFLICT DO NOTHING',
          [toId, fromId, m.source],
        );
      }
    }
    await c.query('DELETE FROM watermarks WHERE flow_id = $1', [fromId]);
    await c.query('UPDATE runs SET flow_id = $1 WHERE flow_id = $2', [toId, fromId]);
    await c.query('UPDATE rejected SET flow_id = $1 WHERE flow_id = $2', [toId, fromId]);
    await c.query('DELETE FROM flows WHERE id = $1', [fromId]);
  }

  // ---- watermarks ----

  async sources(key: FlowKey): Promise<SourceState[]> {
    const flowId = await this.flowIdOf(this.pool, key);
    if (flowId === undefined) return [];
    const rows = await this.all<{ source: string; value: string; kind: CursorKind; updated_at: string; run_id: number | null; boundary: number }>(
      this.pool,
      `SELECT w.source, w.value, w.kind, w.updated_at, w.run_id,
         (SELECT COUNT(*)::int FROM boundary_ids b WHERE b.flow_id = w.flow_id AND b.source = w.source) AS boundary
       FROM watermarks w WHERE w.flow_id = $1 ORDER BY w.source COLLATE "C"`,
      [flowId],
    );
    return rows.map((s) => ({ source: s.source, value: s.value, kind: s.kind, boundaryIds: s.boundary, updatedAt: s.updated_at, runId: s.run_id }));
  }

  async watermark(key: FlowKey, source: string): Promise<WatermarkState> {
    const flowId = await this.flowIdOf(this.pool, key);
    const row =
      flowId === undefined
        ? undefined
        : await this.one<{ value: string; kind: CursorKind; updated_at: string; run_id: number | null }>(
            this.pool,
            'SELECT value, kind, updated_at, run_id FROM watermarks WHERE flow_id = $1 AND source = $2',
            [flowId, source],
          );
    if (!row) return { value: null, kind: null, boundaryIds: [], updatedAt: null, runId: null };
    const ids = (await this.all<{ record_id: string }>(this.pool, 'SELECT record_id FROM boundary_ids WHERE flow_id = $1 AND source = $2 ORDER BY record_id COLLATE "C"', [flowId, source])).map(
      (r) => r.record_id,
    );
    return { value: row.value, kind: row.kind, boundaryIds: ids, updatedAt: row.updated_at, runId: row.run_id };
  }

  /** See StateStore.commitProgress: the watermark, boundary ids, counts and the batch's rejected records in one transaction. */
  async commitProgress(
    runId: number,
    key: FlowKey,
    source: string,
    progress: Progress,
    options: { compare?: Comparator } = {},
  ): Promise<CommitResult> {
    const counts = progress.counts ?? {};
    const read = checkCount('read', counts.read);
    const written = checkCount('written', counts.written);
    const rejected = checkCount('rejected', counts.rejected);
    const next = progress.watermark !== null && progress.watermark !== undefined ? normaliseCursor(progress.watermark, options.compare) : null;
    return this.write(async (c) => {
      const flowId = await this.ensureFlow(c, key);
      await this.requireOpenRun(c, runId, key);
      const now = this.iso();
      let change: CommitResult['change'] = 'none';
      const ids = [...new Set((progress.boundaryIds ?? []).map(String))];
      const current = await this.one<{ value: string; kind: CursorKind }>(c, 'SELECT value, kind FROM watermarks WHERE flow_id = $1 AND source = $2', [flowId, source]);
      let stored: string | null = current?.value ?? null;
      if (next) {
        const cmp = current ? compareCursors(current, next, options.compare) : -1;
        if (!current) {
          await c.query('INSERT INTO watermarks (flow_id, source, value, kind, run_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)', [flowId, source, next.value, next.kind, runId, now]);
          change = 'first';
        } else if (cmp < 0) {
          await c.query('UPDATE watermarks SET value = $1, kind = $2, run_id = $3, updated_at = $4 WHERE flow_id = $5 AND source = $6', [next.value, next.kind, runId, now, flowId, source]);
          await c.query('DELETE FROM boundary_ids WHERE flow_id = $1 AND source = $2', [flowId, source]);
          change = 'advanced';
        } else if (cmp === 0) {
          await c.query('UPDATE watermarks SET run_id = $1, updated_at = $2 WHERE flow_id = $3 AND source = $4', [runId, now, flowId, source]);
          change = 'same';
        } else {
          change = 'kept';
        }
        if (change !== 'kept') {
          if (ids.length) {
            await c.query('INSERT INTO boundary_ids (flow_id, source, record_id) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING', [flowId, source, ids]);
          }
          stored = next.value;
        }
      }
      await c.query(
        `UPDATE runs SET updated_at = $1, read_count = COALESCE($2, read_count), written_count = COALESCE($3, written_count),
         rejected_count = COALESCE($4, rejected_count) WHERE id = $5`,
        [now, read ?? null, written ?? null, rejected ?? null, runId],
      );
      for (const r of progress.rejected ?? []) await this.reject(runId, key, r, c);
      const boundary = stored === null ? 0 : (await this.one<{ n: number }>(c, 'SELECT COUNT(*)::int AS n FROM boundary_ids WHERE flow_id = $1 AND source = $2', [flowId, source]))!.n;
      return { watermark: stored, change, boundaryIds: boundary };
    });
  }

  async reset(key: FlowKey, options: { force?: boolean } = {}): Promise<{ sources: string[]; boundaryIds: number }> {
    return this.write(async (c) => {
      const flowId = await this.flowIdOf(c, key);
      if (flowId === undefined) return { sources: [], boundaryIds: 0 };
      await this.recoverInterrupted({ flowKey: key }, c);
      if (!options.force) await this.refuseIfRunning(c, flowId, key);
      const sources = (await this.all<{ source: string }>(c, 'SELECT source FROM watermarks WHERE flow_id = $1 ORDER BY source COLLATE "C"', [flowId])).map((r) => r.source);
      const boundaryIds = (await this.one<{ n: number }>(c, 'SELECT COUNT(*)::int AS n FROM boundary_ids WHERE flow_id = $1', [flowId]))!.n;
      await c.query('DELETE FROM watermarks WHERE flow_id = $1', [flowId]);
      return { sources, boundaryIds };
    });
  }

  // ---- runs ----

  async startRun(key: FlowKey, options: { trigger: RunTrigger; file?: string | null; startedAt?: Date; exclusive?: boolean }, within?: pg.ClientBase): Promise<number> {
    if (!RUN_TRIGGERS.includes(options.trigger)) throw new Error(`unknown run trigger ${JSON.stringify(options.trigger)}`);
    return this.write(async (c) => {
      const flowId = await this.ensureFlow(c, key);
      if (options.exclusive !== false) {
        await this.recoverInterrupted({ flowKey: key }, c);
        await this.refuseIfRunning(c, flowId, key);
      }
      const started = (options.startedAt ?? this.now()).toISOString();
      const file = options.file === undefined || options.file === null ? parseFlowKey(key).file : resolve(options.file);
      const row = await this.one<{ id: number }>(
        c,
        `INSERT INTO runs (flow_id, trigger, status, file, started_at, updated_at, pid, host, owner) VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8) RETURNING id`,
        [flowId, options.trigger, file, started, started, process.pid, HOST, PROCESS_NONCE],
      );
      return row!.id;
    }, within);
  }

  async recordSkipped(key: FlowKey, options: { trigger: RunTrigger; file?: string | null; reason: string; at?: Date; deploymentVersion?: number }, within?: pg.ClientBase): Promise<number> {
    return this.write(async (c) => {
      const at = options.at ?? this.now();
      const id = await this.startRun(key, { trigger: options.trigger, file: options.file, startedAt: at, exclusive: false }, c);
      await this.finishRun(id, { status: 'skipped', error: { message: options.reason }, finishedAt: at }, c);
      if (options.deploymentVersion !== undefined) await c.query('UPDATE runs SET deployment_version = $1 WHERE id = $2', [options.deploymentVersion, id]);
      return id;
    }, within);
  }

  async heartbeat(runId: number): Promise<void> {
    await this.pool.query(`UPDATE runs SET updated_at = $1 WHERE id = $2 AND status = 'running'`, [this.iso(), runId]);
  }

  async finishRun(
    runId: number,
    result: { status: FinalRunStatus; read?: number; written?: number; rejected?: number; error?: RunError | string | Error | null; finishedAt?: Date },
    within?: pg.ClientBase,
  ): Promise<RunRecord> {
    if (!RUN_STATUSES.includes(result.status) || (result.status as RunStatus) === 'running') throw new Error(`finishRun needs a final status, got ${JSON.stringify(result.status)}`);
    const read = checkCount('read', result.read);
    const written = checkCount('written', result.written);
    const rejected = checkCount('rejected', result.rejected);
    return this.write(async (c) => {
      const row = await this.runRow(c, runId);
      if (!row) throw new StateError(E.runNotFound, `there is no run ${runId} in ${this.path}`);
      if (row.status !== 'running' && row.status !== 'interrupted') {
        throw new StateError(E.runFinished, `run ${runId} of \`${row.name}\` already ended (${row.status})`);
      }
      const flowId = (await this.flowIdOf(c, row.key))!;
      const marks = Object.fromEntries(
        (await this.all<{ source: string; value: string }>(c, 'SELECT source, value FROM watermarks WHERE flow_id = $1 ORDER BY source COLLATE "C"', [flowId])).map((w) => [w.source, w.value]),
      );
      const finished = (result.finishedAt ?? this.now()).toISOString();
      await c.query(
        `UPDATE runs SET status = $1, finished_at = $2, updated_at = $3, read_count = COALESCE($4, read_count), written_count = COALESCE($5, written_count),
         rejected_count = COALESCE($6, rejected_count), error = $7, watermarks = $8 WHERE id = $9`,
        [result.status, finished, finished, read ?? null, written ?? null, rejected ?? null, errorJson(result.error), Object.keys(marks).length ? JSON.stringify(marks) : null, runId],
      );
      return toRun((await this.runRow(c, runId))!);
    }, within);
  }

  /** See StateStore.recoverInterrupted: dead PIDs on this host, silence for `staleAfterMs` from other hosts. */
  async recoverInterrupted(options: { flowKey?: FlowKey; staleAfterMs?: number } = {}, within?: pg.ClientBase): Promise<RunRecord[]> {
    const running = (q: Queryable) =>
      options.flowKey === undefined
        ? this.all<RunRow>(q, `SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id WHERE r.status = 'running'`)
        : this.all<RunRow>(q, `SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id WHERE r.status = 'running' AND f.key = $1`, [options.flowKey]);
    const gone = (row: RunRow, now: Date) => !this.alive(row, now, options.staleAfterMs);
    if (!within && !(await running(this.pool)).some((row) => gone(row, this.now()))) return [];
    return this.write(async (c) => {
      const now = this.now();
      const marked: RunRecord[] = [];
      for (const row of await running(c)) {
        if (!gone(row, now)) continue;
        await c.query(`UPDATE runs SET status = 'interrupted', finished_at = $1, error = $2 WHERE id = $3 AND status = 'running'`, [
          row.updated_at,
          errorJson({ code: E.runInterrupted, message: `the process running it (pid ${row.pid ?? '?'} on ${row.host ?? '?'}) ended without finishing it` }),
          row.id,
        ]);
        marked.push(toRun((await this.runRow(c, row.id))!));
      }
      return marked;
    }, within);
  }

  private alive(row: RunRow, now: Date, staleAfterMs = this.foreignStaleMs): boolean {
    if (row.host === HOST && row.pid !== null) {
      if (row.pid === process.pid) return row.owner === PROCESS_NONCE;
      return pidAlive(row.pid);
    }
    return now.getTime() - Date.parse(row.updated_at) < staleAfterMs;
  }

  private async refuseIfRunning(c: Queryable, flowId: number, key: FlowKey): Promise<void> {
    const other = await this.one<{ id: number; pid: number | null; host: string | null; started_at: string }>(
      c,
      `SELECT id, pid, host, started_at FROM runs WHERE flow_id = $1 AND status = 'running' ORDER BY id LIMIT 1`,
      [flowId],
    );
    if (other) {
      throw new StateError(E.flowRunning, `flow \`${parseFlowKey(key).name}\` is running (run ${other.id}, pid ${other.pid ?? '?'} on ${other.host ?? '?'}, started ${other.started_at})`, {
        hint: 'Wait for it to finish, or stop that process; a run whose process is gone is marked interrupted automatically.',
      });
    }
  }

  private async requireOpenRun(c: Queryable, runId: number, key: FlowKey): Promise<void> {
    const row = await this.runRow(c, runId);
    if (!row) throw new StateError(E.runNotFound, `there is no run ${runId} in ${this.path}`);
    if (row.key !== key) throw new Error(`run ${runId} belongs to ${row.key}, not ${key}`);
    if (row.status !== 'running' && row.status !== 'interrupted') {
      throw new StateError(E.runFinished, `run ${runId} of \`${row.name}\` already ended (${row.status}); it cannot commit progress`);
    }
  }

  async runs(key?: FlowKey, options: { limit?: number; status?: RunStatus; trigger?: RunTrigger } = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (key !== undefined) {
      params.push(key);
      where.push(`f.key = $${params.length}`);
    }
    if (options.status) {
      params.push(options.status);
      where.push(`r.status = $${params.length}`);
    }
    if (options.trigger) {
      params.push(options.trigger);
      where.push(`r.trigger = $${params.length}`);
    }
    params.push(Math.max(1, Math.min(options.limit ?? 100, 1_000_000)));
    const rows = await this.all<RunRow>(
      this.pool,
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRun);
  }

  async lastSuccessfulRun(key: FlowKey): Promise<RunRecord | null> {
    return (await this.runs(key, { limit: 1, status: 'succeeded' }))[0] ?? null;
  }

  // ---- rejected records ----

  async reject(
    runId: number | null,
    key: FlowKey,
    input: RejectInput,
    within?: pg.ClientBase,
  ): Promise<number> {
    return this.write(async (c) => {
      const flowId = await this.ensureFlow(c, key);
      if (runId !== null && !(await this.runRow(c, runId))) throw new StateError(E.runNotFound, `there is no run ${runId} in ${this.path}`);
      const row = await this.one<{ id: number }>(
        c,
        'INSERT INTO rejected (flow_id, run_id, destination, record_id, record, source_record, reason, code, created_at, source_fields) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id',
        [
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
        ],
      );
      return row!.id;
    }, within);
  }

  async rejected(key?: FlowKey, options: { limit?: number; runId?: number } = {}): Promise<RejectedRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (key !== undefined) {
      params.push(key);
      where.push(`f.key = $${params.length}`);
    }
    if (options.runId !== undefined) {
      params.push(options.runId);
      where.push(`x.run_id = $${params.length}`);
    }
    params.push(Math.max(1, Math.min(options.limit ?? 100, 1_000_000)));
    const rows = await this.all<{
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
    }>(
      this.pool,
      `SELECT x.id, f.key, x.run_id, x.destination, x.record_id, x.record, x.source_record, x.source_fields, x.reason, x.code, x.created_at
       FROM rejected x JOIN flows f ON f.id = x.flow_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.id DESC LIMIT $${params.length}`,
      params,
    );
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

  async removeRejected(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const res = await this.pool.query('DELETE FROM rejected WHERE id = ANY($1::int[])', [ids]);
    return res.rowCount ?? 0;
  }

  async updateRejected(id: number, update: { reason: string; code: string | null }): Promise<void> {
    await this.pool.query('UPDATE rejected SET reason = $1, code = $2 WHERE id = $3', [scrubSecrets(update.reason), update.code, id]);
  }

  // ---- run details (the agent's panel) ----

  async saveRunDetails(runId: number, details: unknown): Promise<void> {
    await this.pool.query('INSERT INTO run_details (run_id, details) VALUES ($1, $2) ON CONFLICT (run_id) DO UPDATE SET details = excluded.details', [runId, JSON.stringify(details)]);
  }

  async runDetails(runId: number): Promise<unknown> {
    const row = await this.one<{ details: string }>(this.pool, 'SELECT details FROM run_details WHERE run_id = $1', [runId]);
    return row ? (JSON.parse(row.details) as unknown) : null;
  }

  // ---- flows ----

  async flows(): Promise<FlowSummary[]> {
    const flows = await this.all<{ id: number; key: string; name: string; file: string | null; created_at: string; runs: number; rejected: number; last_run: number | null; last_success: number | null }>(
      this.pool,
      `SELECT f.id, f.key, f.name, f.file, f.created_at,
         (SELECT COUNT(*)::int FROM runs r WHERE r.flow_id = f.id) AS runs,
         (SELECT COUNT(*)::int FROM rejected x WHERE x.flow_id = f.id) AS rejected,
         (SELECT MAX(id) FROM runs r WHERE r.flow_id = f.id) AS last_run,
         (SELECT MAX(id) FROM runs r WHERE r.flow_id = f.id AND r.status = 'succeeded') AS last_success
       FROM flows f ORDER BY f.name COLLATE "C", f.key COLLATE "C"`,
    );
    const out: FlowSummary[] = [];
    for (const f of flows) {
      out.push({
        key: f.key,
        name: f.name,
        file: f.file,
        createdAt: f.created_at,
        sources: await this.sources(f.key),
        lastRun: f.last_run === null ? null : (await this.run(f.last_run))!,
        lastSuccess: f.last_success === null ? null : (await this.run(f.last_success))!,
        runs: f.runs,
        rejected: f.rejected,
      });
    }
    return out;
  }

  /** See StateStore.findFlows. */
  async findFlows(query: string, cwd: string = process.cwd()): Promise<FlowSummary[]> {
    const all = await this.flows();
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
    const abs = flowFilePath(query, cwd);
    const byFile = all.filter((f) => f.file === abs);
    if (byFile.length) return byFile;
    return all.filter((f) => f.name === query);
  }
}
