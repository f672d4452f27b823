// Boundary ids (see run-flow.ts): what identifies one version of a record at the watermark.
import { createHash } from 'node:crypto';
import { getPath, type Rec } from '../eval.js';
import { normaliseCursor, type Cursor } from '../state/index.js';

/** Marks a record whose non-repeatable write was started. */
export const SENDING = 'sending:';

/** The record's id: its key fields, or without a key a digest of its content. */
export function recordKey(rec: Rec, key: string[] | null): string {
  if (key && key.length) return key.map((k) => String(getPath(rec, k))).join(':');
  return createHash('sha1').update(JSON.stringify(rec)).digest('hex').slice(0, 20);
}

/**
 * The boundary id of one version of a record: its id, its cursor and a digest of its content (of
 * `fields` when given, else of the whole record).
 */
export function versionKey(rec: Rec, id: string, c: Cursor, fields: string[] | null): string {
  const content = JSON.stringify(fields ? fields.map((f) => rec[f] ?? null) : rec);
  return `${id}@${c.value}#${createHash('sha1').update(content).digest('base64url').slice(0, 12)}`;
}

/** The record's cursor (its watermark field), or null when it has none that reads as a time or number. */
export function cursorOf(rec: Rec, field: string | null): Cursor | null {
  if (!field) return null;
  const v = getPath(rec, field);
  if (v === null || (typeof v !== 'string' && typeof v !== 'number')) return null;
  try {
    return normaliseCursor(v);
  } catch {
    return null;
  }
}
