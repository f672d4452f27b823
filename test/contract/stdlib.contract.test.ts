// The standard library's Pipedrive actions held to Pipedrive's OpenAPI descriptions: each variant's
// method and path exist in the description of its version (and are out of support exactly when the
// variant says so), its parameters have the documented names, types, enums and required flags, its
// record (reads) and input (writes) fields exist with compatible types, and its `tokens` are the
// operation's `x-token-cost`. Known errors of the descriptions are in exceptions.ts, nowhere else.
import { describe, expect, it } from 'vitest';
import { loadRegistry, type JsonSchema, type ResolvedAction } from '../../src/apps/index.js';
import { EXCEPTIONS, paramSchema } from './exceptions.js';
import { descriptionsPresent, inCurrentDescription, operation, responseSchema, SKIP_REASON, toJsonSchema, type Operation, type Schema, type Version } from './openapi.js';

const present = descriptionsPresent();
if (!present) console.warn(SKIP_REASON);

type S = Schema & { type?: string | string[]; enum?: unknown[]; properties?: Record<string, S>; items?: S; allOf?: S[]; anyOf?: S[]; oneOf?: S[]; required?: string[] };

/** The JSON types a schema admits (`integer` is also a `number`); empty: any. */
function types(s: S | undefined): Set<string> {
  const out = new Set<string>();
  if (!s) return out;
  if (s.type) for (const t of Array.isArray(s.type) ? s.type : [s.type]) out.add(t);
  if (s.enum) for (const v of s.enum) out.add(v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) for (const m of s[k] ?? []) for (const t of types(m)) out.add(t);
  return out;
}

/** Properties of an object schema, through allOf / anyOf / oneOf members (a union of their schemas). */
function properties(s: S | undefined): Map<string, S[]> {
  const out = new Map<string, S[]>();
  if (!s) return out;
  for (const [k, v] of Object.entries(s.properties ?? {})) out.set(k, [...(out.get(k) ?? []), v]);
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    for (const m of s[k] ?? []) for (const [p, vs] of properties(m)) out.set(p, [...(out.get(p) ?? []), ...vs]);
  }
  return out;
}

/** The schema of the records in a documented answer: `data`, or its items. */
function documentedRecord(op: Operation): S | undefined {
  const schema = (responseSchema(op, 200, EXCEPTIONS, 'definitions') ?? responseSchema(op, 201, EXCEPTIONS, 'definitions')) as S | undefined;
  const data = properties(schema).get('data');
  if (!data) return undefined;
  const items = data.flatMap((d) => [d, ...(d.anyOf ?? [])]).map((d) => d.items).filter((x): x is S => !!x);
  return { anyOf: items.length ? items : data } as S;
}

/** `documented` fits in `ours`: every type the API may send there, the stdlib accepts. */
function compatible(ours: Set<string>, documented: Set<string>): boolean {
  if (ours.size === 0 || documented.size === 0) return true;
  for (const t of documented) if (!ours.has(t) && !(t === 'integer' && ours.has('number'))) return false;
  return true;
}

const show = (s: Set<string>) => [...s].sort().join('|') || 'any';

/**
 * Reads: every type the API documents for a field, the record type must accept. Writes: every type
 * the input accepts, the API must take. Path parameters in an input are sent in the path.
 */
function checkFields(where: string, ours: JsonSchema | null, documented: S | undefined, role: 'read' | 'write', op: Operation, inPath: string[] = []): string[] {
  if (!ours || ours === true || !documented) return [];
  const problems: string[] = [];
  const doc = properties(documented);
  for (const [name, schema] of Object.entries((ours as S).properties ?? {})) {
    if (inPath.includes(name)) continue;
    const d = doc.get(name);
    if (!d) {
      problems.push(`${where}: \`${name}\` is not documented`);
      continue;
    }
    const dt = new Set(d.flatMap((x) => [...types((role === 'write' ? paramSchema(op, name, x, EXCEPTIONS, 'body') : x) as S)]));
    const ot = types(schema as S);
    if (role === 'read' ? !compatible(ot, dt) : !compatible(dt, ot)) problems.push(`${where}: \`${name}\` is ${show(ot)}, documented ${show(dt)}`);
  }
  return problems;
}

function checkParams(a: ResolvedAction, op: Operation): string[] {
  const where = `${a.qualifiedName} (${a.version})`;
  const problems: string[] = [];
  const documented = new Map(op.parameters.map((p) => [`${p.in}:${p.name}`, p]));
  const ours = [...Object.values(a.params).filter((p) => p.kind !== 'limit').map((p) => ['query', p] as const), ...Object.values(a.pathParams).map((p) => ['path', p] as const)];
  for (const [place, p] of ours) {
    const d = documented.get(`${place}:${p.name}`);
    if (!d) {
      problems.push(`${where}: the ${place} parameter \`${p.name}\` is not documented`);
      continue;
    }
    const ds = paramSchema(op, p.name, toJsonSchema(d.schema ?? {}) as Schema, EXCEPTIONS) as S;
    const s = p.schema as S;
    const [ot, dt] = [types(s), types(ds)];
    // What we may send must be what the API takes.
    if (!compatible(dt, ot)) problems.push(`${where}: \`${p.name}\` is ${show(ot)}, documented ${show(dt)}`);
    const denum = ds.enum ?? ds.anyOf?.find((x) => x.enum)?.enum;
    if (s.enum && denum && !s.enum.every((v) => denum.includes(v))) problems.push(`${where}: \`${p.name}\` allows ${JSON.stringify(s.enum)}, documented ${JSON.stringify(denum)}`);
    if (!s.enum && denum && !ds.anyOf) problems.push(`${where}: \`${p.name}\` takes any value, documented only ${JSON.stringify(denum)}`);
    const required = place === 'path' || p.required;
    if (required !== (d.required === true)) problems.push(`${where}: \`${p.name}\` is ${required ? '' : 'not '}required, documented ${d.required ? '' : 'not '}required`);
  }
  // Paging parameters the engine sends must be documented too.
  const pg = a.pagination;
  const paging = pg.type === 'offset' ? [pg.startParam, pg.limitParam] : pg.type === 'cursor' ? [pg.cursorParam, pg.limitParam] : [];
  for (const name of paging) if (!documented.has(`query:${name}`)) problems.push(`${where}: pages with \`${name}\`, which is not documented`);
  for (const [k, v] of Object.entries(a.since && a.since.kind !== 'client' ? (a.since.params ?? {}) : {})) {
    const d = documented.get(`query:${k}`);
    if (!d) problems.push(`${where}: since sends \`${k}\`, which is not documented`);
    else if (d.schema?.enum && !(d.schema.enum as unknown[]).includes(v)) problems.push(`${where}: since sends ${k}=${String(v)}, documented ${JSON.stringify(d.schema.enum)}`);
  }
  return problems;
}

describe.skipIf(!present)('the standard library against Pipedrive\'s OpenAPI descriptions', () => {
  const reg = loadRegistry({ fresh: true });
  const variants = reg.actionsOf('pipedrive').flatMap((def) => def.variants.map((v) => reg.action(def.qualifiedName, def.role, v.version)!));

  it('covers every Pipedrive action variant', () => {
    expect(variants.length).toBeGreaterThan(25);
  });

  it('every variant is a documented operation, out of support exactly where it says so', () => {
    const problems: string[] = [];
    for (const a of variants) {
      const v = a.version as Version;
      const op = operation(v, a.method!, a.path!);
      const what = `${a.qualifiedName} (${v}): ${a.method} /${v}${a.path}`;
      if (!op) {
        problems.push(`${what} is not in the description`);
        continue;
      }
      const gone = !inCurrentDescription(v, a.method!, a.path!);
      if (gone !== (a.unsupportedSince !== null)) problems.push(`${what}: ${gone ? 'is out of support but the variant has no unsupportedSince' : 'is supported but the variant says unsupportedSince'}`);
    }
    expect(problems).toEqual([]);
  });

  it('each variant costs its operation\'s x-token-cost', () => {
    const wrong = variants
      .map((a) => ({ a, op: operation(a.version as Version, a.method!, a.path!) }))
      .filter(({ a, op }) => op && a.tokens !== op.tokenCost)
      .map(({ a, op }) => `${a.qualifiedName} (${a.version}): tokens ${a.tokens}, x-token-cost ${op!.tokenCost}`);
    expect(wrong).toEqual([]);
  });

  // A webhook source's method and path are where its webhook is registered: its parameter becomes
  // the registration's body (event_action, event_object) and its records are the deliveries, which
  // the descriptions do not document (the sandbox's deliveries are tested in
  // test/sandbox/webhooks.test.ts).
  it('parameters have the documented names, types, enums and required flags', () => {
    const problems = variants.flatMap((a) => {
      if (a.webhook) return [];
      const op = operation(a.version as Version, a.method!, a.path!);
      return op ? checkParams(a, op) : [];
    });
    expect(problems).toEqual([]);
  });

  it('record and input fields exist in the description, with the types it documents', () => {
    const problems = variants.flatMap((a) => {
      const op = operation(a.version as Version, a.method!, a.path!);
      if (!op || a.webhook) return [];
      const where = `${a.qualifiedName} (${a.version})`;
      if (a.role === 'read') return checkFields(`${where} record`, a.record, documentedRecord(op), 'read', op);
      const body = op.requestBody ? (toJsonSchema(op.requestBody) as S) : undefined;
      return checkFields(`${where} input`, a.input, body, 'write', op, Object.keys(a.pathParams));
    });
    expect(problems).toEqual([]);
  });

  it('upserts search with a documented GET, its x-token-cost, documented parameters and `fields` values', () => {
    const upserting = variants.filter((a) => a.upsert);
    expect(upserting.map((a) => a.qualifiedName).sort()).toEqual(['pipedrive.deals.create', 'pipedrive.organizations.create', 'pipedrive.persons.create']);
    const problems: string[] = [];
    for (const a of upserting) {
      const u = a.upsert!;
      const where = `${a.qualifiedName} (${a.version}) upsert: GET /${a.version}${u.path}`;
      const op = operation(a.version as Version, 'GET', u.path);
      if (!op) {
        problems.push(`${where} is not in the description`);
        continue;
      }
      if (op.tokenCost !== u.tokens) problems.push(`${where}: tokens ${u.tokens}, x-token-cost ${op.tokenCost}`);
      const params = new Map(op.parameters.map((p) => [p.name, p]));
      for (const name of ['term', 'fields', 'exact_match', 'limit']) if (!params.has(name)) problems.push(`${where}: sends \`${name}\`, which is not documented`);
      const allowed = (params.get('fields')?.schema?.enum ?? []) as unknown[];
      const sent = [...Object.values(u.fields).map((f) => f.search), ...(u.customFields ? [u.customFields] : [])];
      for (const f of sent) if (!allowed.includes(f)) problems.push(`${where}: fields=${f} is not one of ${JSON.stringify(allowed)}`);
      if (!variants.some((b) => b.qualifiedName === `${a.app}.${u.update}` && b.version === a.version)) problems.push(`${where}: the update action ${u.update} has no ${a.version} variant`);
    }
    expect(problems).toEqual([]);
  });
});
