// Reading a company's field definitions (`personFields`, `dealFields`, `organizationFields`, every
// page) and turning Pipedrive's `field_type`s into the types flows see. Used by `sluice discover` and
// by the staleness check before a run (stale.ts), which must read them exactly the same way.
import type { AppRegistry, JsonSchemaObject } from '../../apps/index.js';
import { SluiceError } from '../../errors.js';
import type { ApiClient } from '../http/index.js';
import { pages } from '../http/index.js';
import { CUSTOM_FIELD_ERRORS as E, entitiesOf, HEX40, SCHEMA_FORMAT, type CustomField, type Entity, type EntitySchema, type FieldOption, type StoredSchema } from '../../apps/custom-fields.js';

/** Nullable: Pipedrive sends null for a custom field that is not set. */
const nullable = (s: JsonSchemaObject): JsonSchemaObject => {
  const t = s.type;
  const types = t === undefined ? [] : Array.isArray(t) ? t : [t];
  return { ...s, type: [...types, 'null'] as JsonSchemaObject['type'], ...(s.enum ? { enum: [...s.enum, null] } : {}) };
};

/**
 * The value a flow sees for a custom field of this `field_type`, as JSON Schema. Option fields
 * carry labels (enum: one, set: a list), never Pipedrive's option ids; references to users,
 * organizations and persons are their integer ids (v1 answers with an object around the id: the
 * runtime takes its `value`). Composite fields (address, monetary, daterange) are their main value;
 * their parts (`<key>_currency`, `<key>_until`, ...) stay in records under their own keys.
 */
export function valueSchema(fieldType: string, options: readonly FieldOption[] | undefined): JsonSchemaObject {
  const labels = (options ?? []).map((o) => o.label);
  switch (fieldType) {
    case 'varchar':
    case 'varchar_auto':
    case 'varchar_options':
    case 'text':
    case 'phone':
    case 'address':
      return nullable({ type: 'string' });
    case 'double':
    case 'monetary':
      return nullable({ type: 'number' });
    case 'int':
      return nullable({ type: 'integer' });
    case 'date':
    case 'daterange':
      return nullable({ type: 'string', format: 'date' });
    case 'time':
    case 'timerange':
      return nullable({ type: 'string', description: 'HH:MM:SS' });
    case 'enum':
      return nullable({ type: 'string', enum: labels });
    case 'set':
      return nullable({ type: 'array', items: { type: 'string', enum: labels } });
    case 'user':
    case 'org':
    case 'people':
      return nullable({ type: 'integer' });
    default:
      // A type this version does not know: any value, passed through as Pipedrive sends it.
      return {};
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One entity's definitions, as returned by its `*Fields` endpoint, split into custom and built-in. */
export function convertDefinitions(entity: Entity, defs: readonly unknown[], where: string): EntitySchema {
  const custom: CustomField[] = [];
  const standard: string[] = [];
  for (const [i, d] of defs.entries()) {
    if (!isObj(d) || typeof d.key !== 'string' || typeof d.name !== 'string' || typeof d.field_type !== 'string') {
      throw new SluiceError(E.badAnswer, `${where}: ${entity} field definition ${i} has no key, name or field_type`, {
        hint: 'The server does not answer like Pipedrive; check the connection URL (`sluice connections test`).',
      });
    }
    // Custom fields are the ones under a 40-hex key: that is what records carry, whatever the flags say.
    if (!HEX40.test(d.key)) {
      standard.push(d.key);
      continue;
    }
    const options = Array.isArray(d.options)
      ? d.options.filter((o): o is { id: number | string; label: string } => isObj(o) && (typeof o.id === 'number' || typeof o.id === 'string') && typeof o.label === 'string').map((o) => ({ id: o.id, label: o.label }))
      : undefined;
    custom.push({
      key: d.key,
      name: d.name,
      fieldType: d.field_type,
      schema: valueSchema(d.field_type, options),
      ...(options ? { options } : {}),
    });
  }
  return { custom, standard };
}

export interface FetchOptions {
  signal?: AbortSignal;
  /** Definitions asked per page (default and ceiling: the pagination's 500). */
  pageSize?: number;
}

/** Every page of one entity's field definitions. */
export async function fetchEntity(client: ApiClient, registry: AppRegistry, entity: Entity, options: FetchOptions = {}): Promise<EntitySchema> {
  const fieldsAction = registry.app(client.connection.app)?.customFields?.entities[entity]?.fieldsAction;
  if (!fieldsAction) throw new Error(`${client.connection.app} has no custom fields of \`${entity}\``);
  const name = `${client.connection.app}.${fieldsAction}`;
  // v1 only: a v2 connection reads them from /api/v1 too (the variant says so).
  const action = registry.action(name, 'read', 'v1');
  if (!action || !action.path) throw new Error(`the standard library has no ${name}`);
  const defs: unknown[] = [];
  for await (const page of pages(client, { ...action, path: action.path }, {}, options)) defs.push(...page);
  return convertDefinitions(entity, defs, `GET ${action.path}`);
}

/** The company's whole schema, as `sluice discover` stores it. */
export async function discoverSchema(client: ApiClient, registry: AppRegistry, options: FetchOptions & { now?: Date } = {}): Promise<StoredSchema> {
  const { now, ...fetch } = options;
  const entities = {} as Record<Entity, EntitySchema>;
  for (const entity of entitiesOf(registry.app(client.connection.app))) entities[entity] = await fetchEntity(client, registry, entity, fetch);
  const conn = client.connection;
  return {
    format: SCHEMA_FORMAT,
    app: conn.app,
    connection: conn.name,
    companyUrl: conn.baseUrl,
    readAt: (now ?? new Date()).toISOString(),
    entities,
  };
}
