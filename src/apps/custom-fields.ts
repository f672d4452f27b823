// A company's custom fields as `sluice discover` read them, stored per connection beside the saved
// connections: `$SLUICE_CONFIG_DIR/schemas/<connection>.json` (schemasHome), so that every folder a
// command runs from sees the same fields for the same connection. Only JSON: the checker loads it on every `sluice check`
// and the language server on start, so it must stay cheap (no HTTP client, no SQLite here).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDef, JsonSchemaObject } from './types.js';
import { SluiceError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { configDir, dataDir } from '../util/paths.js';
import { moveLegacySchemas } from './legacy-schemas.js';

/**
 * An entity whose records carry custom fields (`person`): a key of the app definition's
 * `customFields.entities` (stdlib/pipedrive/app.json), which says how to read its field definitions.
 */
export type Entity = string;

/** The entities of an app that have custom fields, in the order its definition lists them. */
export const entitiesOf = (app: Pick<AppDef, 'customFields'> | undefined): Entity[] => Object.keys(app?.customFields?.entities ?? {});

/** The entity an action of the app reads or writes, by its name (`persons.get` -> person), if it has custom fields. */
export function entityOfAction(app: Pick<AppDef, 'customFields'> | undefined, actionName: string): Entity | undefined {
  const family = actionName.split('.')[0];
  return entitiesOf(app).find((e) => app!.customFields!.entities[e].actionFamily === family);
}

export const CUSTOM_FIELD_ERRORS = {
  /** No stored schema for a connection that `describe --connection` names. */
  noSchema: 'SL9001',
  /** The stored schema file cannot be read or is not what `sluice discover` writes. */
  badFile: 'SL9002',
  /** `sluice discover` could not read the field definitions (an answer of the wrong shape). */
  badAnswer: 'SL9003',
  /** The stored schema is older than the company's: a field used was renamed, deleted or changed. */
  stale: 'SL9010',
  /** A record read carries an option id the stored schema does not know (an option added since). */
  unknownOptionId: 'SL9011',
  /** A record written names an option or a custom field that does not exist. */
  badValue: 'SL9020',
} as const;

export interface FieldOption {
  /** What records carry: a number in the custom fields of every company seen; strings are kept as they come. */
  id: number | string;
  /** What users see, and what flows read and write. */
  label: string;
}

export interface CustomField {
  /** The 40-hex key records carry. */
  key: string;
  /** The name users see in Pipedrive. */
  name: string;
  /** Pipedrive's `field_type` (varchar, enum, set, double, ...). */
  fieldType: string;
  /** The type of the value a flow sees, as JSON Schema: option labels for enum and set. */
  schema: JsonSchemaObject;
  options?: FieldOption[];
}

export interface EntitySchema {
  custom: CustomField[];
  /** Keys of the built-in fields: a custom field's name never hides one of them (see names.ts). */
  standard: string[];
}

export const SCHEMA_FORMAT = 1;

export interface StoredSchema {
  format: typeof SCHEMA_FORMAT;
  /** The app whose records carry the fields (the connection's). */
  app: string;
  connection: string;
  /** The company URL the definitions came from (the connection may later point elsewhere). */
  companyUrl: string;
  /** When they were read, ISO 8601 UTC. */
  readAt: string;
  /** By entity, as the app definition listed them when the schema was read. */
  entities: Record<Entity, EntitySchema>;
}

export const SCHEMAS_DIR = 'schemas';
/** Where the schemas live: the config folder of the connections, not the folder a command runs in. */
export const schemasHome = (env: Record<string, string | undefined>): string => configDir(env);
export const schemasDir = (home: string): string => join(home, SCHEMAS_DIR);
export const schemaPath = (home: string, connection: string): string => join(schemasDir(home), `${connection}.json`);

/** Writes the schema atomically: a run or a check reading it meanwhile sees the old or the new one. */
export function saveSchema(home: string, schema: StoredSchema): string {
  const file = schemaPath(home, schema.connection);
  writeFileAtomic(file, `${JSON.stringify(schema, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** The stored schema of a connection, undefined when none was discovered; SL9002 when the file is broken. */
export function loadSchema(home: string, connection: string): StoredSchema | undefined {
  const file = schemaPath(home, connection);
  if (!existsSync(file)) return undefined;
  return parseSchemaFile(file, connection);
}

/**
 * Every stored schema under `home`, by connection. A broken file is left out and reported in
 * `problems`: checking a flow must go on (its custom names are then unknown, which says enough).
 * With `env`, schemas an older version left in `$SLUICE_HOME/schemas` are first moved to `home`
 * (each move is a line in `problems`, for the user to see once).
 */
export function loadSchemas(home: string, env?: Record<string, string | undefined>): { schemas: Map<string, StoredSchema>; problems: string[] } {
  const schemas = new Map<string, StoredSchema>();
  const problems: string[] = env ? moveLegacySchemas(schemasDir(dataDir(env)), schemasDir(home)) : [];
  const dir = schemasDir(home);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { schemas, problems };
  }
  for (const name of names.sort()) {
    // Temp files of an atomic write in progress start with a dot.
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const connection = name.slice(0, -'.json'.length);
    try {
      schemas.set(connection, parseSchemaFile(join(dir, name), connection));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { schemas, problems };
}

function parseSchemaFile(file: string, connection: string): StoredSchema {
  const bad = (what: string) =>
    new SluiceError(CUSTOM_FIELD_ERRORS.badFile, `${file}: ${what}`, { hint: `Run \`sluice discover ${connection}\` to write it again.` });
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw bad(err instanceof SyntaxError ? `not JSON (${err.message})` : `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const problem = schemaProblem(data, connection);
  if (problem) throw bad(problem);
  return data as StoredSchema;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const HEX40 = /^[0-9a-f]{40}$/;

/** What is wrong with a parsed schema file, or undefined. Checked by hand: ajv costs more than the file. */
export function schemaProblem(data: unknown, connection: string): string | undefined {
  if (!isObj(data)) return 'not an object';
  if (data.format !== SCHEMA_FORMAT) return `format ${JSON.stringify(data.format)} is not ${SCHEMA_FORMAT} (written by another version of Sluice)`;
  if (data.connection !== connection) return `it is the schema of connection ${JSON.stringify(data.connection)}, not \`${connection}\``;
  for (const k of ['app', 'companyUrl', 'readAt'] as const) if (typeof data[k] !== 'string') return `\`${k}\` is missing`;
  if (!isObj(data.entities)) return '`entities` is missing';
  for (const [entity, e] of Object.entries(data.entities)) {
    if (!isObj(e) || !Array.isArray(e.custom) || !Array.isArray(e.standard)) return `\`entities.${entity}\` must have \`custom\` and \`standard\` lists`;
    for (const [i, f] of e.custom.entries()) {
      const at = `entities.${entity}.custom[${i}]`;
      if (!isObj(f) || typeof f.key !== 'string' || !HEX40.test(f.key)) return `\`${at}.key\` must be a 40-hex key`;
      if (typeof f.name !== 'string' || typeof f.fieldType !== 'string' || !isObj(f.schema)) return `\`${at}\` needs \`name\`, \`fieldType\` and \`schema\``;
      if (f.options !== undefined) {
        if (!Array.isArray(f.options) || !f.options.every((o) => isObj(o) && (typeof o.id === 'number' || typeof o.id === 'string') && typeof o.label === 'string')) {
          return `\`${at}.options\` must be a list of {id, label}`;
        }
      }
    }
  }
  return undefined;
}
