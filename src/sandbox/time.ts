// The three time formats Pipedrive uses side by side, and strict parsers for what clients send.
// Records keep epoch milliseconds; formatting happens only when a record is serialised.

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** v1 records: "YYYY-MM-DD HH:MM:SS", always UTC, second resolution. */
export function v1Time(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** v2 records: RFC 3339 without fractional seconds ("2026-01-15T12:00:00Z"). */
export function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Leads (a newer service inside Pipedrive): ISO 8601 with milliseconds. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

export function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const V1_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function utc(y: string, mo: string, d: string, h = '0', mi = '0', s = '0'): number | undefined {
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-31 over into March; a real server rejects it, so must we.
  if (back.getUTCFullYear() !== +y || back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d) return undefined;
  if (+h > 23 || +mi > 59 || +s > 59) return undefined;
  return ms;
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, as `since_timestamp` takes it. */
export function parseV1Time(s: string): number | undefined {
  const m = V1_RE.exec(s);
  return m ? utc(m[1], m[2], m[3], m[4], m[5], m[6]) : undefined;
}

/** "YYYY-MM-DD" (expected_close_date, due_date). */
export function parseDate(s: string): number | undefined {
  const m = DATE_RE.exec(s);
  return m ? utc(m[1], m[2], m[3]) : undefined;
}

/** RFC 3339 with a zone (`updated_since` on v2 and on v1 leads). */
export function parseRfc3339(s: string): number | undefined {
  const m = RFC3339_RE.exec(s);
  if (!m || utc(m[1], m[2], m[3], m[4], m[5], m[6]) === undefined) return undefined;
  const ms = Date.parse(s.toUpperCase());
  return Number.isNaN(ms) ? undefined : ms;
}

/** Any of the formats above; used for data files, where people paste whatever they have. */
export function parseAnyTime(s: string): number | undefined {
  return parseV1Time(s) ?? parseRfc3339(s) ?? parseDate(s);
}

/** The same instant one calendar month earlier (recents' reach), clamped at month ends. */
export function oneMonthBefore(ms: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const lastDayOfPrev = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDayOfPrev);
  return Date.UTC(y, m - 1, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

export const floorSecond = (ms: number): number => ms - (((ms % 1000) + 1000) % 1000);

export { pad2 };
