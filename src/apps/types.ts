// The shapes of app definitions after loading: what the checker, the runtime, the CLI and the
// language server consume. The JSON files (stdlib/README.md) are the source; these are their
// resolved form: $refs inlined, action-level defaults merged into each version variant, option
// lists merged from app and action. The registry is cached and shared by the whole process: treat
// everything here as read-only (it is not frozen, because deep-freezing costs ~4 ms at start-up).

export type Role = 'read' | 'write';
export type AppKind = 'http' | 'file' | 'sqlite' | 'postgres' | 'stdout';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type CostClass = 'get' | 'list' | 'create' | 'update' | 'delete' | 'search';
/** `YYYY-MM-DD HH:mm:ss` is UTC without a zone (Pipedrive v1); `rfc3339` e.g. 2025-01-01T10:20:00Z. */
export type TimeFormat = 'YYYY-MM-DD HH:mm:ss' | 'YYYY-MM-DD' | 'rfc3339' | 'unix' | 'unix-ms';
export type JsonTypeName = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** A JSON Schema of the subset stdlib uses (see app.schema.json#/$defs/schemaKeywords), fully resolved. */
export type JsonSchema = boolean | JsonSchemaObject;

export interface JsonSchemaObject {
  type?: JsonTypeName | JsonTypeName[];
  title?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema;
  propertyNames?: JsonSchema;
  required?: string[];
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  readOnly?: boolean;
  writeOnly?: boolean;
  deprecated?: boolean;
}

/** Where a definition was written, for error messages and "go to definition". */
export interface SourceRef {
  /** Absolute path of the JSON file. */
  file: string;
  /** The path as shown to users, e.g. `stdlib/pipedrive/actions/persons.json`. */
  display: string;
  /** JSON pointer of the definition inside the file. */
  pointer: string;
}

/** A parameter of an action: in the query, the path, a header or the request body. */
export interface ParamDef {
  name: string;
  in: 'query' | 'path' | 'header' | 'body';
  help: string;
  required: boolean;
  /**
   * `limit`: the total number of records a flow wants (LANGUAGE.md: `limit = N`); the engine pages
   * with page sizes of its own (at most pagination.pageSizeMax). `filter`: sent as written.
   */
  kind: 'filter' | 'limit';
  /** Send `default` when the flow does not set the parameter (the API's own default is wrong for a sync). */
  sendDefault: boolean;
  default?: unknown;
  /** The JSON Schema a value must satisfy (type, enum, minimum, pattern, ...), without help/required/kind. */
  schema: JsonSchemaObject;
}

/** A `with` option (or a connection field). */
export interface OptionDef {
  name: string;
  help: string;
  required: boolean;
  /** `app`: every action of the app accepts it; `action`: only this action; `connection`: a saved connection's field. */
  scope: 'app' | 'action' | 'connection';
  /** Never printed, logged, or stored outside the config folder. */
  secret: boolean;
  /** Environment variable that may supply the value. */
  env?: string;
  default?: unknown;
  schema: JsonSchemaObject;
}

/** How far back an API answers: an older watermark silently loses changes (a run warns). */
export interface SinceReach {
  days: number;
  advice?: string;
}

/** How `sluice replay` tells whether an uncertain create arrived (a create that cannot upsert). */
export interface ArrivalDef {
  /** The read action (same app) listed. */
  read: string;
  /** Filters, the first the record has. */
  by: string[];
  /** The fields a found record must equal. */
  match: string[];
}

/** How `since VALUE` is implemented by a read action. */
export type SinceDef =
  /** An API parameter takes the watermark, formatted as `format`; `params` go with it (an ascending sort by `field`). */
  | { kind: 'param'; param: string; format: TimeFormat; field: string; fieldFormat?: TimeFormat; params?: Record<string, string | number | boolean>; reach?: SinceReach }
  /** Set `params` so the API sorts by `field` newest first, and stop at the first record older than the watermark. */
  | { kind: 'sort'; params: Record<string, string | number | boolean>; field: string; fieldFormat?: TimeFormat }
  /** Fetch everything and keep records whose `field` is at or after the watermark. */
  | { kind: 'client'; field: string; fieldFormat?: TimeFormat };

export type PaginationDef =
  | { style: 'none'; type: 'none' }
  | {
      style: string;
      type: 'offset';
      help?: string;
      startParam: string;
      limitParam: string;
      pageSizeDefault?: number;
      pageSizeMax: number;
      /** Pointers tried in order for the next start; absent: start + records received. */
      nextStart: string[];
      /** Pointers tried in order for "more items exist". */
      moreItems: string[];
    }
  | {
      style: string;
      type: 'cursor';
      help?: string;
      cursorParam: string;
      limitParam: string;
      pageSizeDefault?: number;
      pageSizeMax: number;
      /** Pointers tried in order; null or missing means the last page. */
      nextCursor: string[];
    }
  | {
      style: string;
      type: 'page';
      help?: string;
      pageParam: string;
      /** The number of the first page (default 1). */
      firstPage?: number;
      limitParam: string;
      pageSizeDefault?: number;
      pageSizeMax: number;
      /** Pointers tried in order for the number of pages; absent: a short or empty page is the last. */
      totalPages?: string[];
    }
  | {
      style: string;
      /** `nextUrl`: the body holds the next page's URL; `link`: the `Link` header's rel="next". */
      type: 'nextUrl' | 'link';
      help?: string;
      nextUrl?: string[];
      limitParam?: string;
      pageSizeDefault?: number;
      pageSizeMax?: number;
      /** Query parameters of the first request only. */
      firstParams?: Record<string, string | number | boolean>;
    };

export interface ExtractDef {
  /** JSON pointer of the records in a response body. */
  pointer: string;
  /** `list`: an array; `object`: one record; `either`: whichever arrives (null: none). */
  shape: 'list' | 'object' | 'either';
}

/** What an action is for one API version (or the only form, `version: null`, for unversioned apps). */
export interface VariantDef {
  version: string | null;
  method: HttpMethod | null;
  /** Path after the base URL, with `{name}` path parameters. */
  path: string | null;
  pathParams: Readonly<Record<string, ParamDef>>;
  /** Query parameters a flow may set with `where`. */
  params: Readonly<Record<string, ParamDef>>;
  pagination: PaginationDef;
  extract: ExtractDef;
  since: SinceDef | null;
  /** The records a read yields (null for writes). */
  record: JsonSchema | null;
  /** The records a write accepts (null for reads). */
  input: JsonSchema | null;
  cost: CostClass | null;
  /** Daily-budget tokens one request costs (Pipedrive's `x-token-cost`), or null where unknown. */
  tokens: number | null;
  /** Repeating the request cannot apply it twice (GET, PUT, PATCH, DELETE; POST is not). */
  idempotent: boolean;
  /** The field(s) that identify a record, or null. */
  key: string[] | null;
  /** The field whose largest value is the watermark (usually `update_time`), or null. */
  cursorField: string | null;
  /** The date (YYYY-MM-DD) from which the API no longer supports this endpoint, or null. */
  unsupportedSince: string | null;
  /** How `dest ... upsert by FIELD` finds the record to update, or null: this write cannot upsert. */
  upsert: UpsertDef | null;
  /** How a request body is encoded: JSON (default) or an HTML form. */
  body: 'json' | 'form';
  /** How lookups by id through this read are answered many ids a request, or null: one by one. */
  batch: BatchDef | null;
  /** A source fed by webhooks (only deployed flows can use it), or null. */
  webhook: WebhookDef | null;
  /** How to look for an uncertain create, or null. */
  arrival: ArrivalDef | null;
  source: SourceRef;
}

export interface BatchDef {
  /** The read action (same app and version) that takes many ids. */
  list: string;
  /** Its parameter for the ids, comma-separated. */
  param: string;
  /** Ids a request at most. */
  max: number;
  /** The path parameter of this action that holds the id. */
  id: string;
}

export interface WebhookDef {
  /** The parameter naming the event, `ACTION.OBJECT`. */
  param: string;
  /** The app's event actions, each with the other names it may be written as. */
  actions: Readonly<Record<string, readonly string[]>>;
  /** The app's event objects, each with the read action that finds missed changes, or null. */
  objects: Readonly<Record<string, string | null>>;
}

export interface UpsertDef {
  /** The exact search (GET, after the base URL). */
  path: string;
  tokens: number;
  /** The write action (same app) that updates the record found. */
  update: string;
  /** Pointers into the search answer's data: the list of hits, and the id inside one. */
  hits: { items: string; id: string };
  /** `upsert by` names: the search's `fields` value and the record field holding the value. */
  fields: Readonly<Record<string, { search: string; from: string }>>;
  /** The search's `fields` value for custom text fields, or null. */
  customFields: string | null;
}

export interface ActionDef {
  app: string;
  /** Dotted name inside the app; `''` is the app's default action (`dest stdout`). */
  name: string;
  /** `app.name`, or just `app` for the default action. */
  qualifiedName: string;
  role: Role;
  help: string;
  details?: string;
  examples: string[];
  /** App-level options first, then the action's own. */
  options: Readonly<Record<string, OptionDef>>;
  /** Whether a source may (`optional`) or must (`required`) declare `as { ... }`; null: not allowed. */
  as: 'optional' | 'required' | null;
  /** One per API version the action exists in, in the app's version order. */
  variants: readonly VariantDef[];
  source: SourceRef;
}

/** An action with one variant chosen: what `AppRegistry.action()` returns. */
export interface ResolvedAction extends Omit<ActionDef, 'variants'>, Omit<VariantDef, 'source'> {
  /** The version asked for (or the app's default), which may differ from `version` (v1-only actions). */
  requestedVersion: string | null;
  /** Every version the action exists in. */
  versions: (string | null)[];
  variantSource: SourceRef;
}

/** An API key (or any fixed credential) in a header or a query parameter. */
export interface ApiKeyAuthDef {
  type: 'apiKey';
  in: 'header' | 'query';
  name: string;
  /** Template over connection fields, e.g. `{api_token}`. */
  value: string;
  fallback: boolean;
}

/** Credentials the runtime turns into an `Authorization` header; templates over connection fields. */
export type AuthDef =
  | ApiKeyAuthDef
  | { type: 'bearer'; token: string; fallback: false }
  | { type: 'basic'; username: string; password: string; fallback: false }
  | {
      type: 'oauth2';
      grant: 'client_credentials' | 'refresh_token';
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      refreshToken?: string;
      scope?: string;
      clientAuth: 'body' | 'basic';
      fallback: false;
    };

/** Which error statuses are retried and which reject only the record written. */
export interface ErrorClassDef {
  retry: readonly number[];
  reject: readonly number[] | null;
}

export interface RateLimitDef {
  help?: string;
  scope: 'token' | 'company';
  windowSeconds: number;
  defaultPlan: string;
  plans: Readonly<Record<string, { burst: number; dailyMultiplier?: number; legacy?: boolean }>>;
  oauthMultiplier?: number;
  classes: Readonly<Partial<Record<CostClass, { burst: number }>>>;
  daily?: { baseTokens: number; perSeat?: boolean; resets?: string };
  headers: Readonly<Partial<Record<'limit' | 'remaining' | 'reset' | 'dailyLeft' | 'dailyLimit' | 'retryAfter', string[]>>>;
}

export interface HttpDef {
  /** Template: `{field}` is a connection field, `{version}` the variant's version. */
  baseUrl: string;
  auth: readonly AuthDef[];
  queryEncoding: 'form' | 'percent';
  /** The query parameter that bounds how many records a read without pagination answers (Pipedrive: `limit`). */
  unpagedLimitParam?: string;
  envelope: { success?: string; data: string; error?: string; errorInfo?: string };
  pagination: Readonly<Record<string, PaginationDef>>;
  rateLimit: RateLimitDef | null;
  errors: ErrorClassDef;
  /** Per version: token cost of one request of each cost class. */
  costs: Readonly<Record<string, Partial<Record<CostClass, number>>>>;
}

export interface ConnectionDef {
  help?: string;
  fields: Readonly<Record<string, OptionDef>>;
  versionField?: string;
  planField?: string;
  test?: { action: string };
}

/** One entity whose records carry custom fields (`person`). */
export interface CustomFieldEntityDef {
  /** The read action that lists the entity's field definitions (`personFields`). */
  fieldsAction: string;
  /** The first segment of the actions that read or write the entity: `persons`, `persons.get`. */
  actionFamily: string;
}

/** The fields a company adds to its records, found by name (`sluice discover`). */
export interface CustomFieldsDef {
  help?: string;
  /** By entity name, in the order `discover` reads them. */
  entities: Readonly<Record<string, CustomFieldEntityDef>>;
}

export interface AppDef {
  name: string;
  title: string;
  help: string;
  kind: AppKind;
  /** API versions, empty for unversioned apps. */
  versions: readonly string[];
  /** One of `versions`, `auto` (each action's newest version), or null for unversioned apps. */
  defaultVersion: string | null;
  connection: ConnectionDef | null;
  /** Options every action of the app accepts. */
  options: Readonly<Record<string, OptionDef>>;
  http: HttpDef | null;
  /** Absent for apps whose records carry no custom fields. */
  customFields?: CustomFieldsDef;
  actions: readonly ActionDef[];
  source: SourceRef;
}

// ---- functions (stdlib/functions.json)

/**
 * A type in a function signature: `'any'`, a JSON-Schema-like `{type, items, properties}`, a type
 * variable `{var: 'T'}` bound by the arguments, or a union `{anyOf: [...]}`.
 */
export type TypeSpec =
  | 'any'
  | { var: string }
  | { anyOf: TypeSpec[] }
  | {
      type: JsonTypeName | JsonTypeName[];
      format?: 'date-time' | 'date';
      items?: TypeSpec;
      properties?: Record<string, TypeSpec>;
      required?: string[];
    };

export interface FunctionParam {
  name: string;
  type: TypeSpec;
  help?: string;
}

export interface FunctionDef {
  name: string;
  params: readonly FunctionParam[];
  /** The last parameter repeats. */
  variadic: boolean;
  minArgs: number;
  /** null for variadic functions. */
  maxArgs: number | null;
  returns: TypeSpec;
  /**
   * `propagate`: a null argument gives null, so the result is nullable when an argument is;
   * `coalesce`: null only when every argument is; `none`: the declared `returns` says it all.
   */
  nullability: 'propagate' | 'coalesce' | 'none';
  /** False when the result depends on more than the arguments (now, env). */
  pure: boolean;
  help: string;
  examples: string[];
  source: SourceRef;
}
