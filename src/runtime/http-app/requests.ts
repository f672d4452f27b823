// What the HTTP source, writer and lookup share: filling path parameters, what a request costs in
// the daily budget, and checking a record against a write's input schema before it is sent.
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import type { JsonSchema, ResolvedAction } from '../../apps/index.js';
import type { Rec, Value } from '../eval.js';
import { expandPath } from '../http/index.js';

/** The value an upsert searches for: text or a number, or a contact list's primary (else first) value. */
export function upsertTerm(v: Value | undefined): string | undefined {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (Array.isArray(v)) {
    const entries = v.filter((e): e is Rec => typeof e === 'object' && e !== null && !Array.isArray(e));
    const pick = entries.find((e) => e.primary === true) ?? entries[0];
    if (pick) return upsertTerm(pick.value);
    return upsertTerm(v[0]);
  }
  return undefined;
}

/** What one request of the action costs in the daily budget, when its definition says. */
export const tokensOf = (action: ResolvedAction): { tokens?: number } => (action.tokens !== null ? { tokens: action.tokens } : {});

/** Moves path parameters (`{id}`) out of the query into the path. */
export function fillPath(action: ResolvedAction, query: Record<string, string | number | boolean>): { path: string; rest: Record<string, string | number | boolean> } {
  const params: Record<string, string | number> = {};
  const rest = { ...query };
  for (const p of Object.keys(action.pathParams)) {
    const v = rest[p];
    if (typeof v === 'string' || typeof v === 'number') params[p] = v;
    delete rest[p];
  }
  return { path: expandPath(action.path ?? '/', params), rest };
}

// ajv is CommonJS: required on first use, so that flows without HTTP writes never load it.
const requireCjs = createRequire(import.meta.url);
let ajv: { compile(s: object): ValidateFunction } | undefined;
export function compileInput(schema: JsonSchema | null): ValidateFunction | undefined {
  if (!schema || schema === true) return undefined;
  if (!ajv) {
    const AjvClass = requireCjs('ajv').default as new (o: object) => { compile(s: object): ValidateFunction };
    const addFormats = requireCjs('ajv-formats').default as (a: unknown) => void;
    ajv = new AjvClass({ allErrors: false, strict: false });
    addFormats(ajv);
  }
  return ajv.compile(schema as object);
}

export function ajvMessage(v: ValidateFunction): string {
  const e = v.errors?.[0];
  if (!e) return 'the record does not fit the destination';
  const where = e.instancePath ? `\`${e.instancePath.slice(1).replace(/\//g, '.')}\` ` : '';
  if (e.keyword === 'required') return `the field \`${(e.params as { missingProperty: string }).missingProperty}\` is required`;
  if (e.keyword === 'additionalProperties') return `the destination does not accept the field \`${(e.params as { additionalProperty: string }).additionalProperty}\``;
  return `${where}${e.message ?? 'is not valid'}`;
}

/** The record without the fields whose value is missing (null or blank text), except those the flow sets explicitly. */
export function withoutMissing(rec: Rec, explicit: ReadonlySet<string> | undefined): Rec {
  let out: Rec | undefined;
  for (const [k, v] of Object.entries(rec)) {
    if ((v === null || (typeof v === 'string' && v.trim() === '')) && !explicit?.has(k)) {
      out ??= { ...rec };
      delete out[k];
    }
  }
  return out ?? rec;
}

/** Fields whose schema accepts null: only there is a null sent rather than left out. */
export function nullableFields(schema: JsonSchema | null): Set<string> {
  const out = new Set<string>();
  if (!schema || typeof schema !== 'object') return out;
  const props = (schema as { properties?: Record<string, { type?: string | string[]; anyOf?: { type?: string }[] }> }).properties ?? {};
  for (const [k, s] of Object.entries(props)) {
    const t = s?.type;
    if ((Array.isArray(t) && t.includes('null')) || t === 'null' || s?.anyOf?.some((x) => x.type === 'null')) out.add(k);
  }
  return out;
}
