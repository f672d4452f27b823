// Is the stored schema still the company's? Before a run reads or writes anything, the runtime reads
// the current field definitions of each entity the flow touches (one request each) and compares them
// with the ones the flow was checked against. A field the flow uses that was renamed, deleted, or
// changed its type or options fails the run with a clear error: mapping with an old schema would
// put values under the wrong names or send the wrong option ids. Changes to fields the flow does
// not use are warnings; new fields are a hint that `sluice discover` would name them.
import type { FlowModel } from '../../check/model.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import type * as A from '../../language/ast.js';
import { SluiceError } from '../../errors.js';
import { CUSTOM, writtenAs, type CustomBinding, type NamedField } from '../../check/custom-fields/names.js';
import { CUSTOM_FIELD_ERRORS as E, type CustomField, type Entity, type EntitySchema } from '../../apps/custom-fields.js';

export type ChangeKind = 'renamed' | 'deleted' | 'type' | 'options';

export interface SchemaChange {
  entity: Entity;
  kind: ChangeKind;
  /** The field as the flow knows it. */
  field: NamedField;
  /** What it is now (not for `deleted`). */
  now?: CustomField;
  message: string;
}

const short = (key: string) => `${key.slice(0, 8)}…`;

function optionsText(f: CustomField): string {
  return (f.options ?? []).map((o) => `${o.id} ${o.label}`).join(', ');
}

/** The differences between the fields a flow was checked against and the company's current ones. */
export function compareFields(entity: Entity, stored: readonly NamedField[], current: EntitySchema): { changes: SchemaChange[]; added: CustomField[] } {
  const now = new Map(current.custom.map((f) => [f.key, f]));
  const changes: SchemaChange[] = [];
  for (const f of stored) {
    const c = now.get(f.key);
    const what = `${entity} field \`${f.name}\` (${short(f.key)})`;
    if (!c) {
      changes.push({ entity, kind: 'deleted', field: f, message: `${what} was deleted` });
      continue;
    }
    if (c.name !== f.name) changes.push({ entity, kind: 'renamed', field: f, now: c, message: `${what} is now named \`${c.name}\`` });
    if (c.fieldType !== f.fieldType) changes.push({ entity, kind: 'type', field: f, now: c, message: `${what} changed its type from ${f.fieldType} to ${c.fieldType}` });
    else if (optionsText(c) !== optionsText(f)) {
      const before = new Map((f.options ?? []).map((o) => [String(o.id), o.label]));
      const after = new Map((c.options ?? []).map((o) => [String(o.id), o.label]));
      const parts: string[] = [];
      for (const [id, label] of before) {
        const l = after.get(id);
        if (l === undefined) parts.push(`option \`${label}\` was removed`);
        else if (l !== label) parts.push(`option \`${label}\` is now \`${l}\``);
      }
      for (const [id, label] of after) if (!before.has(id)) parts.push(`option \`${label}\` was added`);
      changes.push({ entity, kind: 'options', field: f, now: c, message: `${what}: ${parts.join(', ') || 'its options were reordered'}` });
    }
  }
  const known = new Set(stored.map((f) => f.key));
  return { changes, added: current.custom.filter((f) => !known.has(f.key)) };
}

// ---- which custom fields a flow uses

export interface Usage {
  /** Every custom field may reach a destination (`...`, a pipeline without `map`, `custom` passed whole). */
  all: boolean;
  /** Names the flow mentions: fields, properties, string indexes, map and object keys, `where` keys. */
  names: Set<string>;
}

/**
 * What a flow reads of its records, judged from its text: conservative (a name mentioned anywhere
 * counts, for every entity), so that a change to a field the flow uses is never taken for one it
 * does not.
 */
export function usage(f: FlowModel): Usage {
  const names = new Set<string>();
  const p = f.flow.pipeline;
  let all = !p || !p.steps.some((s) => s.kind === 'Map');
  const lookupNames = new Set(f.lookups.size ? [...f.lookups.keys()].map((s) => s.name.value) : []);
  const accessed = new Set<A.Expr>();
  for (const e of f.types.keys()) if (e.kind === 'Member' || e.kind === 'Index') accessed.add(e.object);
  for (const e of f.types.keys()) {
    switch (e.kind) {
      case 'FieldRef':
        names.add(e.name);
        if (!accessed.has(e) && (e.name === CUSTOM || lookupNames.has(e.name))) all = true;
        break;
      case 'Member':
        names.add(e.property.value);
        if (!accessed.has(e) && e.property.value === CUSTOM) all = true;
        break;
      case 'Index':
        if (e.index.kind === 'String') names.add(e.index.value);
        break;
      case 'Object':
        for (const en of e.entries) names.add(en.key.value);
        break;
      default:
        break;
    }
  }
  for (const s of p?.steps ?? []) {
    if (s.kind === 'Map') {
      for (const en of s.entries) {
        if (en.kind === 'Spread') all = true;
        else names.add(en.key.value);
      }
    }
    if (s.kind === 'Lookup') for (const c of s.where) for (const k of c.key) names.add(k.value);
  }
  for (const c of p?.source?.where ?? []) for (const k of c.key) names.add(k.value);
  return { all, names };
}

const uses = (u: Usage, f: NamedField): boolean => u.all || u.names.has(f.label) || u.names.has(f.name) || (f.topLevel !== undefined && u.names.has(f.topLevel));

/** Every binding of a flow (source, lookups, destination, reject destination), by connection. */
export function bindingsOf(f: FlowModel): Map<string, { binding: CustomBinding; entities: Set<Entity> }> {
  const out = new Map<string, { binding: CustomBinding; entities: Set<Entity> }>();
  const refs: (ResolvedRef | undefined)[] = [f.source, f.dest, f.onReject, ...f.lookups.values()];
  for (const r of refs) {
    const b = r?.action?.custom;
    if (!b) continue;
    const e = out.get(b.connection) ?? { binding: b, entities: new Set<Entity>() };
    for (const [entity, fields] of Object.entries(b.entities)) if (fields) e.entities.add(entity);
    out.set(b.connection, e);
  }
  return out;
}

/**
 * Compares what the flow was checked against with the current definitions (`current(connection,
 * entity)`, one request each) and throws SL9010 when a field the flow uses changed. Returns warnings
 * for the rest.
 */
export async function checkStaleness(f: FlowModel, current: (connection: string, entity: Entity, app: string) => Promise<EntitySchema>): Promise<string[]> {
  const u = usage(f);
  const warnings: string[] = [];
  for (const [connection, { binding, entities }] of bindingsOf(f)) {
    const errors: SchemaChange[] = [];
    for (const entity of entities) {
      const { changes, added } = compareFields(entity, binding.entities[entity] ?? [], await current(connection, entity, binding.app));
      for (const c of changes) {
        if (uses(u, c.field)) errors.push(c);
        else warnings.push(`connection \`${connection}\`: ${c.message} since \`sluice discover\` (not used by this flow); run \`sluice discover ${connection}\``);
      }
      if (added.length) {
        warnings.push(
          `connection \`${connection}\`: ${added.length} ${entity} custom field${added.length === 1 ? ' was' : 's were'} added since \`sluice discover\` (${added.map((a) => `\`${a.name}\``).join(', ')}); records carry ${added.length === 1 ? 'it' : 'them'} under ${added.length === 1 ? 'its hash key' : 'their hash keys'} until you run \`sluice discover ${connection}\``,
        );
      }
    }
    if (errors.length) {
      const list = errors.map((c) => `  - ${c.message} (the flow uses it as \`${writtenAs(c.field)}\`)`).join('\n');
      throw new SluiceError(
        E.stale,
        `the custom fields of connection \`${connection}\` changed in Pipedrive since \`sluice discover\` read them (${binding.readAt}); nothing was read or written:\n${list}`,
        { hint: `Run \`sluice discover ${connection}\`, then \`sluice check\` the flow and fix the names it reports.` },
      );
    }
  }
  return warnings;
}
