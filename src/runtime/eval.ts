// Evaluates expressions over a record. Semantics (README "The language by example"): `a.b` on null
// is null; `+` with a string joins text (null joins as nothing); arithmetic with null gives null;
// ordering comparisons with null are false; `and`/`or` treat null as false.
import type * as A from '../language/ast.js';
import { SluiceError } from '../errors.js';
import { normaliseTime } from './time.js';
import { RUNTIME } from './codes.js';

export type Value = null | string | number | boolean | Value[] | { [k: string]: Value };
export type Rec = Record<string, Value>;

export interface EvalContext {
  /** Template values: text for the built-in ones, typed values for the file's variables. */
  templates: Record<string, Value>;
  /** When the run started, ISO 8601 (now() and ~{Now}~). */
  now: string;
  env: Record<string, string | undefined>;
}

/** An expression failed on one record (e.g. `to_number("abc")`): the record is rejected, not lost. */
export class RecordError extends SluiceError {
  constructor(message: string) {
    super(RUNTIME.evaluation, message);
    this.name = 'RecordError';
  }
}

const isObj = (v: Value | undefined): v is { [k: string]: Value } => v !== null && typeof v === 'object' && !Array.isArray(v);

export function evaluate(e: A.Expr, rec: Rec, ctx: EvalContext): Value {
  switch (e.kind) {
    case 'String':
    case 'Number':
    case 'Boolean':
      return e.value;
    case 'Null':
    case 'ErrorExpr':
      return null;
    case 'List':
      return e.items.map((i) => evaluate(i, rec, ctx));
    case 'Object': {
      const o: Rec = {};
      for (const en of e.entries) o[en.key.value] = evaluate(en.value, rec, ctx);
      return o;
    }
    case 'Template':
      return ctx.templates[e.name] ?? null;
    case 'FieldRef':
      return rec[e.name] ?? null;
    case 'Member': {
      const o = evaluate(e.object, rec, ctx);
      return isObj(o) ? (o[e.property.value] ?? null) : null;
    }
    case 'Index': {
      const o = evaluate(e.object, rec, ctx);
      const i = evaluate(e.index, rec, ctx);
      if (Array.isArray(o) && typeof i === 'number') return o[i < 0 ? o.length + i : i] ?? null;
      if (isObj(o) && typeof i === 'string') return o[i] ?? null;
      return null;
    }
    case 'Call':
      return call(e.callee.value, e.args.map((a) => evaluate(a, rec, ctx)), ctx);
    case 'Unary': {
      const v = evaluate(e.operand, rec, ctx);
      if (e.op === 'not') return !truthy(v);
      return typeof v === 'number' ? -v : null;
    }
    case 'Binary':
      return binary(e, rec, ctx);
    case 'If':
      return truthy(evaluate(e.cond, rec, ctx)) ? evaluate(e.then, rec, ctx) : evaluate(e.else, rec, ctx);
  }
}

export const truthy = (v: Value): boolean => v === true;

function binary(e: A.Binary, rec: Rec, ctx: EvalContext): Value {
  switch (e.op) {
    case 'and':
      return truthy(evaluate(e.left, rec, ctx)) && truthy(evaluate(e.right, rec, ctx));
    case 'or':
      return truthy(evaluate(e.left, rec, ctx)) || truthy(evaluate(e.right, rec, ctx));
    case '??': {
      const l = evaluate(e.left, rec, ctx);
      return l !== null ? l : evaluate(e.right, rec, ctx);
    }
  }
  const l = evaluate(e.left, rec, ctx);
  const r = evaluate(e.right, rec, ctx);
  switch (e.op) {
    case '==':
      return equal(l, r);
    case '!=':
      return !equal(l, r);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (l === null || r === null || typeof l !== typeof r || (typeof l !== 'number' && typeof l !== 'string')) return false;
      const c = l < r ? -1 : l > r ? 1 : 0;
      return e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0;
    }
    case '+':
      if (typeof l === 'string' || typeof r === 'string') return text(l) + text(r);
      return typeof l === 'number' && typeof r === 'number' ? l + r : null;
    case '-':
      return typeof l === 'number' && typeof r === 'number' ? l - r : null;
    case '*':
      return typeof l === 'number' && typeof r === 'number' ? l * r : null;
    case '/':
      return typeof l === 'number' && typeof r === 'number' && r !== 0 ? l / r : null;
    case '%':
      return typeof l === 'number' && typeof r === 'number' && r !== 0 ? l % r : null;
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Text of a value for `+` and concat: null is empty, others as JSON writes them. */
function text(v: Value): string {
  if (v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function call(name: string, args: Value[], ctx: EvalContext): Value {
  const [a] = args;
  switch (name) {
    case 'lower':
      return typeof a === 'string' ? a.toLowerCase() : null;
    case 'upper':
      return typeof a === 'string' ? a.toUpperCase() : null;
    case 'trim':
      return typeof a === 'string' ? a.trim() : null;
    case 'len':
      return typeof a === 'string' || Array.isArray(a) ? a.length : null;
    case 'concat':
      return args.filter((x) => x !== null).map(text).join('');
    case 'coalesce':
      return args.find((x) => x !== null) ?? null;
    case 'first':
      return Array.isArray(a) ? (a[0] ?? null) : null;
    case 'primary': {
      if (!Array.isArray(a) || a.length === 0) return null;
      const marked = a.find((x) => isObj(x) && x.primary === true) ?? a[0];
      return isObj(marked) ? (marked.value ?? null) : marked;
    }
    case 'to_number': {
      if (a === null) return null;
      if (typeof a === 'number') return a;
      if (typeof a === 'boolean') return a ? 1 : 0;
      if (typeof a === 'string' && a.trim() !== '' && Number.isFinite(Number(a))) return Number(a);
      throw new RecordError(`to_number: ${JSON.stringify(a)} is not a number`);
    }
    case 'to_string':
      return a === null ? null : text(a);
    case 'now':
      return ctx.now;
    case 'date': {
      if (a === null) return null;
      const t = normaliseTime(a);
      if (t === undefined) throw new RecordError(`date: ${JSON.stringify(a)} is not a timestamp`);
      return t;
    }
    case 'env':
      return typeof a === 'string' ? (ctx.env[a] ?? null) : null;
    default:
      throw new RecordError(`unknown function ${name}`);
  }
}

/** The value at a dotted path (`data.update_time`). */
export function getPath(rec: Rec, path: string): Value {
  let v: Value = rec;
  for (const part of path.split('.')) {
    if (!isObj(v)) return null;
    v = v[part] ?? null;
  }
  return v;
}

/** Evaluates a `where` condition applied by the engine. */
export function conditionHolds(c: A.Condition, rec: Rec, ctx: EvalContext): boolean {
  const field = getPath(rec, c.key.map((k) => k.value).join('.'));
  const v = evaluate(c.value, rec, ctx);
  switch (c.op) {
    case '=':
      return equal(field, v);
    case '!=':
      return !equal(field, v);
    case 'in':
      return Array.isArray(v) && v.some((x) => equal(field, x));
    case 'contains':
      if (typeof field === 'string' && typeof v === 'string') return field.includes(v);
      return Array.isArray(field) && field.some((x) => equal(x, v));
    default: {
      if (field === null || v === null || typeof field !== typeof v || (typeof field !== 'number' && typeof field !== 'string')) return false;
      const c2 = field < v ? -1 : field > v ? 1 : 0;
      return c.op === '<' ? c2 < 0 : c.op === '<=' ? c2 <= 0 : c.op === '>' ? c2 > 0 : c2 >= 0;
    }
  }
}
