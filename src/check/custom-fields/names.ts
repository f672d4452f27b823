// How a custom field is named in a flow. Every custom field of a record is under one object field,
// `custom`, keyed by the name users see in Pipedrive: `custom["Lead source"]`, `custom.Segment`.
// A name that is also a valid identifier, not a keyword, and not the name of a built-in field of
// that entity (in any API version, read or write) is in addition a field of the record itself:
// `Segment`. Names that appear twice among an entity's custom fields are told apart by their key:
// `custom["Region [3f2a9c]"]` (the first 6 characters of the key), and get no top-level field.
//
// The projection is computed once, by the checker (stdlib-env), from the stored schema, and handed
// to the runtime inside the checked model (ActionInfo.custom), so that a run maps records exactly
// as the flow was checked, even if `sluice discover` rewrote the schema in between.
import type { AppRegistry, JsonSchema } from '../../apps/index.js';
import { resolveVariant } from '../../apps/registry.js';
import { keywordNames } from '../../language/tokens.js';
import { entityOfAction, type CustomField, type Entity, type EntitySchema, type StoredSchema } from '../../apps/custom-fields.js';

/** The object field that holds every custom field by name. */
export const CUSTOM = 'custom';

export interface NamedField extends CustomField {
  /** Its key under `custom`: the name, or `name [key6]` when two custom fields share the name. */
  label: string;
  /** Its name at the top of the record, when it has one. */
  topLevel?: string;
}

/**
 * What the checker saw of a connection's custom fields for one action, and what the runtime maps
 * with. `record`: records of one entity (persons, deals, organizations, and their get/create/update);
 * `recents`: `{item, id, data}` entries whose `data` is a person, deal or organization.
 */
export interface CustomBinding {
  /** The app whose records carry the fields (the stored schema's). */
  app: string;
  connection: string;
  companyUrl: string;
  readAt: string;
  /** The API version of the action's variant: v1 keeps custom fields at the top of the record, v2 under `custom_fields`. */
  version: string;
  shape: 'record' | 'recents';
  entities: Partial<Record<Entity, NamedField[]>>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `name` can be written bare in a flow (`Segment`, not `Lead source` or `if`). */
export const isIdentifier = (name: string): boolean => IDENTIFIER.test(name) && !keywordNames.has(name);

/** How a flow writes the field, relative to the record: `Segment` or `custom["Lead source"]`. */
export function writtenAs(f: Pick<NamedField, 'label' | 'topLevel'>): string {
  if (f.topLevel) return f.topLevel;
  return isIdentifier(f.label) ? `${CUSTOM}.${f.label}` : `${CUSTOM}[${JSON.stringify(f.label)}]`;
}

/** Names custom fields never take at the top of a record: every built-in field, and `custom` itself. */
export function nameFields(es: EntitySchema, reserved: ReadonlySet<string>): NamedField[] {
  const count = new Map<string, number>();
  for (const f of es.custom) count.set(f.name, (count.get(f.name) ?? 0) + 1);
  const standard = new Set(es.standard);
  return es.custom.map((f) => {
    const shared = (count.get(f.name) ?? 0) > 1 || f.name.trim() === '';
    const label = shared ? `${f.name} [${f.key.slice(0, 6)}]` : f.name;
    const top = !shared && isIdentifier(f.name) && f.name !== CUSTOM && !reserved.has(f.name) && !standard.has(f.name);
    return { ...f, label, ...(top ? { topLevel: f.name } : {}) };
  });
}

const reservedCache = new WeakMap<AppRegistry, Map<string, Set<string>>>();

/**
 * Every field name of the entity's records and inputs in the standard library, all versions and
 * roles together: a custom field named like any of them stays under `custom` only, so that the
 * same custom field has the same names in a read and in a write, in v1 and in v2.
 */
export function reservedNames(registry: AppRegistry, appName: string, entity: Entity): Set<string> {
  let byEntity = reservedCache.get(registry);
  if (!byEntity) reservedCache.set(registry, (byEntity = new Map()));
  const hit = byEntity.get(`${appName}\u0000${entity}`);
  if (hit) return hit;
  const out = new Set<string>([CUSTOM]);
  const app = registry.app(appName);
  for (const a of app?.actions ?? []) {
    if (entityOfAction(app, a.name) !== entity) continue;
    for (const v of a.variants) {
      const r = resolveVariant(app!, a, v.version);
      for (const s of [r.record, r.input]) for (const k of propertyNames(s)) out.add(k);
    }
  }
  byEntity.set(`${appName}\u0000${entity}`, out);
  return out;
}

function propertyNames(s: JsonSchema | null | undefined): string[] {
  if (!s || typeof s !== 'object') return [];
  const own = Object.keys(s.properties ?? {});
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap(propertyNames);
  return [...own, ...alts];
}

/** The named fields of one entity of a stored schema. */
export function namedFields(registry: AppRegistry, schema: StoredSchema, entity: Entity): NamedField[] {
  const stored = schema.entities[entity] ?? { custom: [], standard: [] };
  return nameFields(stored, reservedNames(registry, schema.app, entity));
}
