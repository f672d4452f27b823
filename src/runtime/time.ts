// Timestamps as Pipedrive writes them ("2026-01-02 10:20:30" in UTC for v1, RFC 3339 for v2 and
// leads) normalised to one sortable form, ISO 8601 UTC with milliseconds, and formatted back for
// the API parameter that takes a watermark.

/** ISO 8601 UTC with milliseconds, or undefined when `v` is not a timestamp. */
export function normaliseTime(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v > 1e12 ? v : v * 1000).toISOString();
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  // "YYYY-MM-DD HH:MM:SS" (Pipedrive v1) has no zone: it is UTC.
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', se = '00', frac = '', zone] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${se}${frac}${zone ?? 'Z'}`;
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

export type TimeFormat = 'YYYY-MM-DD HH:mm:ss' | 'YYYY-MM-DD' | 'rfc3339' | 'unix' | 'unix-ms';

/** Formats a normalised time for an API parameter. */
export function formatTime(iso: string, format: TimeFormat): string {
  const d = new Date(iso);
  switch (format) {
    case 'YYYY-MM-DD HH:mm:ss':
      return d.toISOString().slice(0, 19).replace('T', ' ');
    case 'YYYY-MM-DD':
      return d.toISOString().slice(0, 10);
    case 'rfc3339':
      return `${d.toISOString().slice(0, 19)}Z`;
    case 'unix':
      return String(Math.floor(d.getTime() / 1000));
    case 'unix-ms':
      return String(d.getTime());
  }
}

/**
 * Formats the watermark for an API that compares at a coarser resolution than we store: it is
 * rounded down, so that the inclusive boundary never skips a record (the boundary ids drop the
 * ones already written).
 */
export const BEGINNING_OF_TIME = '1970-01-01T00:00:00.000Z';
