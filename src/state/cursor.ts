// Cursor values (the `update_time` of a record, or an action's cursor field) and how they compare.
//
// Watermarks are stored in a normalised form so that comparing two of them never depends on how an
// API happened to write a time: Pipedrive v1 says "2026-01-05 10:00:00" (UTC, no zone), v2 says
// "2026-01-05T10:00:00Z", and leads say "2026-01-05T10:00:00.000Z" — the same instant must be the
// same watermark, or boundary dedupe would miss and a record would be written twice.
//
// - time:   ISO 8601 UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.sssZ` (fixed width, so text order
//           is time order). A time without a zone is UTC, as Pipedrive's are. Finer fractions are
//           truncated: two records that then share a watermark are told apart by the boundary ids,
//           so truncation can only make a rerun ask for a little more, never for less.
// - number: canonical decimal (ids, sequence numbers); integers compare exactly at any size.
// - text:   anything else, compared by code units.
// - custom: stored as given, compared by a comparator the caller supplies.
import { STATE_ERRORS as E, StateError } from './errors.js';

export type CursorKind = 'time' | 'number' | 'text' | 'custom';
export type CursorInput = string | number | bigint | Date;
export type Comparator = (a: string, b: string) => number;

export interface Cursor {
  value: string;
  kind: CursorKind;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.\d*|\.\d+)$/;

function invalid(v: unknown, why: string): StateError {
  const shown = String(v).slice(0, 60);
  return new StateError(E.cursorInvalid, `\`${shown}\` cannot be a cursor value: ${why}`, {
    hint: 'A cursor must be a time (ISO 8601 or "YYYY-MM-DD HH:MM:SS"), a number or a text.',
  });
}

function normaliseTime(m: RegExpExecArray, raw: string): string {
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const year = Number(y);
  const parts = [year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  // Set field by field: Date.UTC would read years below 100 as 19xx.
  const local = new Date(0);
  local.setUTCFullYear(parts[0], parts[1], parts[2]);
  local.setUTCHours(parts[3], parts[4], parts[5], ms);
  // Dates roll 2026-02-30 over into March; a cursor like that is a corrupt record, not a time.
  if (
    local.getUTCFullYear() !== year ||
    local.getUTCMonth() !== parts[1] ||
    local.getUTCDate() !== parts[2] ||
    local.getUTCHours() !== parts[3] ||
    local.getUTCMinutes() !== parts[4] ||
    local.getUTCSeconds() !== parts[5]
  ) {
    throw invalid(raw, 'it is not a valid date and time');
  }
  let offsetMin = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = Number(digits.slice(2) || '0');
    if (zh > 23 || zm > 59) throw invalid(raw, 'its time zone offset is out of range');
    offsetMin = sign * (zh * 60 + zm);
  }
  const utc = new Date(local.getTime() - offsetMin * 60_000);
  const iso = utc.toISOString();
  // Outside years 0000-9999 toISOString writes a sign and six digits, which would not sort as text.
  if (!/^\d{4}-/.test(iso)) throw invalid(raw, 'its year is out of range');
  return iso;
}

function canonicalInteger(s: string): string {
  return BigInt(s).toString();
}

/** Normalises a cursor value; `compare` given means the caller orders values itself (kind `custom`). */
export function normaliseCursor(v: CursorInput, compare?: Comparator): Cursor {
  if (compare) {
    if (v instanceof Date) return { value: v.toISOString(), kind: 'custom' };
    return { value: String(v), kind: 'custom' };
  }
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw invalid(v, 'it is an invalid Date');
    const iso = v.toISOString();
    if (!/^\d{4}-/.test(iso)) throw invalid(iso, 'its year is out of range');
    return { value: iso, kind: 'time' };
  }
  if (typeof v === 'bigint') return { value: v.toString(), kind: 'number' };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalid(v, 'it is not a finite number');
    return { value: Number.isInteger(v) ? canonicalInteger(v.toFixed(0)) : String(v), kind: 'number' };
  }
  if (typeof v !== 'string') throw invalid(v, `it is a ${typeof v}`);
  const s = v.trim();
  if (s === '') throw invalid(v, 'it is empty');
  const t = TIME.exec(s);
  if (t) return { value: normaliseTime(t, s), kind: 'time' };
  if (INTEGER.test(s)) return { value: canonicalInteger(s), kind: 'number' };
  if (DECIMAL.test(s)) return { value: String(Number(s)), kind: 'number' };
  return { value: v, kind: 'text' };
}

/** Orders two normalised cursors of the same kind; a different kind is an error (the flow's cursor changed). */
export function compareCursors(a: Cursor, b: Cursor, compare?: Comparator): number {
  if (a.kind !== b.kind) {
    throw new StateError(E.cursorKindChanged, `the cursor changed kind: the saved watermark is a ${a.kind} (\`${a.value}\`), the new value a ${b.kind} (\`${b.value.slice(0, 60)}\`)`, {
      hint: 'The flow now reads a different cursor field. Run `sluice state reset FLOW` to start it over.',
    });
  }
  switch (a.kind) {
    case 'time':
    case 'text':
      return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    case 'number': {
      if (INTEGER.test(a.value) && INTEGER.test(b.value)) {
        const x = BigInt(a.value);
        const y = BigInt(b.value);
        return x < y ? -1 : x > y ? 1 : 0;
      }
      return Math.sign(Number(a.value) - Number(b.value));
    }
    case 'custom':
      if (!compare) {
        throw new StateError(E.cursorKindChanged, `the saved watermark \`${a.value}\` is ordered by a custom comparator, but none was given`, {
          hint: 'Pass the same comparator that saved it, or run `sluice state reset FLOW`.',
        });
      }
      return Math.sign(compare(a.value, b.value));
  }
}
