// A read-only view of a project's state, for the editor: what hover shows of `~{CreatedDate}~` and
// `~{LastRunTime}~`. It opens the database read-only (no migration, no recovery of other processes'
// runs, no lock held), so an editor open beside a run can never change or block the state.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { schemaVersion, stateDbPath, translate, type SqliteDatabase } from './db.js';
import { STATE_ERRORS as E, StateError } from './errors.js';
import type { FlowKey } from './keys.js';
import { RUN_COLUMNS, toRun, type RunRow } from './sqlite-rows.js';
import type { RunRecord, StateReader, WatermarkState } from './store.js';

export class StateReadView implements StateReader {
  private constructor(
    private readonly db: SqliteDatabase,
    readonly path: string,
  ) {}

  /** Opens `$SLUICE_HOME/state.db` read-only; null when there is none yet. */
  static open(home: string, options: { busyTimeoutMs?: number } = {}): StateReadView | null {
    const path = stateDbPath(home);
    if (!existsSync(path)) return null;
    let db: SqliteDatabase;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 200 });
    } catch (err) {
      throw translate(err, path);
    }
    try {
      // Version 0: created, never migrated (a run is creating it right now, or it is not a state database).
      if (schemaVersion(db) === 0) throw new StateError(E.notADatabase, `${path} has no state tables yet`);
    } catch (err) {
      db.close();
      throw err instanceof StateError ? err : translate(err, path);
    }
    return new StateReadView(db, path);
  }

  async hasFlow(key: FlowKey): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM flows WHERE key = ?').get(key) !== undefined;
  }

  async watermark(key: FlowKey, source: string): Promise<WatermarkState> {
    const row = this.db
      .prepare('SELECT w.value, w.kind, w.updated_at, w.run_id, w.flow_id FROM watermarks w JOIN flows f ON f.id = w.flow_id WHERE f.key = ? AND w.source = ?')
      .get(key, source) as { value: string; kind: WatermarkState['kind']; updated_at: string; run_id: number | null; flow_id: number } | undefined;
    if (!row) return { value: null, kind: null, boundaryIds: [], updatedAt: null, runId: null };
    const ids = this.db.prepare('SELECT record_id FROM boundary_ids WHERE flow_id = ? AND source = ? ORDER BY record_id').pluck().all(row.flow_id, source) as string[];
    return { value: row.value, kind: row.kind, boundaryIds: ids, updatedAt: row.updated_at, runId: row.run_id };
  }

  async lastSuccessfulRun(key: FlowKey): Promise<RunRecord | null> {
    const row = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN flows f ON f.id = r.flow_id WHERE f.key = ? AND r.status = 'succeeded' ORDER BY r.id DESC LIMIT 1`).get(key) as
      | RunRow
      | undefined;
    return row ? toRun(row) : null;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
