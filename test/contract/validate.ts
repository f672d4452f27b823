// ajv over the descriptions' schemas: answers against response schemas, requests against the
// documented parameters and request bodies.
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { paramSchema, type Exception } from './exceptions.js';
import { responseSchema, toJsonSchema, type Operation, type Schema } from './openapi.js';

// ajv and ajv-formats are CommonJS.
const require = createRequire(import.meta.url);
const Ajv = require('ajv').default as new (o: Options) => { compile(s: object): ValidateFunction };
const addFormats = require('ajv-formats').default as (a: unknown) => void;
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);

const compiled = new Map<string, ValidateFunction>();
function compile(key: string, schema: Schema): ValidateFunction {
  const hit = compiled.get(key);
  if (hit) return hit;
  const v = ajv.compile(schema);
  compiled.set(key, v);
  return v;
}

/** Errors as `path: message`, the deepest first and at most a few per answer. */
export function messages(errors: ErrorObject[] | null | undefined, data: unknown): string[] {
  const out = new Set<string>();
  for (const e of errors ?? []) {
    // anyOf branches repeat what their members say; keep the members.
    if (e.keyword === 'anyOf') continue;
    const value = e.instancePath.split('/').slice(1).reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
    out.add(`${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''} (got ${JSON.stringify(value)?.slice(0, 80)})`);
  }
  return [...out].slice(0, 12);
}

/**
 * A checker of answers with `status` to `op` (documented schema plus exceptions), or undefined when
 * the description documents no such answer. With `op` null, checks against `fallback`.
 */
export function validator(op: Operation | null, status: number, exceptions: readonly Exception[], fallback?: Schema): ((body: unknown) => string[]) | undefined {
  const schema = op ? responseSchema(op, status, exceptions) : fallback;
  if (!schema) return undefined;
  const v = compile(op ? `${op.file} ${op.method} ${op.path} ${status}` : `fallback ${JSON.stringify(fallback)}`, schema);
  return (body) => (v(body) ? [] : messages(v.errors, body));
}

/** A query value as the API reads it: the documented type decides (`"3"` is an integer 3). */
function coerce(value: string | number, schema: Schema | undefined): unknown {
  const t = schema?.type;
  if (typeof value !== 'string') return value;
  if ((t === 'integer' || t === 'number') && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (t === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** The documented request body with the exceptions for its fields. */
function bodySchema(op: Operation, exceptions: readonly Exception[]): Schema {
  type B = Schema & { properties?: Record<string, Schema>; allOf?: B[]; anyOf?: B[]; oneOf?: B[] };
  const patch = (s: B): B => {
    const out: B = { ...s };
    for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (s[k]) out[k] = s[k]!.map(patch);
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, paramSchema(op, k, v, exceptions, 'body')]));
    return out;
  };
  return patch(toJsonSchema(op.requestBody!) as B);
}

/** What is wrong with a request's query and body against the documented parameters and request body. */
export function checkRequest(op: Operation, query: Record<string, string | number>, body: unknown, exceptions: readonly Exception[]): string[] {
  const problems: string[] = [];
  const params = new Map(op.parameters.filter((p) => p.in === 'query').map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(query)) {
    const p = params.get(name);
    if (!p) {
      problems.push(`\`${name}\` is not a documented parameter (${[...params.keys()].join(', ') || 'none'})`);
      continue;
    }
    if (!p.schema) continue;
    const v = compile(`${op.file} ${op.method} ${op.path} ?${name}`, paramSchema(op, name, toJsonSchema(p.schema) as Schema, exceptions));
    const x = coerce(value, p.schema);
    if (!v(x)) problems.push(`\`${name}\`=${JSON.stringify(value)}: ${messages(v.errors, x).join('; ')}`);
  }
  for (const p of params.values()) if (p.required && !(p.name in query)) problems.push(`the required parameter \`${p.name}\` is missing`);
  if (body !== undefined) {
    if (!op.requestBody) problems.push('a body is sent, but the description documents none');
    else {
      const v = compile(`${op.file} ${op.method} ${op.path} body`, bodySchema(op, exceptions));
      if (!v(body)) problems.push(`body: ${messages(v.errors, body).join('; ')}`);
    }
  }
  return problems;
}
