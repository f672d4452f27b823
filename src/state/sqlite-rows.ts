// A run as the SQLite tables hold it, and as the store's callers see it (shared by the writable
// store and the editor's read-only view).
import type { RunError, RunRecord, RunStatus, RunTrigger } from './store.js';

export interface RunRow {
  id: number;
  key: string;
  name: string;
  flow_file: string | null;
  trigger: RunTrigger;
  status: RunStatus;
  file: string | null;
  started_at: string;
  finished_at: string | null;
  updated_at: string;
  read_count: number;
  written_count: number;
  rejected_count: number;
  error: string | null;
  watermarks: string | null;
  pid: number | null;
  host: string | null;
  owner: string | null;
}

export const RUN_COLUMNS = `r.id, f.key, f.name, f.file AS flow_file, r.trigger, r.status, r.file, r.started_at, r.finished_at, r.updated_at,
  r.read_count, r.written_count, r.rejected_count, r.error, r.watermarks, r.pid, r.host, r.owner`;

export function toRun(row: RunRow): RunRecord {
  const duration = row.finished_at ? Date.parse(row.finished_at) - Date.parse(row.started_at) : null;
  return {
    id: row.id,
    flowKey: row.key,
    flow: row.name,
    file: row.file ?? row.flow_file,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: duration !== null && Number.isFinite(duration) ? Math.max(0, duration) : null,
    updatedAt: row.updated_at,
    read: row.read_count,
    written: row.written_count,
    rejected: row.rejected_count,
    error: row.error ? (JSON.parse(row.error) as RunError) : null,
    watermarks: row.watermarks ? (JSON.parse(row.watermarks) as Record<string, string>) : null,
    pid: row.pid,
    host: row.host,
  };
}
