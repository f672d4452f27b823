// Pipedrive's own OpenAPI 3.0 descriptions (../shared/pipedrive-openapi beside the checkout, see its
// SOURCE.md), read at test time and never copied into the repository: operations by method and
// path, their response schemas as JSON Schema for ajv, their parameters and token costs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { applyExceptions, type Exception } from './exceptions.js';

const here = dirname(fileURLToPath(import.meta.url));
/** `shared/` beside the repository (a worktree or a CI clone), holding `pipedrive-openapi/`. */
export const DESCRIPTIONS_DIR = resolve(here, '..', '..', '..', 'shared', 'pipedrive-openapi');

export const FILES = {
  v1: 'pipedrive-v1.2026-08.yaml',
  v2: 'pipedrive-v2.2026-08.yaml',
  /** Still describes the v1 persons, deals, organizations, ... that left the current v1 file. */
  v1Deprecated: 'pipedrive-v1.2026-01-with-deprecated.yaml',
} as const;

export const descriptionsPresent = (): boolean => Object.values(FILES).every((f) => existsSync(join(DESCRIPTIONS_DIR, f)));

/** The reason a suite skips, printed so that a skipped suite is never mistaken for a passing one. */
export const SKIP_REASON = `Pipedrive's OpenAPI descriptions are not at ${DESCRIPTIONS_DIR}: the contract tests are skipped (see shared/pipedrive-openapi/SOURCE.md)`;

export type Version = 'v1' | 'v2';
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Schema = { [k: string]: Json };

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  version: Version;
  method: string;
  /** As the description writes it: `/persons/{id}`. */
  path: string;
  /** Which file it was found in. */
  file: string;
  deprecated: boolean;
  tokenCost: number | undefined;
  parameters: Parameter[];
  requestBody?: Schema;
  responses: Record<string, Schema | undefined>;
}

const docs = new Map<string, { paths: Record<string, Record<string, Json>> }>();
function doc(file: string) {
  let d = docs.get(file);
  if (!d) {
    d = load(readFileSync(join(DESCRIPTIONS_DIR, file), 'utf8')) as { paths: Record<string, Record<string, Json>> };
    docs.set(file, d);
  }
  return d;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operationIn(file: string, version: Version, method: string, path: string): Operation | undefined {
  const item = doc(file).paths[path];
  const op = item?.[method.toLowerCase()] as Record<string, Json> | undefined;
  if (!op) return undefined;
  const shared = ((item as Record<string, Json>).parameters as unknown as Parameter[] | undefined) ?? [];
  const responses: Record<string, Schema | undefined> = {};
  for (const [status, r] of Object.entries((op.responses as Record<string, Record<string, Json>>) ?? {})) {
    const content = r.content as Record<string, { schema?: Schema }> | undefined;
    responses[status] = content?.['application/json']?.schema;
  }
  const body = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.['application/json']?.schema;
  return {
    version,
    method: method.toUpperCase(),
    path,
    file,
    deprecated: op.deprecated === true,
    tokenCost: typeof op['x-token-cost'] === 'number' ? (op['x-token-cost'] as number) : undefined,
    parameters: [...shared, ...((op.parameters as unknown as Parameter[] | undefined) ?? [])],
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

/**
 * The operation for `method path` (path with `{name}` parameters) in the description of `version`:
 * v1 looks in the current file first, then in the January one for endpoints out of support.
 */
export function operation(version: Version, method: string, path: string): Operation | undefined {
  if (version === 'v2') return operationIn(FILES.v2, 'v2', method, path);
  return operationIn(FILES.v1, 'v1', method, path) ?? operationIn(FILES.v1Deprecated, 'v1', method, path);
}

/** Whether the current description of `version` has `method path` (the v1 one lost the endpoints out of support). */
export function inCurrentDescription(version: Version, method: string, path: string): boolean {
  return operationIn(version === 'v2' ? FILES.v2 : FILES.v1, version, method, path) !== undefined;
}

/** Every operation of a file: [method, path]. */
export function operationsOf(file: string): [string, string][] {
  const out: [string, string][] = [];
  for (const [path, item] of Object.entries(doc(file).paths)) for (const m of METHODS) if (item[m]) out.push([m.toUpperCase(), path]);
  return out;
}

/**
 * OpenAPI 3.0 to JSON Schema (draft 2020-12 as ajv reads it): `nullable: true` adds null to the
 * type (and to an enum); `example`, `x-*` and the formats ajv-formats does not know are dropped.
 */
export function toJsonSchema(s: Json): Json {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (s === null || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'example' || k === 'examples' || k.startsWith('x-') || k === 'nullable' || k === 'discriminator' || k === 'xml' || k === 'externalDocs') continue;
    if (k === 'format' && !KNOWN_FORMATS.has(v as string)) continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, toJsonSchema(ps)]));
    } else out[k] = toJsonSchema(v);
  }
  if (s.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
    else if (!out.type) {
      const inner = { ...out };
      for (const k of Object.keys(out)) if (k !== 'description' && k !== 'title') delete out[k];
      out.anyOf = [inner, { type: 'null' }];
    }
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

const KNOWN_FORMATS = new Set(['date', 'date-time', 'uuid', 'email']);

/** The JSON Schema an answer of `op` with `status` must fit, with the documented exceptions applied. */
export function responseSchema(op: Operation, status: number, exceptions: readonly Exception[], purpose: 'answers' | 'definitions' = 'answers'): Schema | undefined {
  const raw = op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default;
  if (!raw) return undefined;
  return applyExceptions(toJsonSchema(raw) as Schema, op, status, purpose === 'answers' ? exceptions : exceptions.filter((e) => !e.answersOnly));
}

/** `/persons/:id` (the sandbox's routes) to `/persons/{id}` (the descriptions'). */
export const openApiPath = (routePath: string): string => routePath.replace(/:(\w+)/g, '{$1}');
