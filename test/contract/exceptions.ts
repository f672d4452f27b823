// Where Pipedrive's OpenAPI descriptions are known to be wrong about the real API, in one list, each
// with its reason. The contract tests (sandbox answers, standard library) read the descriptions
// through this list and nowhere else make an exception; an entry that applies to nothing fails the
// suite, so the list cannot rot.
import type { Operation, Schema } from './openapi.js';

export interface Exception {
  /** Which operations it concerns: `GET /v1/persons`-style patterns, `*` for any part. */
  operations: string[];
  /**
   * Dotted path in the answer: `data[].owner_id`; `*` is any property; `**` every property (the
   * rules below). A path reaching a list looks into its items. `query.NAME` is the request
   * parameter NAME instead, `body.NAME` the field NAME of the request body; `a|b` is either name.
   */
  at: string;
  /** What the real API also answers there (the documented schema or this). */
  allow?: Schema;
  /**
   * Properties that real answers carry at `at` (an object) and the description leaves out;
   * `include_fields`: those the operation's own `include_fields` parameter names.
   */
  adds?: Record<string, Schema> | 'include_fields';
  reason: string;
  /**
   * Only when checking answers (the sandbox's): it widens what an answer may carry without making
   * the standard library type every such field as nullable.
   */
  answersOnly?: true;
}

/** A comma-separated list of `values`. */
const commaList = (values: string[]): Schema => {
  const one = `(${values.join('|')})`;
  return { type: 'string', pattern: `^${one}(,${one})*$` };
};

const V2_WITH_INCLUDE_FIELDS = ['GET /v2/persons', 'GET /v2/persons/{id}', 'GET /v2/organizations', 'GET /v2/organizations/{id}', 'GET /v2/deals', 'GET /v2/deals/{id}'];

export const EXCEPTIONS: readonly Exception[] = [
  // ---- answers
  {
    operations: ['* /v1/*', '* /v2/*'],
    at: '**',
    allow: { type: 'null' },
    answersOnly: true,
    reason:
      'The descriptions mark few fields nullable, yet real answers carry null in many fields documented as non-null (shared/PIPEDRIVE.md: "many fields documented as non-null carry null in real answers"): a property that the description does not list as required may be null. Types are still checked for every non-null value.',
  },
  {
    operations: ['* /v1/*'],
    at: '**',
    allow: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$' },
    reason: 'v1 times are "YYYY-MM-DD HH:MM:SS" (UTC, no zone) where the v1 descriptions say format date-time (RFC 3339): applies only to strings documented with format date-time.',
  },
  {
    operations: ['GET /v1/personFields', 'GET /v1/dealFields', 'GET /v1/organizationFields'],
    at: 'data.field_type',
    allow: { enum: ['int', 'stage', 'status', 'varchar_options'] },
    reason:
      'Built-in fields report field types the v1 enum lacks: "int" (id, the counts; shared/PIPEDRIVE.md, facts of 2026-12-03), and for deals "stage", "status" and "varchar_options", which the v2 description of the same fields documents.',
  },
  {
    operations: ['GET /v1/personFields', 'GET /v1/dealFields', 'GET /v1/organizationFields'],
    at: 'data',
    adds: { json_column_flag: { type: 'boolean' }, description: { type: ['string', 'null'] } },
    reason: 'v1 field definitions carry json_column_flag and description (the sandbox serves json_column_flag as Pipedrive does); the description leaves them out. Not confirmed beyond that.',
  },
  {
    operations: V2_WITH_INCLUDE_FIELDS,
    at: 'data',
    adds: 'include_fields',
    reason: 'The fields that `include_fields` asks for (counts, next_activity_id, mail times, marketing_status, ...) come in the answer, but the response schema does not list them; their types are not documented.',
  },
  {
    operations: ['GET /v1/users', 'GET /v1/users/find', 'GET /v1/users/me'],
    at: 'data',
    adds: { is_admin: { type: 'integer', enum: [0, 1] } },
    reason: 'Users carry is_admin (0/1; shared/PIPEDRIVE.md, "Record shapes", from the official client\'s User model), which the response schema leaves out.',
  },
  {
    operations: ['GET /v1/notes', 'GET /v1/notes/{id}'],
    at: 'data',
    adds: { pinned_to_lead_flag: { type: 'boolean' } },
    reason: 'Notes can be pinned to leads (the list takes pinned_to_lead_flag, as it takes the deal, person and organization flags that the record documents), but the record leaves pinned_to_lead_flag out.',
  },
  {
    operations: ['GET /v1/persons', 'GET /v1/persons/{id}'],
    at: 'data',
    adds: { job_title: { type: ['string', 'null'] } },
    reason: 'v1 persons carry the contact-sync field job_title that the v2 description documents for the same persons; the (deprecated) v1 description leaves it out. Not confirmed beyond that.',
  },
  // ---- requests
  {
    operations: ['POST /v1/persons', 'PUT /v1/persons/{id}', 'POST /v2/persons', 'PATCH /v2/persons/{id}'],
    at: 'body.org_id',
    allow: { type: 'null' },
    reason: 'null unlinks the organization (the standard library sends null only where a flow writes it); the description types org_id as an integer only.',
  },
  {
    operations: ['POST /v1/persons', 'PUT /v1/persons/{id}'],
    at: 'body.label',
    allow: { type: 'null' },
    reason: 'null clears the label; the description types label as an integer only.',
  },
  {
    operations: ['POST /v2/persons', 'PATCH /v2/persons/{id}'],
    at: 'body.postal_address',
    allow: { type: 'null' },
    reason: 'null clears the postal address; the description types it as an object only.',
  },
  {
    operations: ['POST /v1/persons', 'PUT /v1/persons/{id}'],
    at: 'body.email|phone',
    allow: { type: 'string' },
    reason:
      'v1 persons take email and phone as a plain string too (one primary address), as Pipedrive\'s older v1 reference and clients built on it do; the description documents only the list of {value, primary, label}. Not confirmed beyond that.',
  },
  {
    operations: ['GET /v1/recents'],
    at: 'query.items',
    allow: commaList(['activity', 'activityType', 'deal', 'file', 'filter', 'note', 'person', 'organization', 'pipeline', 'product', 'stage', 'user']),
    reason: 'The description allows one item kind, but `items` takes a comma-separated list of them ("Multiple selection of item types to include in the query (optional)", and shared/PIPEDRIVE.md).',
  },
  {
    operations: ['GET /v2/*'],
    at: 'query.include_fields',
    allow: { type: 'string', pattern: '^[a-z_]+(,[a-z_]+)*$' },
    reason: 'The schema allows one value, but the description\'s own text says "Optional comma separated string array of additional fields to include".',
  },
  {
    operations: ['GET /v2/deals'],
    at: 'query.status',
    allow: commaList(['open', 'won', 'lost', 'deleted']),
    reason: 'The schema allows one status, but the description says "Multiple statuses can be included as a comma separated array".',
  },
  {
    operations: ['GET /v1/leads', 'GET /v1/leads/archived'],
    at: 'query.sort',
    allow: { type: 'string', pattern: '^[a-z_]+( (ASC|DESC))?(, ?[a-z_]+( (ASC|DESC))?)*$' },
    reason: 'The schema lists bare field names, but the description says "The field names and sorting mode separated by a comma (field_name_1 ASC, field_name_2 DESC)".',
  },
];

/** `*` anything, `a*` a prefix, `a|b` either. */
const matchPart = (pattern: string, value: string): boolean =>
  pattern.split('|').some((p) => p === '*' || p === value || (p.endsWith('*') && value.startsWith(p.slice(0, -1))));

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

type S = Schema & { properties?: Record<string, S>; items?: S; allOf?: S[]; anyOf?: S[]; oneOf?: S[]; required?: string[]; enum?: unknown[] };

/** The documented schema with the exceptions that concern `op` applied. */
export function applyExceptions(schema: Schema, op: Operation, _status: number, exceptions: readonly Exception[]): Schema {
  let out = schema;
  for (const e of exceptions) {
    if (!concerns(e, op) || e.at.startsWith('query.') || e.at.startsWith('body.')) continue;
    if (e.at === '**') out = everywhere(out, e);
    else out = at(out, e.at.split('.'), e, op);
  }
  return out;
}

/** A request parameter's (`query`) or body field's (`body`) documented schema with the exceptions that concern it. */
export function paramSchema(op: Operation, name: string, schema: Schema, exceptions: readonly Exception[], place: 'query' | 'body' = 'query'): Schema {
  let out = schema;
  for (const e of exceptions) {
    if (!concerns(e, op) || !e.at.startsWith(`${place}.`)) continue;
    if (matchPart(e.at.slice(place.length + 1), name)) out = allow(out, e);
  }
  return out;
}

function allow(s: Schema, e: Exception): Schema {
  used.add(e);
  return e.allow ? { anyOf: [s, e.allow] } : s;
}

/** Properties an `adds` entry gives the object at its path. */
function added(e: Exception, op: Operation): Record<string, Schema> {
  if (e.adds !== 'include_fields') return e.adds ?? {};
  const p = op.parameters.find((x) => x.name === 'include_fields');
  const names = (p?.schema?.enum as string[] | undefined) ?? [];
  return Object.fromEntries(names.map((n) => [n, {}]));
}

/** Applies `e` at `path` below `schema`, looking through allOf/anyOf/oneOf members and list items. */
function at(schema: Schema, path: string[], e: Exception, op: Operation): Schema {
  const s = schema as S;
  const out: S = { ...s };
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (s[k]) out[k] = s[k]!.map((m) => at(m, path, e, op));
  if (s.items) out.items = at(s.items, path, e, op) as S;
  if (path.length === 0) {
    // The object `adds` extends: the one that has properties of its own.
    if (e.adds && s.properties) {
      used.add(e);
      out.properties = { ...added(e, op), ...s.properties };
    }
    return out;
  }
  const [head, ...rest] = path;
  if (s.properties) {
    const props: Record<string, S> = { ...s.properties };
    for (const [p, ps] of Object.entries(s.properties)) {
      if (!matchPart(head, p)) continue;
      props[p] = (rest.length || e.adds ? at(ps, rest, e, op) : allow(ps, e)) as S;
    }
    out.properties = props;
  }
  return out;
}

/**
 * `**` entries: null for properties that are not required (the nullable rule), or a pattern beside
 * `format: date-time` (the v1 time rule), wherever they occur.
 */
function everywhere(schema: Schema, e: Exception): Schema {
  const s = schema as S;
  const out: S = { ...s };
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (s[k]) out[k] = s[k]!.map((m) => everywhere(m, e));
  if (s.items) out.items = everywhere(s.items, e) as S;
  if (s.properties) {
    const req = new Set(s.required ?? []);
    out.properties = Object.fromEntries(
      Object.entries(s.properties).map(([p, ps]) => {
        const inner = everywhere(ps, e);
        if (e.allow?.type === 'null') return [p, req.has(p) ? inner : allow(inner, e)];
        return [p, inner];
      }),
    );
  }
  if (e.allow?.type !== 'null' && s.format === 'date-time') return allow(out, e);
  return out;
}
