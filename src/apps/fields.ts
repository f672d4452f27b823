// Record schemas as lists of fields that people can read: `sluice describe` prints them, and the
// language server can use them for hover and completion.
import type { JsonSchema, JsonSchemaObject, JsonTypeName, TypeSpec } from './types.js';

export interface FieldInfo {
  /** Dotted path; list items are written `email[].value`; pattern fields `<pattern>`. */
  path: string;
  /** The non-null type, e.g. `string`, `integer`, `list<object>`, `"open" | "won"`, `any`. */
  type: string;
  nullable: boolean;
  /** Always present in records (or required in input). */
  required: boolean;
  description?: string;
  /** Nesting level (0 for top-level fields). */
  depth: number;
}

const obj = (s: JsonSchema | undefined): JsonSchemaObject => (typeof s === 'object' && s !== null ? s : {});

function types(s: JsonSchemaObject): JsonTypeName[] {
  if (s.type) return Array.isArray(s.type) ? s.type : [s.type];
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return [...new Set(branches.flatMap((b) => types(obj(b))))];
  return [];
}

/** Whether a value of this schema may be null. */
export function isNullable(schema: JsonSchema): boolean {
  if (schema === true) return true;
  const s = obj(schema);
  return types(s).includes('null') || (s.enum?.includes(null) ?? false) || types(s).length === 0;
}

/** A short type label for people, without `| null` (see isNullable). */
export function typeLabel(schema: JsonSchema | undefined): string {
  if (schema === undefined || schema === true) return 'any';
  if (schema === false) return 'never';
  const s = schema;
  if (s.enum) {
    const vals = s.enum.filter((v) => v !== null).map((v) => JSON.stringify(v));
    return vals.length <= 6 ? vals.join(' | ') : `${vals.slice(0, 5).join(' | ')} | …`;
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  const branches = s.anyOf ?? s.oneOf;
  if (branches && !s.type) return [...new Set(branches.map((b) => typeLabel(b)).filter((t) => t !== 'null'))].join(' | ');
  const ts = types(s).filter((t) => t !== 'null');
  if (ts.length === 0) return 'any';
  return ts
    .map((t) => {
      if (t === 'array') return `list<${typeLabel(s.items)}>`;
      if (t === 'string' && s.format) return `string (${s.format})`;
      return t;
    })
    .join(' | ');
}

/** Constraints worth showing next to a type: `≥ 1`, `length 1`, `pattern ...`. */
export function constraintsLabel(schema: JsonSchemaObject): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined && schema.maximum !== undefined) parts.push(`${schema.minimum}..${schema.maximum}`);
  else if (schema.minimum !== undefined) parts.push(`>= ${schema.minimum}`);
  else if (schema.maximum !== undefined) parts.push(`<= ${schema.maximum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`< ${schema.exclusiveMaximum}`);
  if (schema.minLength !== undefined && schema.minLength === schema.maxLength) parts.push(`length ${schema.minLength}`);
  else {
    if (schema.minLength !== undefined && schema.minLength > 0) parts.push(`length >= ${schema.minLength}`);
    if (schema.maxLength !== undefined) parts.push(`length <= ${schema.maxLength}`);
  }
  // Long patterns (comma lists of kinds) would swamp a table; the help text says them in words.
  if (schema.pattern !== undefined) parts.push(schema.pattern.length <= 40 ? `matching ${schema.pattern}` : 'pattern, see help');
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

/** The fields of an object schema, nested ones after their parent, to `maxDepth` levels. */
export function schemaFields(schema: JsonSchema | null | undefined, maxDepth = 3): FieldInfo[] {
  const out: FieldInfo[] = [];
  if (schema) walk(schema, '', 0, maxDepth, out);
  return out;
}

function walk(schema: JsonSchema, prefix: string, depth: number, maxDepth: number, out: FieldInfo[]): void {
  const s = obj(schema);
  const required = new Set(s.required ?? []);
  const add = (path: string, sub: JsonSchema, req: boolean) => {
    const so = obj(sub);
    out.push({
      path,
      type: typeLabel(sub),
      nullable: isNullable(sub),
      required: req,
      ...(so.description ? { description: so.description } : {}),
      depth,
    });
    if (depth + 1 >= maxDepth) return;
    const ts = types(so);
    if (ts.includes('object') && so.properties) walk(sub, `${path}.`, depth + 1, maxDepth, out);
    else if (ts.includes('array') && so.items && obj(so.items).properties) walk(so.items, `${path}[].`, depth + 1, maxDepth, out);
  };
  for (const [name, sub] of Object.entries(s.properties ?? {})) add(prefix + name, sub, required.has(name));
  for (const [pattern, sub] of Object.entries(s.patternProperties ?? {})) add(`${prefix}<${pattern}>`, sub, false);
}

/** A function signature type for people: `string`, `list<T>`, `string | null`. */
export function typeSpecLabel(t: TypeSpec): string {
  if (t === 'any') return 'any';
  if ('var' in t) return t.var;
  if ('anyOf' in t) return t.anyOf.map(typeSpecLabel).join(' | ');
  const ts = Array.isArray(t.type) ? t.type : [t.type];
  return ts
    .map((x) => {
      if (x === 'array') return `list<${t.items ? typeSpecLabel(t.items) : 'any'}>`;
      if (x === 'object' && t.properties) return `{${Object.entries(t.properties).map(([k, v]) => `${k}: ${typeSpecLabel(v)}`).join(', ')}}`;
      if (x === 'string' && t.format) return `string (${t.format})`;
      return x;
    })
    .join(' | ');
}
