// What the checker knows of the world: apps and their actions (from stdlib/), functions, saved
// connections and template names. An interface, so that tests can give a small world and the
// language server can give the same one as the CLI.
import type { UpsertDef } from '../apps/types.js';
import type { CustomBinding } from './custom-fields/names.js';
import type { RecordType, Type } from './types.js';

export type Role = 'read' | 'write';

export interface ParamInfo {
  name: string;
  type: Type;
  required: boolean;
  help?: string;
  /** `limit`: the total number of records to fetch (the engine pages by itself). */
  kind?: 'limit';
}

export interface SinceInfo {
  /** `param`: an API parameter; `sort`: sort newest first and stop early; `client`: filter after fetching. */
  kind: 'param' | 'sort' | 'client';
  param?: string;
  /** `param`: query parameters sent with it (an ascending sort by `field`). */
  params?: Record<string, string | number | boolean>;
  field?: string;
}

export interface ActionInfo {
  /** e.g. `pipedrive.users.find`; an app's default action is the bare app name (`stdout`). */
  qualified: string;
  app: string;
  action: string;
  role: Role;
  /** The API version whose variant this is (undefined for apps without versions). */
  version?: string;
  method?: string;
  path?: string;
  help: string;
  /** Query parameters: the `where` keys sent to the API. */
  params: Map<string, ParamInfo>;
  /** `{id}` in the path: taken from the record on writes, from `where` on reads. */
  pathParams: Map<string, ParamInfo>;
  /** `with` options (the app's and the action's). */
  options: Map<string, ParamInfo>;
  /** Reads: the type of each record. */
  record?: RecordType;
  /** Writes: the record the destination accepts. */
  input?: RecordType;
  since?: SinceInfo;
  /** Whether the source needs `as { ... }` to be typed (file.csv, file.jsonl). */
  declaresRecordType?: boolean;
  /** The fields that identify a record read (null: none, a record is known by all of it). */
  key?: readonly string[] | null;
  /** Daily-budget tokens one request costs (Pipedrive's x-token-cost). */
  tokens?: number;
  /** Records per page at most, for paginated reads. */
  pageSize?: number;
  /** How a paginated read pages: predictable offsets (read several at once), cursors, page numbers, next URLs, Link headers. */
  pagination?: 'offset' | 'cursor' | 'page' | 'nextUrl' | 'link';
  /** Reads of one record by id that the runtime answers many ids a request (lookups batch). */
  batch?: { list: string; param: string; max: number };
  /** The date from which the API no longer supports this variant's endpoint. */
  unsupportedSince?: string;
  /** Versions newer than `version` that the action also exists in. */
  newerVersions?: string[];
  /** Custom fields by name (src/custom-fields): what the record and input types include, and what the runtime maps with. */
  custom?: CustomBinding;
  /** Writes: how `dest ... upsert by FIELD` finds the record to update (this variant), if it can. */
  upsert?: UpsertDef;
  /** Writes: the versions whose variant can upsert (to say which one to use). */
  upsertVersions?: string[];
}

export interface FunctionParam {
  name: string;
  type: Type;
}

export interface FunctionInfo {
  name: string;
  params: FunctionParam[];
  /** The last parameter repeats. */
  variadic: boolean;
  minArgs: number;
  returns: Type;
  /** The result is null when an argument is null (`lower(null)` is null). */
  nullPropagating: boolean;
  help: string;
  signature: string;
}

export interface ConnectionInfo {
  name: string;
  app: string;
  apiVersion?: string;
}

export interface CheckEnv {
  apps(): string[];
  /** Actions of an app with the roles they have. */
  actions(app: string): { name: string; roles: Role[]; versions: string[] }[];
  /**
   * The action's variant for `version` (or the app's default version). With `connection` (the one
   * the flow uses), the record and input types include that connection's discovered custom fields.
   */
  action(app: string, action: string, role: Role, version?: string, connection?: string): ActionInfo | undefined;
  defaultVersion(app: string): string | undefined;
  /** Names of apps that take a `connection` option. */
  usesConnections(app: string): boolean;
  /** The entity with custom fields that an action of the app reads or writes (`persons.get`: person). */
  customFieldEntity(app: string, action: string): string | undefined;
  functions: Map<string, FunctionInfo>;
  /** Saved connections; undefined when unknown (then connection names are not checked). */
  connections?: Map<string, ConnectionInfo>;
  /** Names given with `--var` (the built-in templates are always known). */
  vars: Set<string>;
}

export const BUILTIN_TEMPLATES: Record<string, string> = {
  CreatedDate: "the high-water mark of this flow's source from its last successful run (on the first run: --since, else the beginning of time)",
  LastRunTime: 'when the last successful run of this flow started',
  Now: 'when this run started',
};
