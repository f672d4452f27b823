// A run as machines read it: `sluice runs --format json`, `sluice state show --format json` and the
// agent's API (and its panel) print this one shape.
import type { RunRecord } from './store.js';

export function runJson(r: RunRecord, version: number | null = null) {
  return {
    id: r.id,
    flow: r.flow,
    file: r.file,
    key: r.flowKey,
    trigger: r.trigger,
    /** The deployment version an agent run ran (null for a run by hand, or when not known). */
    version,
    status: r.status,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    duration_ms: r.durationMs,
    read: r.read,
    written: r.written,
    rejected: r.rejected,
    error: r.error,
    watermarks: r.watermarks,
  };
}
