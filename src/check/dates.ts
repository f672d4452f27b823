// Whether a text can be a date or a date-time of a JSON Schema `format`, the way the APIs read them:
// ISO 8601, `2026-03-31` or `2026-03-31T09:30:00Z` (a space for the `T`, no zone, or an offset too).
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export type DateFormat = 'date' | 'date-time';

export const isDateFormat = (f: string | undefined): f is DateFormat => f === 'date' || f === 'date-time';

export function isDateText(format: DateFormat, text: string): boolean {
  const m = (format === 'date' ? DATE : DATE_TIME).exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  return true;
}

export const dateExample = (format: DateFormat): string => (format === 'date' ? '"2026-03-31"' : '"2026-03-31T09:30:00Z"');
