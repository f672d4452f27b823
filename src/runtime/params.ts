// API parameter values as the API wants them. A time given to a parameter (a template such as
// ~{CreatedDate}~, `now()`, a literal) is rendered in that parameter's format, which the action
// definition states: the `since` format for the parameter `since` fills (Pipedrive's recents take
// `YYYY-MM-DD HH:MM:SS`, whether `since` or a `where` sets it), or the JSON Schema `format`
// (`date-time`: RFC 3339, `date`: YYYY-MM-DD). Values of any other parameter go as they are.
import type { ResolvedAction } from '../apps/index.js';
import { formatTime, normaliseTime, type TimeFormat } from './time.js';

export type ParamValue = string | number | boolean;

/** The time format of a parameter of `action`, if it takes a time. */
export function paramTimeFormat(action: ResolvedAction, name: string): TimeFormat | null {
  const since = action.since;
  if (since?.kind === 'param' && since.param === name) return since.format as TimeFormat;
  const format = action.params[name]?.schema.format;
  if (format === 'date-time') return 'rfc3339';
  if (format === 'date') return 'YYYY-MM-DD';
  return null;
}

/** The value to send for parameter `name`: a time in the parameter's format, anything else as given. */
export function paramValue(action: ResolvedAction, name: string, value: ParamValue): ParamValue {
  if (typeof value !== 'string') return value;
  const format = paramTimeFormat(action, name);
  if (!format) return value;
  const iso = normaliseTime(value);
  return iso === undefined ? value : formatTime(iso, format);
}
