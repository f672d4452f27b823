// The runtime's side of custom fields by name. Reading: hash keys become names (under `custom`,
// and at the top for names that are identifiers), option ids become labels. Writing: names become
// hash keys, labels become option ids. v1 keeps custom fields at the top of a record (sets as
// "101,102"); v2 under `custom_fields` (sets as arrays of ids).
//
// Hash keys the stored schema does not know (a field added since `sluice discover`) stay in
// records as they came: they are the company's data, not ours to drop, and not ours to name.
import { SluiceError } from '../../errors.js';
import type { Rec, Value } from '../eval.js';
import { closest } from '../../util/suggest.js';
import { CUSTOM, writtenAs, type CustomBinding, type NamedField } from '../../check/custom-fields/names.js';
import { CUSTOM_FIELD_ERRORS as E, type Entity } from '../../apps/custom-fields.js';

/**
 * A record written with a custom value that cannot be sent (an unknown option, an unknown name): the
 * record is rejected with this message, the run goes on. `code` is the rejection code.
 */
export class CustomValueError extends SluiceError {
  constructor(message: string) {
    super(E.badValue, message);
    this.name = 'CustomValueError';
  }
}

/** A record read carries what the stored schema cannot name: the schema is stale; the run stops. */
export class StaleValueError extends SluiceError {
  constructor(message: string, connection: string) {
    super(E.unknownOptionId, message, { hint: `Run \`sluice discover ${connection}\` to read the current schema, then \`sluice check\` the flow.` });
    this.name = 'StaleValueError';
  }
}

const isObj = (v: unknown): v is Record<string, Value> => typeof v === 'object' && v !== null && !Array.isArray(v);
const V2_CUSTOM = 'custom_fields';

const optionList = (f: NamedField) => (f.options ?? []).map((o) => o.label).join(', ');

// ---- reading

function labelOf(f: NamedField, id: Value, connection: string): string {
  const o = f.options?.find((x) => String(x.id) === String(id).trim());
  if (!o) {
    throw new StaleValueError(
      `the custom field \`${f.name}\` has a value with option id ${JSON.stringify(id)}, which the schema discovered for connection \`${connection}\` does not know (an option added since)`,
      connection,
    );
  }
  return o.label;
}

const toNumber = (v: Value): Value => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

/** One custom value as Pipedrive sends it -> as the flow sees it. */
export function readValue(f: NamedField, raw: Value | undefined, connection: string): Value {
  if (raw === undefined || raw === null || raw === '') return null;
  switch (f.fieldType) {
    case 'enum':
      return labelOf(f, Array.isArray(raw) ? (raw[0] ?? null) : raw, connection);
    case 'set': {
      // v1: "101,102" (one option: "101" or 101); v2: [101, 102].
      const ids = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').filter((s) => s.trim() !== '') : [raw];
      return ids.map((id) => labelOf(f, id, connection));
    }
    case 'user':
    case 'org':
    case 'people':
      // v1 embeds the referenced user, organization or person as an object with its id in `value`.
      return toNumber(isObj(raw) ? (raw.value ?? raw.id ?? null) : raw);
    case 'int':
    case 'double':
    case 'monetary':
      return toNumber(raw);
    default:
      return raw;
  }
}

/** Maps the custom fields of one record of `entity` (in place of their hash keys). */
function readEntity(rec: Rec, fields: readonly NamedField[], version: string, connection: string): Rec {
  const v2 = version === 'v2';
  const source: Record<string, Value> = v2 ? (isObj(rec[V2_CUSTOM]) ? (rec[V2_CUSTOM] as Record<string, Value>) : {}) : rec;
  const known = new Set(fields.map((f) => f.key));
  const out: Rec = {};
  for (const [k, v] of Object.entries(rec)) {
    if (!v2 && known.has(k)) continue;
    out[k] = v;
  }
  if (v2 && isObj(rec[V2_CUSTOM])) {
    const rest: Record<string, Value> = {};
    for (const [k, v] of Object.entries(rec[V2_CUSTOM] as Record<string, Value>)) if (!known.has(k)) rest[k] = v;
    out[V2_CUSTOM] = rest;
  }
  const custom: Record<string, Value> = {};
  for (const f of fields) {
    const value = readValue(f, source[f.key], connection);
    custom[f.label] = value;
    if (f.topLevel) out[f.topLevel] = value;
  }
  out[CUSTOM] = custom;
  return out;
}

/** The function that maps each record read through an action with this binding. */
export function readMapper(b: CustomBinding): (rec: Rec) => Rec {
  if (b.shape === 'recents') {
    return (rec) => {
      const entity = rec.item as Entity;
      const fields = typeof rec.item === 'string' ? b.entities[entity] : undefined;
      if (!fields || !isObj(rec.data)) return rec;
      // Recents' `data` is in the v1 shape whatever the connection's version.
      // Object.assign, once a record (a copy by spread that more properties follow gets new hidden classes at every call: ARCHITECTURE.md, Invariants).
      return Object.assign({}, rec, { data: readEntity(rec.data as Rec, fields, 'v1', b.connection) });
    };
  }
  const fields = Object.values(b.entities)[0] ?? [];
  return (rec) => readEntity(rec, fields, b.version, b.connection);
}

// ---- writing

function optionId(f: NamedField, label: Value): number | string {
  if (typeof label === 'string') {
    const o = f.options?.find((x) => x.label === label);
    if (o) return o.id;
  }
  // An option id given as such (a number copied from raw data) is sent as it is, if it exists.
  if (typeof label === 'number') {
    const o = f.options?.find((x) => x.id === label || String(x.id) === String(label));
    if (o) return o.id;
  }
  const guess = typeof label === 'string' ? closest(label, (f.options ?? []).map((o) => o.label)) : undefined;
  throw new CustomValueError(
    `unknown option ${typeof label === 'string' ? `\`${label}\`` : JSON.stringify(label)} for field \`${f.name}\`${guess ? ` (did you mean \`${guess}\`?)` : ''}; options: ${optionList(f) || '(none)'}`,
  );
}

/** One custom value as the flow has it -> as Pipedrive takes it. */
export function writeValue(f: NamedField, v: Value, version: string): Value {
  switch (f.fieldType) {
    case 'enum':
      return optionId(f, v);
    case 'set': {
      const labels = Array.isArray(v) ? v : [v];
      const ids = labels.map((l) => optionId(f, l));
      return version === 'v2' ? ids : ids.join(',');
    }
    default:
      return v;
  }
}

const same = (a: Value, b: Value): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The function that turns a record to write into the body's fields: custom names (top-level and
 * under `custom`) replaced by hash keys, labels by option ids. Throws CustomValueError (the record
 * is rejected) for an unknown name or option, or a field given twice with two values. A null is
 * left out, like any null for an optional field (README: "Nulls at destinations").
 */
export function writeMapper(b: CustomBinding): (rec: Rec) => Rec {
  const fields = Object.values(b.entities)[0] ?? [];
  const byLabel = new Map(fields.map((f) => [f.label, f]));
  const byTop = new Map(fields.filter((f) => f.topLevel).map((f) => [f.topLevel!, f]));
  const v2 = b.version === 'v2';
  return (rec) => {
    const given = new Map<NamedField, Value>();
    const out: Rec = {};
    for (const [k, v] of Object.entries(rec)) {
      const f = byTop.get(k);
      if (f) {
        if (v !== null) given.set(f, v);
      } else if (k !== CUSTOM) out[k] = v;
    }
    const custom = rec[CUSTOM];
    if (isObj(custom)) {
      for (const [label, v] of Object.entries(custom)) {
        const f = byLabel.get(label);
        if (!f) {
          const guess = closest(label, byLabel.keys());
          throw new CustomValueError(`\`${CUSTOM}\` has no field \`${label}\`${guess ? `; did you mean \`${guess}\`?` : ''} (connection \`${b.connection}\`)`);
        }
        if (v === null) continue;
        const before = given.get(f);
        if (before !== undefined && !same(before, v)) {
          throw new CustomValueError(`the custom field \`${f.name}\` is given twice with different values (\`${writtenAs(f)}\` and \`${CUSTOM}[${JSON.stringify(label)}]\`)`);
        }
        given.set(f, v);
      }
    } else if (custom !== undefined && custom !== null) {
      throw new CustomValueError(`\`${CUSTOM}\` must be an object of custom fields by name, found ${JSON.stringify(custom)}`);
    }
    if (given.size === 0) return out;
    const target: Record<string, Value> = v2 ? { ...(isObj(out[V2_CUSTOM]) ? (out[V2_CUSTOM] as Record<string, Value>) : {}) } : out;
    for (const [f, v] of given) target[f.key] = writeValue(f, v, b.version);
    if (v2) out[V2_CUSTOM] = target;
    return out;
  };
}
