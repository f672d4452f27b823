// Checks a value given in a flow (a `with` option or a `where` parameter) against its JSON-Schema
// type and limits, with messages in the author's terms.
import type * as A from '../language/ast.js';
import { constantValue, NOT_CONSTANT } from './constant.js';
import { dateExample, isDateFormat, isDateText } from './dates.js';
import { closest } from '../util/suggest.js';
import { assignable, nonNull, show, type Type } from './types.js';

/** A problem with the value, in words, or undefined when it fits. */
export function valueProblem(what: string, expected: Type, e: A.Expr, actual: Type): string | undefined {
  const v = constantValue(e);
  const base = nonNull(expected);
  if (v !== NOT_CONSTANT && v !== null) {
    if (base.kind === 'number' && typeof v === 'number') {
      if (base.integer && !Number.isInteger(v)) return `${what} must be a whole number, found ${v}`;
      if (base.minimum !== undefined && v < base.minimum) return `${what} must be at least ${base.minimum}, found ${v}`;
      if (base.maximum !== undefined && v > base.maximum) return `${what} must be at most ${base.maximum}, found ${v}`;
      if (base.enum && !base.enum.includes(v)) return `${what} must be one of ${base.enum.join(', ')}, found ${v}`;
      return undefined;
    }
    if (base.kind === 'string' && typeof v === 'string') {
      if (base.enum && !base.enum.includes(v)) return enumProblem(what, base.enum as string[], v);
      if (isDateFormat(base.format) && !isDateText(base.format, v)) return `${what} must be a ${base.format === 'date' ? 'date' : 'date and time'} such as ${dateExample(base.format)}, found ${JSON.stringify(v)}`;
      if (base.minLength !== undefined && v.length < base.minLength) return `${what} must have at least ${base.minLength} character${base.minLength === 1 ? '' : 's'}, found ${JSON.stringify(v)}`;
      if (base.maxLength !== undefined && v.length > base.maxLength) return `${what} must have at most ${base.maxLength} character${base.maxLength === 1 ? '' : 's'}, found ${JSON.stringify(v)}`;
      return undefined;
    }
  }
  if (assignable(actual, expected) === 'mismatch') return `${what} must be ${article(show(expected))}, found ${article(show(actual))}${v !== NOT_CONSTANT ? ` (${JSON.stringify(v)})` : ''}`;
  return undefined;
}

/** Long lists (an app's event names) are not repeated in full: the nearest value is what helps. */
const LISTED = 12;

function enumProblem(what: string, values: string[], v: string): string {
  const guess = closest(v, values);
  const list = values.length <= LISTED ? `one of ${values.map((x) => JSON.stringify(x)).join(', ')}` : `one of ${values.length} values such as ${values.slice(0, 3).map((x) => JSON.stringify(x)).join(', ')}`;
  return `${what} must be ${list}, found ${JSON.stringify(v)}${guess ? `; did you mean ${JSON.stringify(guess)}?` : ''}`;
}

function article(t: string): string {
  if (/^(null|any)$/.test(t) || t.startsWith('{') || t.startsWith('"')) return t;
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
