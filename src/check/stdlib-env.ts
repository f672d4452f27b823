// The checker's view of the standard library (src/apps) and of the saved connections.
import type { ActionDef, AppRegistry, FunctionDef, JsonSchema, OptionDef, ParamDef, ResolvedAction, Role, TypeSpec } from '../apps/index.js';
import { loadRegistry } from '../apps/index.js';
import { withCustomFields } from './custom-fields/check.js';
import { entityOfAction, type StoredSchema } from '../apps/custom-fields.js';
import type { ActionInfo, CheckEnv, ConnectionInfo, FunctionInfo, ParamInfo } from './env.js';
import { ANY, fromJsonSchema, openRecord, union, type RecordType, type Type } from './types.js';

export interface StdlibEnvOptions {
  registry?: AppRegistry;
  connections?: ConnectionInfo[];
  vars?: Iterable<string>;
  /** Schemas stored by `sluice discover`, by connection name: their custom fields become typed fields. */
  customSchemas?: ReadonlyMap<string, StoredSchema>;
}

export function stdlibEnv(options: StdlibEnvOptions = {}): CheckEnv {
  const reg = options.registry ?? loadRegistry();
  const cache = new Map<string, ActionInfo | undefined>();
  const functions = new Map<string, FunctionInfo>(reg.functions().map((f) => [f.name, functionInfo(f)]));
  return {
    apps: () => reg.apps().map((a) => a.name),
    actions(app) {
      const byName = new Map<string, { name: string; roles: Role[]; versions: string[] }>();
      for (const a of reg.actionsOf(app)) {
        const e = byName.get(a.name) ?? { name: a.name, roles: [], versions: [] };
        e.roles.push(a.role);
        for (const v of a.variants) if (v.version && !e.versions.includes(v.version)) e.versions.push(v.version);
        byName.set(a.name, e);
      }
      return [...byName.values()];
    },
    action(app, action, role, version, connection) {
      const schema = connection === undefined ? undefined : options.customSchemas?.get(connection);
      const key = `${app}\u0000${action}\u0000${role}\u0000${version ?? ''}\u0000${schema ? connection : ''}`;
      if (cache.has(key)) return cache.get(key);
      const qualified = action === '' ? app : `${app}.${action}`;
      const r = reg.resolve(qualified.split('.'), role);
      let info = r.ok ? actionInfo(reg.action(qualified, role, version ?? null)!, r.action) : undefined;
      if (info && schema) info = withCustomFields(info, schema, reg);
      cache.set(key, info);
      return info;
    },
    defaultVersion: (app) => reg.app(app)?.defaultVersion ?? undefined,
    usesConnections: (app) => reg.app(app)?.connection !== null && reg.app(app)?.connection !== undefined,
    customFieldEntity: (app, action) => entityOfAction(reg.app(app), action),
    functions,
    ...(options.connections ? { connections: new Map(options.connections.map((c) => [c.name, c])) } : {}),
    vars: new Set(options.vars ?? []),
  };
}

function param(p: ParamDef | OptionDef): ParamInfo {
  return {
    name: p.name,
    type: fromJsonSchema(p.schema as JsonSchema as Record<string, unknown>),
    required: p.required,
    help: p.help,
    ...('kind' in p && p.kind === 'limit' ? { kind: 'limit' as const } : {}),
  };
}

function record(schema: JsonSchema | null, origin: string): RecordType | undefined {
  if (schema === null) return undefined;
  const t = fromJsonSchema(schema as Record<string, unknown> | boolean, origin);
  return t.kind === 'record' ? t : openRecord();
}

function actionInfo(a: ResolvedAction, def: ActionDef): ActionInfo {
  const origin = `${a.qualifiedName}${a.version ? ` (${a.version})` : ''}`;
  const rec = record(a.record, origin);
  const input = record(a.input, origin);
  return {
    qualified: a.qualifiedName,
    app: a.app,
    action: a.name,
    role: a.role,
    ...(a.version ? { version: a.version } : {}),
    ...(a.method ? { method: a.method } : {}),
    ...(a.path ? { path: a.path } : {}),
    help: a.help,
    params: new Map(Object.values(a.params).map((p) => [p.name, param(p)])),
    pathParams: new Map(Object.values(a.pathParams).map((p) => [p.name, param(p)])),
    options: new Map(Object.values(a.options).filter((o) => o.scope !== 'connection').map((o) => [o.name, param(o)])),
    ...(rec ? { record: rec } : {}),
    ...(input ? { input } : {}),
    ...(a.since ? { since: { kind: a.since.kind, field: a.since.field, ...(a.since.kind === 'param' ? { param: a.since.param, ...(a.since.params ? { params: a.since.params } : {}) } : {}) } } : {}),
    ...(def.as ? { declaresRecordType: true } : {}),
    key: a.key,
    ...(a.tokens !== null ? { tokens: a.tokens } : {}),
    ...(a.pagination.type !== 'none' ? { pageSize: a.pagination.pageSizeMax, pagination: a.pagination.type } : {}),
    ...(a.batch ? { batch: { list: `${a.app}.${a.batch.list}`, param: a.batch.param, max: a.batch.max } } : {}),
    ...(a.unsupportedSince ? { unsupportedSince: a.unsupportedSince, newerVersions: newerThan(def, a.version) } : {}),
    ...(a.upsert ? { upsert: a.upsert } : {}),
    upsertVersions: def.variants.filter((v) => v.upsert).map((v) => v.version ?? ''),
  };
}

function newerThan(def: ActionDef, version: string | null): string[] {
  const versions = def.variants.map((v) => v.version);
  return versions.slice(versions.indexOf(version) + 1).filter((v): v is string => v !== null);
}

function specType(t: TypeSpec): Type {
  if (t === 'any' || 'var' in t) return ANY;
  if ('anyOf' in t) return union(...t.anyOf.map(specType));
  const types = Array.isArray(t.type) ? t.type : [t.type];
  return union(
    ...types.map((ty): Type => {
      if (ty === 'array') return { kind: 'list', element: t.items ? specType(t.items) : ANY };
      if (ty === 'object') return openRecord();
      return fromJsonSchema({ type: ty, ...(t.format ? { format: t.format } : {}) });
    }),
  );
}

function functionInfo(f: FunctionDef): FunctionInfo {
  const params = f.params.map((p) => ({ name: p.name, type: specType(p.type) }));
  const sig = `${f.name}(${f.params.map((p, i) => `${p.name}${f.variadic && i === f.params.length - 1 ? '...' : ''}`).join(', ')})`;
  return {
    name: f.name,
    params,
    variadic: f.variadic,
    minArgs: f.minArgs,
    returns: specType(f.returns),
    nullPropagating: f.nullability === 'propagate',
    help: f.help,
    signature: `${sig}: ${f.help}`,
  };
}
