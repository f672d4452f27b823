// Timestamps for expressions and API parameters. Parsing is the state store's (one reading of
// Pipedrive's times everywhere: "2026-01-02 10:20:30" is UTC, RFC 3339 as written); this module
// adds epoch numbers for `date()` and the formats API parameters take.
import { normaliseCursor } from '../state/cursor.js';

/** ISO 8601 UTC with milliseconds, or undefined when `v` is not a timestamp. */
export function normaliseTime(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  // Epoch numbers: seconds, or milliseconds when too large to be seconds.
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v > 1e12 ? v : v * 1000).toISOString();
  if (typeof v !== 'string') return undefined;
  try {
    const c = normaliseCursor(v.trim());
    return c.kind === 'time' ? c.value : undefined;
  } catch {
    return undefined;
  }
}

export type TimeFormat = 'YYYY-MM-DD HH:mm:ss' | 'YYYY-MM-DD' | 'rfc3339' | 'unix' | 'unix-ms';

/** Formats a normalised time for an API parameter (whole seconds: the APIs compare at that grain). */
export function formatTime(iso: string, format: TimeFormat | string): string {
  const d = iso.slice(0, 19);
  switch (format) {
    case 'YYYY-MM-DD HH:mm:ss':
      return d.replace('T', ' ');
    case 'YYYY-MM-DD':
      return d.slice(0, 10);
    case 'unix':
      return String(Math.floor(Date.parse(iso) / 1000));
    case 'unix-ms':
      return String(Date.parse(iso));
    default:
      return `${d}Z`;
  }
}
