// The registry: the seed's four actions as the seed document lists them, the Pipedrive action set
// per API version, v1 and v2 record shapes, input rules, name resolution with "did you mean".
import { describe, expect, it } from 'vitest';
import { hasField, loadRegistry, type JsonSchemaObject, type ResolvedAction } from '../../src/apps/index.js';
import { consumerAjv, STDLIB } from './helpers.js';

const reg = loadRegistry({ stdlibDir: STDLIB });
const act = (name: string, role: 'read' | 'write', version?: string): ResolvedAction => {
  const a = reg.action(name, role, version);
  if (!a) throw new Error(`no ${role} action ${name}`);
  return a;
};
const props = (a: ResolvedAction): Record<string, JsonSchemaObject> =>
  ((a.role === 'read' ? a.record : a.input) as JsonSchemaObject).properties as Record<string, JsonSchemaObject>;

describe('the seed document\'s actions', () => {
  it.each([
    ['pipedrive.persons', 'read', 'GET', '/persons', 'Returns all persons.'],
    ['pipedrive.users.find', 'read', 'GET', '/users/find', 'Finds users by their name.'],
    ['pipedrive.leads', 'write', 'POST', '/leads', 'Creates a lead.'],
    ['pipedrive.leads.update', 'write', 'PATCH', '/leads/{id}', 'Updates one or more properties of a lead.'],
  ] as const)('%s (%s) is %s %s: "%s"', (name, role, method, path, help) => {
    const a = act(name, role, 'v1');
    expect([a.method, a.path, a.help, a.version]).toEqual([method, path, help, 'v1']);
  });

  it('defaults to auto: v2 where an action has it, v1 where it has only v1', () => {
    expect(reg.app('pipedrive')?.defaultVersion).toBe('auto');
    expect(act('pipedrive.persons', 'read').version).toBe('v2');
    expect(act('pipedrive.persons.update', 'write', 'auto').version).toBe('v2');
    expect(act('pipedrive.leads', 'write').version).toBe('v1');
    expect(act('pipedrive.recents', 'read', 'auto').version).toBe('v1');
  });

  it('still forces v1 where it exists, and marks the v1 endpoints out of support', () => {
    expect(act('pipedrive.persons', 'read', 'v1').version).toBe('v1');
    expect(act('pipedrive.persons', 'read', 'v1').unsupportedSince).toBe('2026-08-01');
    expect(act('pipedrive.persons', 'read', 'v2').unsupportedSince).toBeNull();
    expect(act('pipedrive.leads', 'read', 'v1').unsupportedSince).toBeNull();
  });
});

describe('pipedrive actions per version', () => {
  const both = ['persons', 'persons.get', 'persons.create', 'persons.update', 'deals', 'organizations', 'activities', 'pipelines', 'stages'];
  const v1only = ['users', 'users.find', 'users.me', 'leads', 'leads.get', 'leads.update', 'notes', 'recents'];

  it('has every action of the issue', () => {
    const names = new Set(reg.actionsOf('pipedrive').map((a) => a.name));
    for (const n of [...both, ...v1only]) expect(names, n).toContain(n);
    expect(reg.actionsOf('pipedrive').filter((a) => a.name === 'leads').map((a) => a.role).sort()).toEqual(['read', 'write']);
  });

  it.each(both)('%s exists in v1 and v2', (name) => {
    const a = reg.actionsOf('pipedrive').find((x) => x.name === name)!;
    expect(a.variants.map((v) => v.version)).toEqual(['v1', 'v2']);
  });

  it.each(v1only)('%s is v1 only, and a v2 connection still uses v1', (name) => {
    const a = reg.actionsOf('pipedrive').find((x) => x.name === name)!;
    expect(a.variants.map((v) => v.version)).toEqual(['v1']);
    const r = reg.action(`pipedrive.${name}`, a.role, 'v2')!;
    expect([r.version, r.requestedVersion]).toEqual(['v1', 'v2']);
  });

  it('uses PUT for v1 person updates and PATCH for v2', () => {
    expect(act('pipedrive.persons.update', 'write', 'v1').method).toBe('PUT');
    expect(act('pipedrive.persons.update', 'write', 'v2').method).toBe('PATCH');
    expect(act('pipedrive.persons.update', 'write', 'v2').idempotent).toBe(true);
    expect(act('pipedrive.leads', 'write').idempotent).toBe(false);
  });
});

describe('v1 and v2 persons differ as PIPEDRIVE.md says', () => {
  const v1 = act('pipedrive.persons', 'read', 'v1');
  const v2 = act('pipedrive.persons', 'read', 'v2');

  it('names email and phone lists differently', () => {
    expect(Object.keys(props(v1))).toEqual(expect.arrayContaining(['email', 'phone']));
    expect(Object.keys(props(v1))).not.toContain('emails');
    expect(Object.keys(props(v2))).toEqual(expect.arrayContaining(['emails', 'phones']));
    expect(Object.keys(props(v2))).not.toContain('email');
    expect(props(v1).email.items).toEqual(props(v2).emails.items);
  });

  it('types owner_id and org_id as objects in v1, integers in v2', () => {
    expect(props(v1).owner_id.type).toBe('object');
    expect(props(v1).org_id.type).toEqual(['object', 'null']);
    expect(hasField(v1.record!, 'org_id.value')).toBe(true);
    expect(props(v2).owner_id.type).toBe('integer');
    expect(props(v2).org_id.type).toEqual(['integer', 'null']);
    expect(hasField(v2.record!, 'org_id.value')).toBe(false);
  });

  it('writes v1 times as YYYY-MM-DD HH:MM:SS and v2 times as RFC 3339', () => {
    expect(props(v1).update_time.pattern).toBe('^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$');
    expect(props(v2).update_time.format).toBe('date-time');
  });

  it('pages with offsets in v1 and cursors in v2, at most 500 a page', () => {
    expect(v1.pagination).toMatchObject({ type: 'offset', startParam: 'start', limitParam: 'limit', pageSizeMax: 500 });
    expect(v2.pagination).toMatchObject({ type: 'cursor', cursorParam: 'cursor', pageSizeMax: 500, nextCursor: ['/additional_data/next_cursor'] });
  });

  it('implements since by sorting in v1 and by updated_since in v2', () => {
    expect(v1.since).toEqual({ kind: 'sort', params: { sort: 'update_time DESC' }, field: 'update_time', fieldFormat: 'YYYY-MM-DD HH:mm:ss' });
    expect(v2.since).toEqual({ kind: 'param', param: 'updated_since', params: { sort_by: 'update_time', sort_direction: 'asc' }, format: 'rfc3339', field: 'update_time', fieldFormat: 'rfc3339' });
  });

  it('has a v2 parameter set of its own', () => {
    expect(Object.keys(v1.params)).toEqual(expect.arrayContaining(['limit', 'user_id', 'first_char', 'filter_id', 'sort']));
    expect(Object.keys(v2.params)).toEqual(expect.arrayContaining(['limit', 'owner_id', 'updated_since', 'sort_by', 'sort_direction']));
    expect(v2.params).not.toHaveProperty('first_char');
  });
});

describe('parameters', () => {
  it('marks limit as the total to fetch, without a page-size maximum', () => {
    const limit = act('pipedrive.persons', 'read').params.limit;
    expect(limit).toMatchObject({ kind: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } });
    expect(limit.schema.maximum).toBeUndefined();
  });

  it('requires users.find\'s term', () => {
    expect(act('pipedrive.users.find', 'read').params.term).toMatchObject({ required: true, schema: { type: 'string' } });
    expect(act('pipedrive.users.find', 'read').extract.shape).toBe('either');
  });

  it('takes recents\' since_timestamp from since, and checks items', () => {
    const r = act('pipedrive.recents', 'read');
    expect(r.params.since_timestamp.required).toBe(true);
    expect(r.since).toMatchObject({ kind: 'param', param: 'since_timestamp', format: 'YYYY-MM-DD HH:mm:ss' });
    expect(r.help).toContain('one month');
    expect(r.details).toContain('first full sync');
    const items = new RegExp(r.params.items.schema.pattern!);
    expect(items.test('deal,person')).toBe(true);
    expect(items.test('deals')).toBe(false);
  });

  it('declares path parameters of gets and updates', () => {
    expect(act('pipedrive.persons.get', 'read').pathParams.id).toMatchObject({ in: 'path', required: true, schema: { type: 'integer' } });
    expect(act('pipedrive.leads.update', 'write').pathParams.id.schema).toMatchObject({ type: 'string', format: 'uuid' });
  });

  it('sends user_id = 0 to v1 activities, so that every user\'s activities come', () => {
    expect(act('pipedrive.activities', 'read', 'v1').params.user_id).toMatchObject({ sendDefault: true, default: 0 });
  });
});

describe('lead input', () => {
  const ajv = consumerAjv();
  const create = ajv.compile(act('pipedrive.leads', 'write').input);
  const update = ajv.compile(act('pipedrive.leads.update', 'write').input);

  it.each([
    [{ title: 'Lead: Ada', person_id: 1 }, true],
    [{ title: 'Lead: Acme', organization_id: 2 }, true],
    [{ title: 'Lead: nobody' }, false],
    [{ person_id: 1 }, false],
    [{ title: 'x', person_id: 1, value: { amount: 10 } }, false],
    [{ title: 'x', person_id: 1, value: { amount: 10, currency: 'EUR' } }, true],
    [{ title: 'x', person_id: 1, visible_to: 3 }, false],
    [{ title: 'x', person_id: null }, false],
    [{ title: 'x', person_id: 1, 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678': 'custom' }, true],
    [{ title: 'x', person_id: 1, nonsense: 1 }, false],
  ])('create %j is %s', (input, ok) => {
    expect(create(input)).toBe(ok);
  });

  it('update needs the id and accepts nulls where the API does', () => {
    expect(update({ title: 'x' })).toBe(false);
    expect(update({ id: '5d1f0c6e-7e6c-4f3a-9a4e-3f1e2d3c4b5a', person_id: null, value: null, expected_close_date: null })).toBe(true);
  });
});

describe('file, sqlite and stdout', () => {
  it('makes `dest stdout` the stdout app\'s default action', () => {
    const r = reg.resolve(['stdout'], 'write');
    expect(r.ok && [r.name, r.action.qualifiedName]).toEqual(['', 'stdout']);
    expect(act('stdout', 'write').options.format.schema.enum).toEqual(['jsonl', 'pretty']);
  });

  it('reads files untyped unless the source declares `as`', () => {
    const csv = act('file.csv', 'read');
    expect(csv.as).toBe('optional');
    expect(csv.record).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect(csv.options.path).toMatchObject({ required: true, scope: 'action' });
    expect(Object.keys(csv.options)).toEqual(['path', 'delimiter', 'header']);
    expect(act('file.jsonl', 'read').record).toMatchObject({ type: 'object' });
    expect(act('pipedrive.persons', 'read').as).toBeNull();
  });

  it('upserts sqlite rows by key', () => {
    const w = act('sqlite.table', 'write');
    expect(Object.keys(w.options)).toEqual(['db', 'table', 'key']);
    expect(w.options.db.scope).toBe('app');
    expect(act('sqlite.table', 'read').options).not.toHaveProperty('key');
  });

  it('gives every pipedrive action the connection option', () => {
    for (const a of reg.actionsOf('pipedrive')) expect(a.options.connection?.scope).toBe('app');
  });
});

describe('resolve', () => {
  it('splits app and dotted action', () => {
    const r = reg.resolve(['pipedrive', 'users', 'find'], 'read');
    expect(r.ok && [r.app.name, r.name]).toEqual(['pipedrive', 'users.find']);
  });

  it.each([
    [['pipdrive', 'persons'], 'read', 'unknown-app', 'pipedrive.persons'],
    [['persons'], 'read', 'unknown-app', 'pipedrive.persons'],
    [['pipedrive', 'persns'], 'read', 'unknown-action', 'pipedrive.persons'],
    [['pipedrive', 'users', 'fnd'], 'read', 'unknown-action', 'pipedrive.users.find'],
    [['pipedrive', 'recents'], 'write', 'wrong-role', undefined],
    [['file', 'jsnl'], 'write', 'unknown-action', 'file.jsonl'],
    [['stdout'], 'read', 'wrong-role', undefined],
  ] as const)('%j as %s: %s, suggesting %s', (parts, role, reason, suggestion) => {
    const r = reg.resolve(parts, role);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect('suggestion' in r ? r.suggestion : undefined).toBe(suggestion);
  });

  it('as a dest, a read name means its `.create` (one name reads and writes)', () => {
    for (const entity of ['persons', 'deals', 'organizations']) {
      const r = reg.resolve(['pipedrive', entity], 'write');
      expect(r.ok && [r.name, r.action.role]).toEqual([`${entity}.create`, 'write']);
    }
    expect(reg.action('pipedrive.persons', 'write', 'v2')?.qualifiedName).toBe('pipedrive.persons.create');
  });

  it('lists qualified names for completion', () => {
    expect(reg.qualifiedNames('write')).toEqual(expect.arrayContaining(['pipedrive.leads', 'pipedrive.leads.update', 'file.csv', 'sqlite.table', 'stdout']));
    expect(reg.qualifiedNames('write')).not.toContain('pipedrive.users.find');
  });

  it('is cached per folder', () => {
    expect(loadRegistry({ stdlibDir: STDLIB })).toBe(reg);
    expect(loadRegistry({ stdlibDir: STDLIB, fresh: true })).not.toBe(reg);
  });
});

describe('functions', () => {
  it('types primary, coalesce and first', () => {
    expect(reg.function('primary')).toMatchObject({ minArgs: 1, maxArgs: 1, nullability: 'propagate', returns: { type: ['string', 'null'] } });
    expect(reg.function('coalesce')).toMatchObject({ variadic: true, minArgs: 1, maxArgs: null, nullability: 'coalesce', returns: { var: 'T' } });
    expect(reg.function('first')?.params[0].type).toEqual({ type: 'array', items: { var: 'T' } });
    expect(reg.function('now')).toMatchObject({ pure: false, maxArgs: 0 });
    expect(reg.function('nope')).toBeUndefined();
  });
});
