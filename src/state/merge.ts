// Moves everything one flow row holds (watermarks with their boundary ids, runs, rejected records)
// onto another, for a flow whose state identity changed: state kept under an older kind of key (the
// flow's file, or an agent deployment's name) is adopted by the flow's identity, so that a flow run
// by hand and then deployed, or deployed and then run by hand, continues instead of starting over.
//
// Watermarks merge without losing or repeating a record: where both rows have one for a source, the
// later one wins (each was reached by reading everything before it); at equal values the boundary
// ids are joined. Must run inside the caller's write transaction.
import { compareCursors, type CursorKind } from './cursor.js';
import type { SqliteDatabase } from './db.js';

export function mergeFlowState(db: SqliteDatabase, fromId: number, toId: number): void {
  const marks = db.prepare('SELECT source, value, kind, run_id, updated_at FROM watermarks WHERE flow_id = ?').all(fromId) as {
    source: string;
    value: string;
    kind: CursorKind;
    run_id: number | null;
    updated_at: string;
  }[];
  const target = db.prepare('SELECT value, kind FROM watermarks WHERE flow_id = ? AND source = ?');
  const moveIds = db.prepare('INSERT OR IGNORE INTO boundary_ids (flow_id, source, record_id) SELECT ?, source, record_id FROM boundary_ids WHERE flow_id = ? AND source = ?');
  for (const m of marks) {
    const t = target.get(toId, m.source) as { value: string; kind: CursorKind } | undefined;
    const cmp = t ? compareCursors({ value: m.value, kind: m.kind }, { value: t.value, kind: t.kind }) : 1;
    if (cmp > 0) {
      db.prepare('DELETE FROM watermarks WHERE flow_id = ? AND source = ?').run(toId, m.source);
      db.prepare('INSERT INTO watermarks (flow_id, source, value, kind, run_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(toId, m.source, m.value, m.kind, m.run_id, m.updated_at);
    }
    if (cmp >= 0) moveIds.run(toId, fromId, m.source);
  }
  db.prepare('DELETE FROM watermarks WHERE flow_id = ?').run(fromId);
  db.prepare('UPDATE runs SET flow_id = ? WHERE flow_id = ?').run(toId, fromId);
  db.prepare('UPDATE rejected SET flow_id = ? WHERE flow_id = ?').run(toId, fromId);
  db.prepare('DELETE FROM flows WHERE id = ?').run(fromId);
}
