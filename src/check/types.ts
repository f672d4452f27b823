// The checker's types, derived from JSON Schema. Small on purpose: what a flow author can get wrong
// (a string where a number goes, a missing field, a value that may be null) and nothing more.

export type Type =
  | { kind: 'any' }
  | { kind: 'null' }
  | { kind: 'string'; format?: string; enum?: readonly string[]; minLength?: number; maxLength?: number }
  | { kind: 'number'; integer: boolean; minimum?: number; maximum?: number; enum?: readonly number[] }
  | { kind: 'boolean' }
  | { kind: 'list'; element: Type }
  | RecordType
  | { kind: 'union'; types: Type[] };

export interface Field {
  type: Type;
  required: boolean;
  help?: string;
  /** Where the field comes from, for hover ("pipedrive.persons (v1)", "map at 3:5"). */
  origin?: string;
}

export interface RecordType {
  kind: 'record';
  fields: Map<string, Field>;
  /** Other fields may exist (untyped sources, `additionalProperties`): unknown names are `any`. */
  open: boolean;
  /** JSON-Schema `anyOf` of required lists: one must be complete (leads: `person_id` or `organization_id`). */
  requiredOneOf?: string[][];
  /** `patternProperties`: Pipedrive's custom fields under 40-hex keys. */
  patterns?: { regex: RegExp; type: Type }[];
  /** Names that are not fields but say what to write instead: a custom field's hash key -> `custom["Lead source"]`. */
  aliases?: Map<string, string>;
}

export const ANY: Type = { kind: 'any' };
export const NULL: Type = { kind: 'null' };
export const STRING: Type = { kind: 'string' };
export const NUMBER: Type = { kind: 'number', integer: false };
export const INTEGER: Type = { kind: 'number', integer: true };
export const BOOLEAN: Type = { kind: 'boolean' };
export const openRecord = (): RecordType => ({ kind: 'record', fields: new Map(), open: true });

export function union(...ts: Type[]): Type {
  const flat: Type[] = [];
  for (const t of ts) {
    if (t.kind === 'any') return ANY;
    for (const x of t.kind === 'union' ? t.types : [t]) {
      if (!flat.some((y) => sameType(x, y))) flat.push(x);
    }
  }
  return flat.length === 1 ? flat[0] : { kind: 'union', types: flat };
}

export const nullable = (t: Type): Type => union(t, NULL);

export function nonNull(t: Type): Type {
  if (t.kind === 'null') return t;
  if (t.kind !== 'union') return t;
  const rest = t.types.filter((x) => x.kind !== 'null');
  return rest.length === 0 ? NULL : rest.length === 1 ? rest[0] : { kind: 'union', types: rest };
}

export const isNullable = (t: Type): boolean => t.kind === 'null' || (t.kind === 'union' && t.types.some((x) => x.kind === 'null'));
export const isAny = (t: Type): boolean => t.kind === 'any';

/** Whether every value of `t` is of the given kind (null aside). */
export function isKind(t: Type, kind: Type['kind']): boolean {
  const n = nonNull(t);
  if (n.kind === 'any') return true;
  if (n.kind === 'union') return n.types.every((x) => x.kind === kind || x.kind === 'any');
  return n.kind === kind;
}

export function sameType(a: Type, b: Type): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'number':
      return a.integer === (b as typeof a).integer;
    case 'list':
      return sameType(a.element, (b as typeof a).element);
    case 'record':
      return a === b;
    case 'union':
      return a.types.length === (b as typeof a).types.length && a.types.every((x, i) => sameType(x, (b as typeof a).types[i]));
    default:
      return true;
  }
}

export type Assignability = 'ok' | 'nullable' | 'mismatch';

/**
 * Can a value of type `from` go where `to` is expected? `nullable` means it can, except that it may
 * be null where null is not accepted (a warning, not an error).
 */
export function assignable(from: Type, to: Type): Assignability {
  if (from.kind === 'any' || to.kind === 'any') return 'ok';
  if (from.kind === 'union') {
    let result: Assignability = 'ok';
    for (const f of from.types) {
      const r = assignable(f, to);
      if (r === 'mismatch') {
        if (f.kind === 'null') result = 'nullable';
        else return 'mismatch';
      } else if (r === 'nullable') result = 'nullable';
    }
    return result;
  }
  if (to.kind === 'union') {
    let best: Assignability = 'mismatch';
    for (const t of to.types) {
      const r = assignable(from, t);
      if (r === 'ok') return 'ok';
      if (r === 'nullable') best = 'nullable';
    }
    return from.kind === 'null' && best === 'mismatch' ? 'nullable' : best;
  }
  if (from.kind === 'null') return to.kind === 'null' ? 'ok' : 'nullable';
  switch (to.kind) {
    case 'null':
      return 'mismatch';
    case 'string':
      return from.kind === 'string' ? 'ok' : 'mismatch';
    case 'number':
      if (from.kind !== 'number') return 'mismatch';
      return to.integer && !from.integer ? 'mismatch' : 'ok';
    case 'boolean':
      return from.kind === 'boolean' ? 'ok' : 'mismatch';
    // Inside lists and objects a null is sent as it is (only top-level fields are left out when
    // null), so a nested value that may be null where none is accepted makes the whole `nullable`.
    case 'list':
      return from.kind === 'list' ? assignable(from.element, to.element) : 'mismatch';
    case 'record': {
      if (from.kind !== 'record') return 'mismatch';
      let result: Assignability = 'ok';
      for (const [name, f] of to.fields) {
        const g = from.fields.get(name);
        if (!g) {
          if (f.required && !from.open) return 'mismatch';
          continue;
        }
        const r = assignable(g.type, f.type);
        if (r === 'mismatch') return 'mismatch';
        if (r === 'nullable') result = 'nullable';
      }
      return result;
    }
  }
}

/** How a type is named in messages: `string`, `integer or null`, `{ id: integer, ... }`. */
export function show(t: Type, depth = 0): string {
  switch (t.kind) {
    case 'any':
      return 'any';
    case 'null':
      return 'null';
    case 'string':
      return t.enum ? t.enum.map((e) => JSON.stringify(e)).join(' | ') : t.format ? `string (${t.format})` : 'string';
    case 'number':
      return t.integer ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'list':
      return `list of ${show(t.element, depth + 1)}`;
    case 'record': {
      if (depth > 0 || t.fields.size > 4) return t.fields.size === 0 ? 'object' : `object { ${[...t.fields.keys()].slice(0, 3).join(', ')}, ... }`;
      return `{ ${[...t.fields].map(([k, f]) => `${k}: ${show(f.type, depth + 1)}`).join(', ')} }`;
    }
    case 'union': {
      const nonNullParts = t.types.filter((x) => x.kind !== 'null').map((x) => show(x, depth + 1));
      return nonNullParts.join(' or ') + (isNullable(t) ? `${nonNullParts.length ? ' or ' : ''}null` : '');
    }
  }
}

// ---- from JSON Schema

type Schema = Record<string, unknown> | boolean;

/** A JSON Schema (with `$ref`s already resolved by the app loader) as a checker type. */
export function fromJsonSchema(schema: Schema | undefined, origin?: string): Type {
  if (schema === undefined || schema === true) return ANY;
  if (schema === false) return ANY;
  const s = schema as Record<string, unknown>;
  const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alts && !s.type && !s.properties) {
    // `anyOf: [{required: [a]}, {required: [b]}]` on an object is a required-one-of rule, not a union.
    return union(...alts.map((a) => fromJsonSchema(a, origin)));
  }
  if ('const' in s) return constType(s.const);
  if (Array.isArray(s.enum) && !s.type) {
    return union(...(s.enum as unknown[]).map(constType));
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : inferTypes(s);
  if (types.length === 0) return ANY;
  return union(...types.map((t) => single(t, s, origin)));
}

function constType(v: unknown): Type {
  if (v === null) return NULL;
  if (typeof v === 'string') return { kind: 'string', enum: [v] };
  if (typeof v === 'number') return { kind: 'number', integer: Number.isInteger(v), enum: [v] };
  if (typeof v === 'boolean') return BOOLEAN;
  return ANY;
}

function inferTypes(s: Record<string, unknown>): string[] {
  if (s.properties) return ['object'];
  if (s.items) return ['array'];
  return [];
}

function single(t: string, s: Record<string, unknown>, origin?: string): Type {
  switch (t) {
    case 'null':
      return NULL;
    case 'string': {
      const enumValues = Array.isArray(s.enum) ? (s.enum as unknown[]).filter((e): e is string => typeof e === 'string') : undefined;
      return {
        kind: 'string',
        ...(typeof s.format === 'string' ? { format: s.format } : {}),
        ...(enumValues && enumValues.length ? { enum: enumValues } : {}),
        ...(typeof s.minLength === 'number' ? { minLength: s.minLength } : {}),
        ...(typeof s.maxLength === 'number' ? { maxLength: s.maxLength } : {}),
      };
    }
    case 'integer':
    case 'number': {
      const enumValues = Array.isArray(s.enum) ? (s.enum as unknown[]).filter((e): e is number => typeof e === 'number') : undefined;
      return {
        kind: 'number',
        integer: t === 'integer',
        ...(typeof s.minimum === 'number' ? { minimum: s.minimum } : {}),
        ...(typeof s.maximum === 'number' ? { maximum: s.maximum } : {}),
        ...(enumValues && enumValues.length ? { enum: enumValues } : {}),
      };
    }
    case 'boolean':
      return BOOLEAN;
    case 'array':
      return { kind: 'list', element: fromJsonSchema(s.items as Schema | undefined, origin) };
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
      const fields = new Map<string, Field>();
      for (const [name, ps] of Object.entries(props)) {
        const help = typeof ps === 'object' && typeof ps.description === 'string' ? ps.description : typeof ps === 'object' && typeof ps.help === 'string' ? ps.help : undefined;
        fields.set(name, { type: fromJsonSchema(ps, origin), required: required.has(name), ...(help ? { help } : {}), ...(origin ? { origin } : {}) });
      }
      const alts = (s.anyOf ?? s.oneOf) as Record<string, unknown>[] | undefined;
      const requiredOneOf = alts
        ?.map((a) => (Array.isArray(a.required) ? (a.required as string[]) : undefined))
        .filter((r): r is string[] => r !== undefined);
      // A schema that lists its properties is closed unless it says otherwise: an unknown name is
      // far more often a typo than a field the schema forgot.
      const open = s.additionalProperties !== false && (Object.keys(props).length === 0 || (s.additionalProperties !== undefined && s.additionalProperties !== false));
      const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Schema>).map(([re, ps]) => ({ regex: new RegExp(re), type: fromJsonSchema(ps, origin) }));
      return {
        kind: 'record',
        fields,
        open,
        ...(requiredOneOf && requiredOneOf.length ? { requiredOneOf } : {}),
        ...(patterns.length ? { patterns } : {}),
      };
    }
    default:
      return ANY;
  }
}

/** The type of a literal value given in a flow (`with`/`where` values), for checking against a schema. */
export function typeOfValue(v: unknown): Type {
  if (v === null) return NULL;
  if (typeof v === 'string') return STRING;
  if (typeof v === 'number') return Number.isInteger(v) ? INTEGER : NUMBER;
  if (typeof v === 'boolean') return BOOLEAN;
  if (Array.isArray(v)) return { kind: 'list', element: v.length ? union(...v.map(typeOfValue)) : ANY };
  return openRecord();
}
