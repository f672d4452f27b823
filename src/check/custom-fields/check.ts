// The checker's side: an action of a connection with a stored schema gets its custom fields as typed
// fields with their human names (names.ts), and carries the binding the runtime maps with.
import type { AppRegistry } from '../../apps/index.js';
import type { ActionInfo } from '../env.js';
import { fromJsonSchema, nullable, type Field, type RecordType, type Type } from '../types.js';
import { CUSTOM, namedFields, writtenAs, type CustomBinding, type NamedField } from './names.js';
import { entitiesOf, entityOfAction, HEX40, type Entity, type StoredSchema } from '../../apps/custom-fields.js';

const V2_CUSTOM = 'custom_fields';

function help(f: NamedField): string {
  const opts = f.options?.length ? `: ${f.options.map((o) => o.label).join(', ')}` : '';
  return `Custom field "${f.name}" (${f.fieldType}${opts}; key ${f.key})`;
}

function fieldType(f: NamedField): Type {
  const t = fromJsonSchema(f.schema as Record<string, unknown>);
  // Every custom field may be unset; an unknown field type is `any` already.
  return t.kind === 'any' ? t : nullable(t);
}

/** `^(?!(?:k1|k2)$)` + the pattern: 40-hex keys other than the discovered ones. */
function excluding(patterns: RecordType['patterns'], keys: string[]): RecordType['patterns'] {
  if (!patterns || keys.length === 0) return patterns;
  return patterns.map((p) => (p.regex.test(keys[0]) ? { ...p, regex: new RegExp(`^(?!(?:${keys.join('|')})$)(?:${p.regex.source})`, p.regex.flags) } : p));
}

/** Hash key -> how a flow names the field now: for "`5ccf…` is the custom field `Lead source`". */
const aliases = (fields: NamedField[]) => new Map(fields.map((f) => [f.key, writtenAs(f)]));

function withFields(rec: RecordType, fields: NamedField[], role: 'read' | 'write', version: string | undefined, origin: string, readAt: string): RecordType {
  const out = new Map<string, Field>(rec.fields);
  const required = role === 'read';
  const custom = new Map<string, Field>();
  for (const f of fields) {
    const field: Field = { type: fieldType(f), required, help: help(f), origin };
    custom.set(f.label, field);
    if (f.topLevel) out.set(f.topLevel, field);
  }
  out.set(CUSTOM, {
    type: { kind: 'record', fields: custom, open: false },
    required,
    help: `The custom fields by their names in Pipedrive, e.g. ${fields[0] ? `\`${writtenAs(fields[0])}\`` : '`custom["Lead source"]`'} (discovered ${readAt})`,
    origin,
  });
  const keys = fields.map((f) => f.key);
  // A discovered field is no longer reachable by its hash key: records carry its name instead.
  if (version === 'v2' && rec.fields.has(V2_CUSTOM)) {
    const cf = rec.fields.get(V2_CUSTOM)!;
    const hex = [{ regex: HEX40, type: { kind: 'any' } as Type }];
    out.set(V2_CUSTOM, {
      ...cf,
      type: { kind: 'record', fields: new Map(), open: false, patterns: excluding(hex, keys)!, aliases: aliases(fields) },
      help: 'Custom fields that were not discovered, by hash key (the discovered ones are under `custom`).',
    });
  }
  return { ...rec, fields: out, ...(rec.patterns ? { patterns: excluding(rec.patterns, keys)! } : {}), aliases: aliases(fields) };
}

/**
 * The action with the custom fields of `schema` (the stored schema of the connection it uses), or
 * the action unchanged when it has none (leads, users, files).
 */
export function withCustomFields(info: ActionInfo, schema: StoredSchema, registry: AppRegistry): ActionInfo {
  // A schema describes the records of one app (the one `sluice discover` read it from).
  if (info.app !== schema.app) return info;
  const origin = `custom field of connection \`${schema.connection}\``;
  const base = { app: schema.app, connection: schema.connection, companyUrl: schema.companyUrl, readAt: schema.readAt, version: info.version ?? 'v1' };
  if (info.action === 'recents' && info.role === 'read') {
    // The app's definition says which entities have custom fields, as for every other action: a
    // stored schema may hold more (or fewer) than the app lists now.
    const entities: Partial<Record<Entity, NamedField[]>> = {};
    for (const e of entitiesOf(registry.app(info.app))) entities[e] = namedFields(registry, schema, e);
    // Recents' `data` is an open object: its names are not typed, but records carry them.
    return { ...info, custom: { ...base, version: 'v1', shape: 'recents', entities } };
  }
  const entity = entityOfAction(registry.app(info.app), info.action);
  if (!entity) return info;
  const fields = namedFields(registry, schema, entity);
  const binding: CustomBinding = { ...base, shape: 'record', entities: { [entity]: fields } };
  const out: ActionInfo = { ...info, custom: binding };
  if (info.record) out.record = withFields(info.record, fields, 'read', info.version, origin, schema.readAt);
  if (info.input) out.input = withFields(info.input, fields, 'write', info.version, origin, schema.readAt);
  return out;
}
