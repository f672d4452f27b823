// Where Pipedrive's OpenAPI descriptions are known to be wrong about the real API, in one list, each
// with its reason. The contract tests (sandbox answers, standard library) read the descriptions
// through this list and nowhere else make an exception; an entry that no longer matches anything
// fails the suite, so the list cannot rot.
import type { Operation, Schema } from './openapi.js';

export interface Exception {
  /** Which operations it concerns: `GET /v1/persons`-style patterns, `*` for any part. */
  operations: string[];
  /**
   * Dotted path in the answer: `data[].owner_id`; `*` is any property, `**` every property (the
   * rules below). `query.NAME` is the request parameter NAME instead.
   */
  at: string;
  /** What the real API also answers there (the documented schema or this). */
  allow: Schema;
  reason: string;
}

// Types a JSON Schema of "any object" / "what the real API sends".
const NULL: Schema = { type: 'null' };

export const EXCEPTIONS: readonly Exception[] = [
  {
    operations: ['GET /v1/personFields', 'GET /v1/dealFields', 'GET /v1/organizationFields'],
    at: 'data[].field_type',
    allow: { enum: ['int', 'stage', 'status', 'varchar_options'] },
    reason:
      'Built-in fields report field types the v1 enum lacks: "int" (id, the counts; shared/PIPEDRIVE.md, facts of 2026-12-03), and for deals "stage", "status" and "varchar_options", which the v2 description of the same fields documents.',
  },
  {
    operations: ['GET /v1/recents'],
    at: 'query.items',
    allow: { type: 'string', pattern: '^(activity|activityType|deal|file|filter|note|person|organization|pipeline|product|stage|user)(,(activity|activityType|deal|file|filter|note|person|organization|pipeline|product|stage|user))*$' },
    reason: 'The description allows one item kind, but `items` takes a comma-separated list of them ("Multiple selection of item types to include in the query (optional)", and shared/PIPEDRIVE.md).',
  },
  {
    operations: ['* /v1/*', '* /v2/*'],
    at: '**',
    allow: NULL,
    reason:
      'The descriptions mark few fields nullable, yet real answers carry null in many fields documented as non-null (shared/PIPEDRIVE.md: "many fields documented as non-null carry null in real answers"): a property that the description does not list as required may be null. Types are still checked for every non-null value.',
  },
  {
    operations: ['* /v1/*'],
    at: '**',
    allow: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$' },
    reason: 'v1 times are "YYYY-MM-DD HH:MM:SS" (UTC, no zone) where the v1 descriptions say format date-time (RFC 3339): applies only to strings documented with format date-time.',
  },
];

const matchPart = (pattern: string, value: string): boolean =>
  pattern === '*' || pattern === value || (pattern.endsWith('*') && value.startsWith(pattern.slice(0, -1)));

/** Whether `e` concerns `op` (`GET /v1/persons/{id}` against `* /v1/*`). */
export function concerns(e: Exception, op: Pick<Operation, 'method' | 'version' | 'path'>): boolean {
  const full = `/${op.version}${op.path}`;
  return e.operations.some((p) => {
    const [m, path] = p.split(' ');
    return matchPart(m, op.method) && matchPart(path, full);
  });
}

/** Entries that have changed a schema since the suite started (the suite checks every entry is used). */
export const used = new Set<Exception>();

/** The documented schema with the exceptions that concern `op` applied. */
export function applyExceptions(schema: Schema, op: Operation, _status: number, exceptions: readonly Exception[]): Schema {
  let out = schema;
  for (const e of exceptions) {
    if (!concerns(e, op) || e.at.startsWith('query.')) continue;
    if (e.at === '**') {
      out = everywhere(out, e);
      continue;
    }
    out = at(out, e.at.split('.'), e);
  }
  return out;
}

type S = Schema & { properties?: Record<string, Schema>; items?: Schema; allOf?: Schema[]; anyOf?: Schema[]; oneOf?: Schema[]; required?: string[] };

/** Rewrites the schema of the property at `path` (through allOf/anyOf/oneOf members) into "documented or allowed". */
function at(schema: Schema, path: string[], e: Exception): Schema {
  const s = schema as S;
  const [head, ...rest] = path;
  const out: S = { ...s };
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (s[k]) out[k] = s[k]!.map((m) => at(m, path, e));
  const arrayStep = head.endsWith('[]');
  const name = arrayStep ? head.slice(0, -2) : head;
  if (s.properties) {
    const props: Record<string, Schema> = { ...s.properties };
    for (const [p, ps] of Object.entries(s.properties)) {
      if (!matchPart(name, p)) continue;
      let target = ps as S;
      if (arrayStep) {
        if (!target.items) continue;
        target = { ...target, items: rest.length ? at(target.items, rest, e) : allow(target.items, e) };
        props[p] = target;
      } else props[p] = rest.length ? at(target, rest, e) : allow(target, e);
    }
    out.properties = props;
  }
  return out;
}

/** A request parameter's documented schema with the exceptions that concern it. */
export function paramSchema(op: Operation, name: string, schema: Schema, exceptions: readonly Exception[]): Schema {
  let out = schema;
  for (const e of exceptions) if (concerns(e, op) && e.at === `query.${name}`) out = allow(out, e);
  return out;
}

function allow(s: Schema, e: Exception): Schema {
  used.add(e);
  return { anyOf: [s, e.allow] };
}

/**
 * `**` entries: null for properties that are not required (the nullable rule), or a pattern beside
 * `format: date-time` (the v1 time rule), wherever they occur.
 */
function everywhere(schema: Schema, e: Exception): Schema {
  const s = schema as S;
  const out: S = { ...s };
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (s[k]) out[k] = s[k]!.map((m) => everywhere(m, e));
  if (s.items) out.items = everywhere(s.items, e);
  if (s.properties) {
    const req = new Set(s.required ?? []);
    out.properties = Object.fromEntries(
      Object.entries(s.properties).map(([p, ps]) => {
        const inner = everywhere(ps, e);
        if (e.allow.type === 'null') return [p, req.has(p) ? inner : allow(inner, e)];
        return [p, inner];
      }),
    );
  }
  if (e.allow.type !== 'null' && s.format === 'date-time') return allow(out, e);
  return out;
}
