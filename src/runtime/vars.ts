// The values of the file's variables for one run: `--var NAME=VALUE` (text, read as the declared
// type), else the declared default (null for a type that allows it). A variable with neither, or a value that cannot be read as its
// type, stops the run before anything is read or written.
import type { VarModel } from '../check/model.js';
import { constantValue, NOT_CONSTANT } from '../check/constant.js';
import { isDateFormat, isDateText } from '../check/dates.js';
import { isNullable, nonNull, show, type Type } from '../check/types.js';
import { SluiceError } from '../errors.js';
import type { Value } from './eval.js';
import { RUNTIME } from './codes.js';

export function varValues(vars: ReadonlyMap<string, VarModel>, given: Readonly<Record<string, string>>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [name, v] of vars) {
    const text = Object.hasOwn(given, name) ? given[name] : undefined;
    if (text !== undefined) {
      out[name] = readAs(name, v.type, text);
      continue;
    }
    // A variable that may be null and has no default is null unless given.
    const d = v.decl.default ? constantValue(v.decl.default) : isNullable(v.type) ? null : NOT_CONSTANT;
    if (d === NOT_CONSTANT) {
      throw new SluiceError(RUNTIME.varMissing, `the variable \`${name}\` has no value: give it with --var ${name}=VALUE`, {
        hint: `Or give it a default in the file: \`var ${name}: ${show(v.type)} = ...\`.`,
      });
    }
    out[name] = d as Value;
  }
  return out;
}

function readAs(name: string, type: Type, text: string): Value {
  const bad = (what: string) =>
    new SluiceError(RUNTIME.varType, `--var ${name}=${text.slice(0, 60)}: \`${name}\` is declared as ${show(type)}, and this is not ${what}`);
  if (isNullable(type) && text === 'null') return null;
  const t = nonNull(type);
  switch (t.kind) {
    case 'string':
      if (isDateFormat(t.format) && !isDateText(t.format, text)) throw bad(t.format === 'date' ? 'a date (2026-03-31)' : 'a date and time (2026-03-31T09:30:00Z)');
      return text;
    case 'number': {
      const n = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(n) || (t.integer && !Number.isInteger(n))) throw bad(t.integer ? 'a whole number' : 'a number');
      return n;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw bad('true or false');
      return text === 'true';
    case 'list':
    case 'record': {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        throw bad('JSON');
      }
      if (t.kind === 'list' ? !Array.isArray(v) : v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(t.kind === 'list' ? 'a JSON list' : 'a JSON object');
      return v as Value;
    }
    default:
      return text;
  }
}
