// Loads the standard library: every stdlib/APP/ folder (app.json, actions/*.json, schemas/*.json)
// and stdlib/functions.json. Each file is validated against the meta-schema, then `$ref`s are
// inlined, action-level defaults are merged into the version variants, and consistency rules that
// JSON Schema cannot express are checked. Any problem is an AppDefinitionError naming the file and
// JSON pointer; nothing is loaded half.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { AppDefinitionError, APP_ERROR, USER_APP_HINT, ptrJoin } from './errors.js';
import { defaultStdlibDir } from './locate.js';
import { isObject, parseJsonFile, RefResolver, type Json, type JsonObject } from './refs.js';
import type {
  ActionDef,
  AuthDef,
  ArrivalDef,
  AppDef,
  AppKind,
  ConnectionDef,
  CustomFieldsDef,
  CostClass,
  ExtractDef,
  FunctionDef,
  HttpDef,
  HttpMethod,
  JsonSchema,
  JsonSchemaObject,
  OptionDef,
  PaginationDef,
  ParamDef,
  RateLimitDef,
  Role,
  SinceDef,
  SourceRef,
  TypeSpec,
  UpsertDef,
  BatchDef,
  WebhookDef,
  VariantDef,
} from './types.js';
import { chooseValidators, validateWith } from './validate.js';
import { AUTO_VERSION } from './versions.js';

export interface LoadedStdlib {
  stdlibDir: string;
  apps: AppDef[];
  functions: FunctionDef[];
  /** How the files were validated (see validate.ts). */
  validation: 'precompiled' | 'compiled';
  /** Wall time of the load, milliseconds. */
  ms: number;
}

/** Keys of an action that may also appear, per version, under `variants`. */
const VARIANT_KEYS = ['method', 'path', 'pathParams', 'params', 'pagination', 'extract', 'since', 'record', 'input', 'cost', 'idempotent', 'key', 'cursorField', 'unsupportedSince', 'tokens', 'upsert', 'batch', 'arrival', 'body', 'webhook'] as const;
/** Keys of a parameter or option that describe it rather than constrain its value. */
const PARAM_META = new Set(['help', 'required', 'kind', 'sendDefault', 'secret', 'env', 'in']);

export function loadStdlib(stdlibDir: string = defaultStdlibDir()): LoadedStdlib {
  const t0 = performance.now();
  return new Loader(stdlibDir).load(t0);
}

/**
 * The apps of a user's folder (`apps/` of a project, `--apps DIR`): every subfolder with an
 * `app.json`, checked against the standard library's meta-schema exactly like the stdlib's own.
 * `only` limits loading to one folder (`sluice apps validate`). `$ref`s stay inside `appsDir`.
 */
export function loadUserApps(appsDir: string, options: { stdlibDir?: string; only?: string } = {}): AppDef[] {
  return new Loader(options.stdlibDir ?? defaultStdlibDir(), appsDir).loadUserApps(options.only);
}

class Loader {
  private readonly parsed = new Map<string, Json>();
  private knownKeys: () => string[] = () => [];
  private validators!: ReturnType<typeof chooseValidators>['validators'];
  private readonly resolver: RefResolver;

  /** Set for a user's apps folder: the folder apps are read from, when not the stdlib itself. */
  private readonly userDir: string | undefined;

  constructor(
    private readonly dir: string,
    userDir?: string,
  ) {
    this.userDir = userDir;
    this.resolver = new RefResolver({ schemaFile: (f) => this.schemaFile(f), display: (f) => this.display(f) }, userDir ?? dir);
  }

  display(file: string): string {
    // A user's files are shown as they would type them (relative to the current folder).
    if (this.userDir !== undefined) {
      const rel = relative(process.cwd(), file);
      return rel === '' || rel.startsWith('..') ? file : rel.split(sep).join('/');
    }
    return relative(dirname(this.dir), file).split(sep).join('/');
  }

  private fail(code: string, file: string, pointer: string, detail: string): never {
    throw new AppDefinitionError(code, file, this.display(file), pointer, detail, ...(this.userDir !== undefined ? [USER_APP_HINT] : []));
  }

  private readText(file: string): string {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      this.fail(APP_ERROR.missing, file, '', 'is missing');
    }
  }

  private readJson(file: string): Json {
    const cached = this.parsed.get(file);
    if (cached !== undefined) return cached;
    const doc = parseJsonFile(file, this.display(file), this.readText(file));
    this.parsed.set(file, doc);
    return doc;
  }

  private check(kind: 'app' | 'actionFile' | 'schemaFile' | 'functions', file: string, doc: Json): void {
    const problem = validateWith(this.validators[kind], doc, this.knownKeys);
    if (problem) this.fail(APP_ERROR.schema, file, problem.pointer, problem.detail);
  }

  /** A schema file by absolute path (validated on first read), or undefined if there is none. */
  private schemaFile(file: string): Json | undefined {
    if (this.parsed.has(file)) return this.parsed.get(file);
    if (!existsSync(file)) return undefined;
    const doc = this.readJson(file);
    this.check('schemaFile', file, doc);
    return doc;
  }

  loadUserApps(only?: string): AppDef[] {
    const dir = this.userDir!;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) this.fail(APP_ERROR.missing, dir, '', 'is not a folder');
    this.prepare();
    const apps: AppDef[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || (only !== undefined && entry.name !== only)) continue;
      // Only folders with an app.json are apps: a project's `apps/` may hold other things too.
      if (!existsSync(join(dir, entry.name, 'app.json'))) continue;
      apps.push(this.loadApp(join(dir, entry.name), entry.name));
    }
    return apps;
  }

  /** Reads the meta-schemas and picks the validators (precompiled when they are current). */
  private prepare(): ReturnType<typeof chooseValidators> {
    const appSchemaFile = join(this.dir, 'app.schema.json');
    const fnSchemaFile = join(this.dir, 'functions.schema.json');
    const appSchemaText = this.readText(appSchemaFile);
    const fnSchemaText = this.readText(fnSchemaFile);
    const chosen = chooseValidators(appSchemaText, fnSchemaText, () => [
      parseJsonFile(appSchemaFile, this.display(appSchemaFile), appSchemaText),
      parseJsonFile(fnSchemaFile, this.display(fnSchemaFile), fnSchemaText),
    ]);
    this.validators = chosen.validators;
    this.knownKeys = chosen.knownKeys;
    return chosen;
  }

  load(t0: number): LoadedStdlib {
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) this.fail(APP_ERROR.missing, this.dir, '', 'is not a folder: the standard library is missing');
    const chosen = this.prepare();

    const functions = this.loadFunctions(join(this.dir, 'functions.json'));
    const apps: AppDef[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      apps.push(this.loadApp(join(this.dir, entry.name), entry.name));
    }
    return { stdlibDir: this.dir, apps, functions, validation: chosen.mode, ms: performance.now() - t0 };
  }

  // ---- functions

  private loadFunctions(file: string): FunctionDef[] {
    const doc = this.readJson(file);
    this.check('functions', file, doc);
    const raw = (doc as JsonObject).functions as JsonObject[];
    const seen = new Set<string>();
    return raw.map((f, i) => {
      const ptr = `/functions/${i}`;
      const name = f.name as string;
      if (seen.has(name)) this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'name'), `defines the function "${name}" a second time`);
      seen.add(name);
      const params = (f.params as JsonObject[]).map((p) => ({ name: p.name as string, type: p.type as TypeSpec, ...(p.help ? { help: p.help as string } : {}) }));
      const variadic = f.variadic === true;
      const minArgs = typeof f.minArgs === 'number' ? f.minArgs : params.length;
      if (minArgs > params.length && !variadic) this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'minArgs'), `is more than the ${params.length} parameters`);
      if (variadic && params.length === 0) this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'variadic'), 'needs a parameter to repeat');
      const bound = new Set<string>();
      for (const p of params) typeVars(p.type, bound);
      const used = typeVars(f.returns as TypeSpec, new Set());
      for (const v of used) if (!bound.has(v)) this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'returns'), `uses the type variable ${v}, which no parameter binds`);
      return {
        name,
        params,
        variadic,
        minArgs,
        maxArgs: variadic ? null : params.length,
        returns: f.returns as TypeSpec,
        nullability: f.nullability as FunctionDef['nullability'],
        pure: f.pure !== false,
        help: f.help as string,
        examples: (f.examples as string[] | undefined) ?? [],
        source: { file, display: this.display(file), pointer: ptr },
      };
    });
  }

  // ---- apps

  private loadApp(appDir: string, folder: string): AppDef {
    const appFile = join(appDir, 'app.json');
    if (!existsSync(appFile)) this.fail(APP_ERROR.missing, appFile, '', `is missing: every folder of the stdlib is an app (${folder}/app.json)`);
    const doc = this.readJson(appFile);
    this.check('app', appFile, doc);
    const raw = doc as JsonObject;
    const name = raw.name as string;
    if (name !== folder) this.fail(APP_ERROR.semantic, appFile, '/name', `is "${name}" but the folder is "${folder}": they must match`);
    const kind = raw.kind as AppKind;
    const versions = (raw.versions as string[] | undefined) ?? [];
    const defaultVersion = (raw.defaultVersion as string | undefined) ?? versions[0] ?? null;
    if (defaultVersion !== null && defaultVersion !== AUTO_VERSION && !versions.includes(defaultVersion)) this.fail(APP_ERROR.semantic, appFile, '/defaultVersion', `"${defaultVersion}" is not one of versions (${versions.join(', ') || 'none'})`);
    if (kind === 'http' && !raw.http) this.fail(APP_ERROR.semantic, appFile, '', 'is an http app without "http" (base URL, auth, envelope)');
    if (kind !== 'http' && raw.http) this.fail(APP_ERROR.semantic, appFile, '/http', `is only for http apps, not "${kind}"`);

    // Every schema file is validated even when no action uses it: a broken file is reported at once.
    const schemasDir = join(appDir, 'schemas');
    for (const f of jsonFiles(schemasDir)) this.schemaFile(join(schemasDir, f));

    const http = raw.http ? this.http(raw.http as JsonObject, appFile, versions) : null;
    const options = this.options(raw.options as JsonObject | undefined, 'app', appFile, '/options');
    const connection = raw.connection ? this.connection(raw.connection as JsonObject, appFile, http) : null;
    const app: Omit<AppDef, 'actions'> = {
      name,
      title: (raw.title as string | undefined) ?? name,
      help: raw.help as string,
      kind,
      versions,
      defaultVersion,
      connection,
      options,
      http,
      ...(raw.customFields ? { customFields: raw.customFields as unknown as CustomFieldsDef } : {}),
      source: { file: appFile, display: this.display(appFile), pointer: '' },
    };

    const sources: { file: string; actions: JsonObject[] }[] = [];
    if (Array.isArray(raw.actions)) sources.push({ file: appFile, actions: raw.actions as JsonObject[] });
    const actionsDir = join(appDir, 'actions');
    for (const f of jsonFiles(actionsDir)) {
      const file = join(actionsDir, f);
      const adoc = this.readJson(file);
      this.check('actionFile', file, adoc);
      sources.push({ file, actions: (adoc as JsonObject).actions as JsonObject[] });
    }
    const actions: ActionDef[] = [];
    const seen = new Map<string, SourceRef>();
    for (const { file, actions: list } of sources) {
      list.forEach((a, i) => {
        const ptr = `/actions/${i}`;
        const id = `${a.role as string} ${a.name as string}`;
        const prev = seen.get(id);
        if (prev) this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'name'), `defines the ${a.role as string} action "${a.name as string}" a second time (first in ${prev.display} at ${prev.pointer})`);
        const action = this.action(app, a, file, ptr);
        seen.set(id, action.source);
        actions.push(action);
      });
    }
    const result: AppDef = { ...app, actions };
    for (const [entity, e] of Object.entries(app.customFields?.entities ?? {})) {
      if (!actions.some((a) => a.name === e.fieldsAction && a.role === 'read')) this.fail(APP_ERROR.semantic, appFile, `/customFields/entities/${entity}/fieldsAction`, `names "${e.fieldsAction}", which is not a read action of ${name}`);
    }
    if (connection?.test) {
      const t = connection.test.action;
      if (!actions.some((a) => a.name === t && a.role === 'read')) this.fail(APP_ERROR.semantic, appFile, '/connection/test/action', `names "${t}", which is not a read action of ${name}`);
    }
    return result;
  }

  private http(raw: JsonObject, file: string, versions: string[]): HttpDef {
    const pagination: Record<string, PaginationDef> = {};
    for (const [style, p] of Object.entries((raw.pagination as JsonObject | undefined) ?? {})) {
      pagination[style] = { style, ...(p as object) } as PaginationDef;
    }
    let rateLimit: RateLimitDef | null = null;
    if (raw.rateLimit) {
      const r = { ...(raw.rateLimit as JsonObject) };
      // `burst` alone: one plan, for APIs that have no plans.
      if (r.plans === undefined) {
        r.plans = { default: { burst: r.burst as number } };
        r.defaultPlan = 'default';
      }
      const plans = r.plans as RateLimitDef['plans'];
      if (!(String(r.defaultPlan) in plans)) this.fail(APP_ERROR.semantic, file, '/http/rateLimit/defaultPlan', `"${String(r.defaultPlan)}" is not one of the plans`);
      rateLimit = {
        ...(r.help ? { help: r.help as string } : {}),
        scope: (r.scope as RateLimitDef['scope'] | undefined) ?? 'token',
        windowSeconds: r.windowSeconds as number,
        defaultPlan: r.defaultPlan as string,
        plans,
        ...(r.oauthMultiplier ? { oauthMultiplier: r.oauthMultiplier as number } : {}),
        classes: (r.classes as RateLimitDef['classes'] | undefined) ?? {},
        ...(r.daily ? { daily: r.daily as unknown as RateLimitDef['daily'] } : {}),
        headers: (r.headers as RateLimitDef['headers'] | undefined) ?? {},
      };
    }
    const costs = (raw.costs as HttpDef['costs'] | undefined) ?? {};
    for (const v of Object.keys(costs)) if (!versions.includes(v)) this.fail(APP_ERROR.semantic, file, ptrJoin('/http/costs', v), `is not one of the app's versions (${versions.join(', ') || 'none'})`);
    return {
      baseUrl: raw.baseUrl as string,
      auth: (raw.auth as JsonObject[]).map(authDef),
      errors: { retry: ((raw.errors as JsonObject | undefined)?.retry as number[] | undefined) ?? [500, 502, 503, 504], reject: ((raw.errors as JsonObject | undefined)?.reject as number[] | undefined) ?? null },
      queryEncoding: (raw.queryEncoding as HttpDef['queryEncoding'] | undefined) ?? 'percent',
      ...(typeof raw.unpagedLimitParam === 'string' ? { unpagedLimitParam: raw.unpagedLimitParam } : {}),
      envelope: raw.envelope as unknown as HttpDef['envelope'],
      pagination,
      rateLimit,
      costs,
    };
  }

  private connection(raw: JsonObject, file: string, http: HttpDef | null): ConnectionDef {
    const fields = this.options(raw.fields as JsonObject, 'connection', file, '/connection/fields');
    for (const key of ['versionField', 'planField'] as const) {
      const f = raw[key] as string | undefined;
      if (f !== undefined && !(f in fields)) this.fail(APP_ERROR.semantic, file, `/connection/${key}`, `names "${f}", which is not one of the connection fields`);
    }
    const plan = raw.planField as string | undefined;
    if (plan && http?.rateLimit) {
      for (const p of (fields[plan]?.schema.enum as string[] | undefined) ?? []) {
        if (!(p in http.rateLimit.plans)) this.fail(APP_ERROR.semantic, file, ptrJoin('/connection/fields', plan, 'enum'), `lists the plan "${p}", which http.rateLimit.plans does not define`);
      }
    }
    return {
      ...(raw.help ? { help: raw.help as string } : {}),
      fields,
      ...(raw.versionField ? { versionField: raw.versionField as string } : {}),
      ...(raw.planField ? { planField: raw.planField as string } : {}),
      ...(raw.test ? { test: raw.test as unknown as { action: string } } : {}),
    };
  }

  private options(raw: JsonObject | undefined, scope: OptionDef['scope'], file: string, ptr: string): Record<string, OptionDef> {
    const out: Record<string, OptionDef> = {};
    for (const [name, o] of Object.entries(raw ?? {})) {
      const spec = o as JsonObject;
      const schema = this.valueSchema(spec, file, ptrJoin(ptr, name));
      out[name] = {
        name,
        help: spec.help as string,
        required: spec.required === true,
        scope,
        secret: spec.secret === true,
        ...(spec.env ? { env: spec.env as string } : {}),
        ...('default' in spec ? { default: spec.default } : {}),
        schema,
      };
    }
    return out;
  }

  private params(raw: JsonObject | undefined, where: 'query' | 'path', file: string, ptrOf: (name: string) => string): Record<string, ParamDef> {
    const out: Record<string, ParamDef> = {};
    for (const [name, p] of Object.entries(raw ?? {})) {
      const spec = p as JsonObject;
      out[name] = {
        name,
        in: where === 'path' ? 'path' : ((spec.in as ParamDef['in'] | undefined) ?? 'query'),
        help: spec.help as string,
        // A path parameter cannot be left out of the URL.
        required: where === 'path' || spec.required === true,
        kind: (spec.kind as ParamDef['kind'] | undefined) ?? 'filter',
        sendDefault: spec.sendDefault === true,
        ...('default' in spec ? { default: spec.default } : {}),
        schema: this.valueSchema(spec, file, ptrOf(name)),
      };
    }
    return out;
  }

  /** A parameter's or option's JSON Schema: the definition without its descriptive keys. */
  private valueSchema(spec: JsonObject, file: string, ptr: string): JsonSchemaObject {
    const s: JsonObject = {};
    for (const [k, v] of Object.entries(spec)) if (!PARAM_META.has(k)) s[k] = v;
    return this.resolver.resolve(s, file, ptr, this.readJson(file)) as JsonSchemaObject;
  }

  // ---- actions

  private action(app: Omit<AppDef, 'actions'>, raw: JsonObject, file: string, ptr: string): ActionDef {
    const name = raw.name as string;
    const role = raw.role as Role;
    const qualifiedName = name === '' ? app.name : `${app.name}.${name}`;
    const source: SourceRef = { file, display: this.display(file), pointer: ptr };
    if (raw.as !== undefined && role !== 'read') this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'as'), 'is only for read actions (a source declares `as { ... }`)');

    const rawVariants = raw.variants as JsonObject | undefined;
    const forms: { version: string | null; v: JsonObject | null }[] = [];
    if (rawVariants) {
      if (app.versions.length === 0) this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'variants'), `are only for apps with versions; ${app.name} has none`);
      for (const v of Object.keys(rawVariants)) {
        if (!app.versions.includes(v)) this.fail(APP_ERROR.semantic, file, ptrJoin(ptr, 'variants', v), `is not one of ${app.name}'s versions (${app.versions.join(', ')})`);
      }
      for (const v of app.versions) if (rawVariants[v]) forms.push({ version: v, v: rawVariants[v] as JsonObject });
    } else if (app.versions.length > 0) {
      // No variants in a versioned app: the same definition serves every version.
      for (const v of app.versions) forms.push({ version: v, v: null });
    } else {
      forms.push({ version: null, v: null });
    }

    const options = { ...app.options, ...this.options(raw.options as JsonObject | undefined, 'action', file, ptrJoin(ptr, 'options')) };
    const variants = forms.map(({ version, v }) => this.variant(app, name, role, raw, v, version, file, ptr));
    return {
      app: app.name,
      name,
      qualifiedName,
      role,
      help: raw.help as string,
      ...(raw.details ? { details: raw.details as string } : {}),
      examples: (raw.examples as string[] | undefined) ?? [],
      options,
      as: (raw.as as ActionDef['as'] | undefined) ?? null,
      variants,
      source,
    };
  }

  private variant(app: Omit<AppDef, 'actions'>, name: string, role: Role, action: JsonObject, v: JsonObject | null, version: string | null, file: string, actionPtr: string): VariantDef {
    const vPtr = version === null ? actionPtr : ptrJoin(actionPtr, 'variants', version);
    // Where a key of the merged variant was written: the variant when it sets it, else the action.
    const at = (key: string, ...more: (string | number)[]): string => ptrJoin(v && key in v ? vPtr : actionPtr, key, ...more);
    const m: JsonObject = {};
    for (const k of VARIANT_KEYS) {
      const own = v?.[k];
      const shared = action[k];
      if ((k === 'params' || k === 'pathParams') && (isObject(own) || isObject(shared))) m[k] = { ...(isObject(shared) ? shared : {}), ...(isObject(own) ? own : {}) };
      else if (own !== undefined) m[k] = own;
      else if (shared !== undefined) m[k] = shared;
    }
    const fail = (ptr: string, detail: string): never => this.fail(APP_ERROR.semantic, file, ptr, detail);
    const paramPtr = (key: 'params' | 'pathParams') => (n: string) => (v && isObject(v[key]) && n in (v[key] as JsonObject) ? ptrJoin(vPtr, key, n) : ptrJoin(actionPtr, key, n));
    const params = this.params(m.params as JsonObject | undefined, 'query', file, paramPtr('params'));
    const pathParams = this.params(m.pathParams as JsonObject | undefined, 'path', file, paramPtr('pathParams'));
    const method = (m.method as HttpMethod | undefined) ?? null;
    const path = (m.path as string | undefined) ?? null;
    const what = version === null ? '' : ` (${version})`;

    if (app.kind === 'http') {
      if (method === null) fail(vPtr, `needs a "method"${what}`);
      if (path === null) fail(vPtr, `needs a "path"${what}`);
    } else {
      if (method !== null) fail(at('method'), `is only for http apps, not "${app.kind}"`);
      if (path !== null) fail(at('path'), `is only for http apps, not "${app.kind}"`);
    }
    const inPath = new Set([...(path ?? '').matchAll(/\{([^}]*)\}/g)].map((x) => x[1]));
    for (const p of inPath) if (!(p in pathParams)) fail(at('path'), `uses the path parameter {${p}}, which pathParams does not declare`);
    for (const p of Object.keys(pathParams)) {
      if (!inPath.has(p)) fail(paramPtr('pathParams')(p), `is not used in the path ${path ?? '(none)'}`);
      if (p in params) fail(paramPtr('params')(p), `is already a path parameter`);
    }
    const limits = Object.values(params).filter((p) => p.kind === 'limit');
    if (limits.length > 1) fail(paramPtr('params')(limits[1].name), `is a second parameter of kind "limit" (${limits[0].name} is one)`);

    let pagination: PaginationDef = { style: 'none', type: 'none' };
    const style = m.pagination as string | undefined;
    if (style !== undefined && style !== 'none') {
      const p = app.http?.pagination[style];
      if (!p) return fail(at('pagination'), `"${style}" is not a pagination style of ${app.name} (${['none', ...Object.keys(app.http?.pagination ?? {})].join(', ')})`);
      pagination = p;
      if (role === 'write') fail(at('pagination'), 'is only for read actions');
    }
    const extract: ExtractDef = {
      pointer: (m.extract as JsonObject | undefined)?.pointer as string | undefined ?? app.http?.envelope.data ?? '',
      shape: ((m.extract as JsonObject | undefined)?.shape as ExtractDef['shape'] | undefined) ?? 'list',
    };

    const doc = this.readJson(file);
    const record = m.record === undefined ? null : (this.resolver.resolve(m.record, file, at('record'), doc) as JsonSchema);
    const input = m.input === undefined ? null : (this.resolver.resolve(m.input, file, at('input'), doc) as JsonSchema);
    if (role === 'read') {
      if (record === null) fail(vPtr, `is a read action and needs a "record" schema${what}`);
      if (input !== null) fail(at('input'), 'is only for write actions (reads declare "record")');
    } else {
      if (input === null) fail(vPtr, `is a write action and needs an "input" schema${what}`);
      if (record !== null) fail(at('record'), 'is only for read actions (writes declare "input")');
    }
    const shape = (role === 'read' ? record : input) as JsonSchema;

    const since = (m.since as SinceDef | undefined) ?? null;
    if (since) {
      if (role === 'write') fail(at('since'), 'is only for read actions');
      if (since.kind === 'param' && !(since.param in params)) fail(at('since', 'param'), `names "${since.param}", which is not a parameter of this action`);
      if (since.kind === 'param') for (const k of Object.keys(since.params ?? {})) if (!(k in params)) fail(at('since', 'params', k), `is not a parameter of this action`);
      if (since.kind === 'sort') for (const k of Object.keys(since.params)) if (!(k in params)) fail(at('since', 'params', k), `is not a parameter of this action`);
      if (!hasField(shape, since.field)) fail(at('since', 'field'), `names "${since.field}", which the record schema does not have`);
    }
    const cursorField = (m.cursorField as string | undefined) ?? null;
    if (cursorField !== null && !hasField(shape, cursorField)) fail(at('cursorField'), `names "${cursorField}", which the record schema does not have`);
    const key = m.key === undefined ? null : Array.isArray(m.key) ? (m.key as string[]) : [m.key as string];
    if (key && role === 'read') for (const k of key) if (!hasField(shape, k)) fail(at('key'), `names "${k}", which the record schema does not have`);
    if (role === 'write') {
      // A write takes its path parameters from the record (`leads.update` reads `id`), so the
      // input schema must require them.
      const req = isSchemaObject(shape) ? (shape.required ?? []) : [];
      for (const p of Object.keys(pathParams)) if (!req.includes(p)) fail(at('input'), `must require "${p}": the path parameter {${p}} comes from the record`);
    }
    const cost = (m.cost as CostClass | undefined) ?? null;
    const own = (m.tokens as number | undefined) ?? null;
    if (own === null && cost !== null && version !== null && app.http && Object.keys(app.http.costs).length > 0 && app.http.costs[version]?.[cost] === undefined) {
      fail(at('cost'), `"${cost}" has no price in http.costs.${version}`);
    }
    const tokens = own ?? (cost !== null && version !== null ? (app.http?.costs[version]?.[cost] ?? null) : null);
    if (tokens === null && app.http?.rateLimit?.daily) fail(vPtr, `needs "tokens" (what one request costs in the daily budget)${what}`);
    return {
      version,
      method,
      path,
      pathParams,
      params,
      pagination,
      extract,
      since,
      record,
      input,
      cost,
      idempotent: (m.idempotent as boolean | undefined) ?? (method === null ? role === 'read' : method !== 'POST'),
      key,
      cursorField,
      unsupportedSince: (m.unsupportedSince as string | undefined) ?? null,
      tokens,
      body: (m.body as 'json' | 'form' | undefined) ?? 'json',
      upsert: role === 'write' ? upsertDef(m.upsert as JsonObject | undefined) : m.upsert === undefined ? null : fail(at('upsert'), 'is only for writes'),
      batch: batchDef(m.batch as JsonObject | undefined, role, pathParams, () => fail(at('batch'), 'is only for reads of one record by a path parameter')),
      webhook: m.webhook === undefined ? null : role === 'read' ? webhookDef(m.webhook as JsonObject, params, (k) => at('webhook', k), fail) : fail(at('webhook'), 'is only for reads'),
      arrival: role === 'write' ? ((m.arrival as unknown as ArrivalDef | undefined) ?? null) : m.arrival === undefined ? null : fail(at('arrival'), 'is only for writes'),
      source: { file, display: this.display(file), pointer: vPtr },
    };
  }
}

function authDef(a: JsonObject): AuthDef {
  switch (a.type) {
    case 'bearer':
      return { type: 'bearer', token: a.token as string, fallback: false };
    case 'basic':
      return { type: 'basic', username: a.username as string, password: a.password as string, fallback: false };
    case 'oauth2':
      return {
        type: 'oauth2',
        grant: a.grant as 'client_credentials' | 'refresh_token',
        tokenUrl: a.tokenUrl as string,
        clientId: a.clientId as string,
        clientSecret: a.clientSecret as string,
        ...(typeof a.refreshToken === 'string' ? { refreshToken: a.refreshToken } : {}),
        ...(typeof a.scope === 'string' ? { scope: a.scope } : {}),
        clientAuth: (a.clientAuth as 'body' | 'basic' | undefined) ?? 'body',
        fallback: false,
      };
    default:
      return { type: 'apiKey', in: a.in as 'header' | 'query', name: a.name as string, value: a.value as string, fallback: a.fallback === true };
  }
}

function batchDef(b: JsonObject | undefined, role: string, pathParams: Readonly<Record<string, unknown>>, wrong: () => never): BatchDef | null {
  if (!b) return null;
  const id = (b.id as string | undefined) ?? 'id';
  if (role !== 'read' || !Object.hasOwn(pathParams, id)) wrong();
  return { list: b.list as string, param: b.param as string, max: b.max as number, id };
}

function upsertDef(u: JsonObject | undefined): UpsertDef | null {
  if (!u) return null;
  const fields: Record<string, { search: string; from: string }> = {};
  for (const [name, f] of Object.entries(u.fields as Record<string, { search: string; from?: string }>)) fields[name] = { search: f.search, from: f.from ?? name };
  const hits = (u.hits as { items: string; id: string } | undefined) ?? { items: '/data/items', id: '/item/id' };
  return { path: u.path as string, tokens: u.tokens as number, update: u.update as string, hits, fields, customFields: (u.customFields as string | undefined) ?? null };
}

function webhookDef(w: JsonObject, params: Readonly<Record<string, unknown>>, at: (k: string) => string, fail: (ptr: string, detail: string) => never): WebhookDef {
  const param = w.param as string;
  if (!(param in params)) fail(at('param'), `names "${param}", which is not a parameter of this action`);
  return { param, actions: w.actions as Record<string, string[]>, objects: w.objects as Record<string, string | null> };
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

const isSchemaObject = (s: JsonSchema | null | undefined): s is JsonSchemaObject => typeof s === 'object' && s !== null;

/** Whether a dotted field path can exist in records of `schema` (an open object admits any field). */
export function hasField(schema: JsonSchema, dotted: string): boolean {
  return fieldIn(schema, dotted.split('.'));
}

function fieldIn(schema: JsonSchema | undefined, path: string[]): boolean {
  if (path.length === 0) return true;
  if (schema === undefined || schema === true) return true;
  if (schema === false) return false;
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) if (fieldIn(branch, path)) return true;
  // A scalar (an integer org_id in v2) has no fields, even though it does not say so.
  const t = schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (t && !t.includes('object')) return false;
  const [head, ...rest] = path;
  const prop = schema.properties?.[head];
  if (prop !== undefined) return fieldIn(prop, rest);
  for (const [re, s] of Object.entries(schema.patternProperties ?? {})) if (new RegExp(re, 'u').test(head)) return fieldIn(s, rest);
  // As in JSON Schema, an object that does not say `additionalProperties` admits other fields.
  if (schema.additionalProperties === undefined || schema.additionalProperties === true) return true;
  return schema.additionalProperties !== false && fieldIn(schema.additionalProperties, rest);
}

function typeVars(t: TypeSpec | undefined, out: Set<string>): Set<string> {
  if (t === undefined || t === 'any') return out;
  if ('var' in t) out.add(t.var);
  else if ('anyOf' in t) for (const x of t.anyOf) typeVars(x, out);
  else {
    typeVars(t.items, out);
    for (const x of Object.values(t.properties ?? {})) typeVars(x, out);
  }
  return out;
}
