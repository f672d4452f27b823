// /api/v2/personFields, /dealFields, /organizationFields: the same definitions as the v1 lists, in
// v2's shape (field_code, field_name, is_custom_field, options or null), cursor-paginated.
import type { FieldDef } from '../../custom-fields.js';
import type { FieldEntity } from '../../model.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../../pagination.js';
import { jsonList, ok } from '../../reply.js';
import type { Route } from '../../router.js';
import { fieldDefs } from '../../serialize/v1.js';
import { fieldV2 } from '../../serialize/v2.js';
import { Query } from '../../validation.js';

const INCLUDE = ['ui_visibility', 'important_fields', 'required_fields'] as const;

/**
 * The cursor is the position of the next field: field lists change only when an admin edits them,
 * so a position is as stable as the list itself.
 */
const encode = (next: number): string => Buffer.from(JSON.stringify(['fields', next])).toString('base64url');

function decode(q: Query, raw: string): number {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v[0] !== 'fields' || !Number.isSafeInteger(v[1]) || (v[1] as number) < 0) throw q.fail('cursor', 'invalid cursor');
  return v[1] as number;
}

function fieldsRoute(path: string, entity: FieldEntity): Route {
  return {
    method: 'GET',
    version: 'v2',
    path,
    cost: 'list',
    handler: (req) => {
      const q = new Query(req.query, 'strict');
      const limit = q.int('limit', { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT;
      const raw = q.str('cursor');
      const from = raw === undefined ? 0 : decode(q, raw);
      const include = new Set(
        (q.str('include_fields') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
      for (const i of include) if (!(INCLUDE as readonly string[]).includes(i)) throw q.fail('include_fields', `unknown namespace '${i}'; use ${INCLUDE.join(', ')}`);
      const defs: FieldDef[] = fieldDefs(entity);
      const page = defs.slice(from, from + limit);
      const next = from + limit < defs.length ? encode(from + limit) : null;
      const reply = ok(jsonList(page.map((d) => JSON.stringify(fieldV2(d, include)))), { additional: { next_cursor: next } });
      reply.records = page.length;
      return reply;
    },
  };
}

export const routes: Route[] = [fieldsRoute('/personFields', 'person'), fieldsRoute('/dealFields', 'deal'), fieldsRoute('/organizationFields', 'organization')];
