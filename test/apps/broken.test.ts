// A broken copy of the standard library is reported with the file and the JSON pointer of the
// mistake, with a stable code per kind of mistake, and nothing is loaded half.
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ERROR, loadStdlib } from '../../src/apps/index.js';
import { editJson, loadError, stdlibCopy, removeCopies } from './helpers.js';

afterAll(removeCopies);

const PERSONS = 'pipedrive/actions/persons.json';

interface Case {
  what: string;
  file: string;
  edit: (doc: any) => void;
  code: string;
  /** The whole message: `stdlib/FILE: POINTER DETAIL`. */
  message: string;
}

const cases: Case[] = [
  {
    what: 'a variant without a price in the daily budget',
    file: PERSONS,
    edit: (d) => delete d.actions[0].variants.v2.tokens,
    code: APP_ERROR.semantic,
    message: `stdlib/${PERSONS}: /actions/0/variants/v2 needs "tokens" (what one request costs in the daily budget) (v2)`,
  },
  {
    what: 'a wrong type in a parameter',
    file: PERSONS,
    edit: (d) => (d.actions[0].params.limit.maximum = 'five hundred'),
    code: APP_ERROR.schema,
    message: `stdlib/${PERSONS}: /actions/0/params/limit/maximum must be number`,
  },
  {
    what: 'a misspelt property, with a suggestion',
    file: PERSONS,
    edit: (d) => {
      d.actions[0].variants.v1.parms = d.actions[0].variants.v1.params;
      delete d.actions[0].variants.v1.params;
    },
    code: APP_ERROR.schema,
    message: `stdlib/${PERSONS}: /actions/0/variants/v1/parms is not a known property; did you mean "params"?`,
  },
  {
    what: 'a missing help text',
    file: 'pipedrive/actions/users.json',
    edit: (d) => delete d.actions[1].help,
    code: APP_ERROR.schema,
    message: 'stdlib/pipedrive/actions/users.json: /actions/1 must have the property "help"',
  },
  {
    what: 'an unknown HTTP method',
    file: 'pipedrive/actions/leads.json',
    edit: (d) => (d.actions[3].method = 'PATCHH'),
    code: APP_ERROR.schema,
    message: 'stdlib/pipedrive/actions/leads.json: /actions/3/method must be one of "GET", "POST", "PUT", "PATCH", "DELETE"',
  },
  {
    what: 'an unknown kind of since',
    file: PERSONS,
    edit: (d) => (d.actions[0].variants.v2.since.kind = 'magic'),
    code: APP_ERROR.schema,
    message: `stdlib/${PERSONS}: /actions/0/variants/v2/since/kind "magic" is not one of the kinds allowed here`,
  },
  {
    what: 'a misspelt JSON Schema keyword in a record schema file',
    file: 'pipedrive/schemas/person.v2.json',
    edit: (d) => {
      d.properties.name.tpye = 'string';
    },
    code: APP_ERROR.schema,
    message: 'stdlib/pipedrive/schemas/person.v2.json: /properties/name/tpye is not a known property; did you mean "type"?',
  },
  {
    what: 'a bad type name deep in a schema',
    file: 'pipedrive/schemas/common.json',
    edit: (d) => (d.$defs.contactList.items.properties.primary.type = 'bool'),
    code: APP_ERROR.schema,
    message: 'stdlib/pipedrive/schemas/common.json: /$defs/contactList/items/properties/primary/type must be one of "string", "integer", "number", "boolean", "object", "array", "null"',
  },
  {
    what: 'a $ref to a missing file',
    file: PERSONS,
    edit: (d) => (d.actions[0].variants.v1.record.$ref = '../schemas/persn.v1.json'),
    code: APP_ERROR.ref,
    message: `stdlib/${PERSONS}: /actions/0/variants/v1/record/$ref cannot be resolved: no file stdlib/pipedrive/schemas/persn.v1.json`,
  },
  {
    what: 'a $ref to a missing definition',
    file: 'pipedrive/schemas/person.v1.json',
    edit: (d) => (d.properties.email.$ref = 'common.json#/$defs/contactLst'),
    code: APP_ERROR.ref,
    message: 'stdlib/pipedrive/schemas/person.v1.json: /properties/email/$ref cannot be resolved: stdlib/pipedrive/schemas/common.json has nothing at /$defs/contactLst',
  },
  {
    what: 'a $ref outside the stdlib',
    file: PERSONS,
    edit: (d) => (d.actions[0].variants.v1.record.$ref = '../../../../etc/passwd'),
    code: APP_ERROR.ref,
    message: `stdlib/${PERSONS}: /actions/0/variants/v1/record/$ref points outside the stdlib folder: "../../../../etc/passwd"`,
  },
  {
    what: 'a path parameter that is not declared',
    file: PERSONS,
    edit: (d) => (d.actions[1].path = '/persons/{person_id}'),
    code: APP_ERROR.semantic,
    message: `stdlib/${PERSONS}: /actions/1/path uses the path parameter {person_id}, which pathParams does not declare`,
  },
  {
    what: 'a since parameter the action does not have',
    file: 'pipedrive/actions/recents.json',
    edit: (d) => (d.actions[0].variants.v1.since.param = 'since'),
    code: APP_ERROR.semantic,
    message: 'stdlib/pipedrive/actions/recents.json: /actions/0/variants/v1/since/param names "since", which is not a parameter of this action',
  },
  {
    what: 'a cursor field the record does not have',
    file: 'pipedrive/actions/deals.json',
    edit: (d) => (d.actions[0].cursorField = 'updated_at'),
    code: APP_ERROR.semantic,
    message: 'stdlib/pipedrive/actions/deals.json: /actions/0/cursorField names "updated_at", which the record schema does not have',
  },
  {
    what: 'an unknown pagination style',
    file: 'pipedrive/actions/stages.json',
    edit: (d) => (d.actions[0].variants.v2.pagination = 'cursr'),
    code: APP_ERROR.semantic,
    message: 'stdlib/pipedrive/actions/stages.json: /actions/0/variants/v2/pagination "cursr" is not a pagination style of pipedrive (none, offset, cursor)',
  },
  {
    what: 'a variant for a version the app does not have',
    file: 'pipedrive/actions/notes.json',
    edit: (d) => (d.actions[0].variants.v3 = d.actions[0].variants.v1),
    code: APP_ERROR.semantic,
    message: 'stdlib/pipedrive/actions/notes.json: /actions/0/variants/v3 is not one of pipedrive\'s versions (v1, v2)',
  },
  {
    what: 'an action defined twice',
    file: 'pipedrive/actions/deals.json',
    edit: (d) => (d.actions[0].name = 'persons'),
    code: APP_ERROR.semantic,
    message: 'stdlib/pipedrive/actions/persons.json: /actions/0/name defines the read action "persons" a second time (first in stdlib/pipedrive/actions/deals.json at /actions/0)',
  },
  {
    what: 'a write whose input does not require its path parameter',
    file: 'pipedrive/schemas/lead-input.v1.json',
    edit: (d) => (d.$defs.update.required = []),
    code: APP_ERROR.semantic,
    message: 'stdlib/pipedrive/actions/leads.json: /actions/3/variants/v1/input must require "id": the path parameter {id} comes from the record',
  },
  {
    what: 'an app whose name is not its folder',
    file: 'sqlite/app.json',
    edit: (d) => (d.name = 'sqlite3'),
    code: APP_ERROR.semantic,
    message: 'stdlib/sqlite/app.json: /name is "sqlite3" but the folder is "sqlite": they must match',
  },
  {
    what: 'a function signature with an unbound type variable',
    file: 'functions.json',
    edit: (d) => (d.functions.find((f: any) => f.name === 'lower').returns = { var: 'T' }),
    code: APP_ERROR.semantic,
    message: 'stdlib/functions.json: /functions/0/returns uses the type variable T, which no parameter binds',
  },
  {
    what: 'a broken function signature',
    file: 'functions.json',
    edit: (d) => (d.functions[3].nullability = 'sometimes'),
    code: APP_ERROR.schema,
    message: 'stdlib/functions.json: /functions/3/nullability must be one of "propagate", "coalesce", "none"',
  },
];

describe('a broken stdlib copy', () => {
  it.each(cases)('reports $what with file and JSON pointer', ({ file, edit, code, message }) => {
    const dir = stdlibCopy();
    editJson(dir, file, edit);
    const err = loadError(dir);
    expect(err.message).toBe(message);
    expect(err.code).toBe(code);
    expect(err.exitCode).toBe(1);
    expect(err.hint).toContain('stdlib/README.md');
  });

  it('reports invalid JSON with line and column', () => {
    const dir = stdlibCopy();
    const path = join(dir, 'stdout/app.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"kind": "stdout",', '"kind": "stdout",,'));
    const err = loadError(dir);
    expect(err.code).toBe(APP_ERROR.syntax);
    expect(err.displayPath).toBe('stdlib/stdout/app.json');
    expect(err.pointer).toBe('');
    expect(err.message).toMatch(/^stdlib\/stdout\/app\.json: is not valid JSON: .+ \(line 6, column 20\)$/);
  });

  it('reports a folder without app.json', () => {
    const dir = stdlibCopy();
    mkdirSync(join(dir, 'hubspot'));
    const err = loadError(dir);
    expect([err.code, err.displayPath]).toEqual([APP_ERROR.missing, 'stdlib/hubspot/app.json']);
  });

  it('reports a missing functions.json', () => {
    const dir = stdlibCopy();
    rmSync(join(dir, 'functions.json'));
    expect(loadError(dir).message).toBe('stdlib/functions.json: is missing');
  });

  it('exposes the absolute file and the pointer for tools', () => {
    const dir = stdlibCopy();
    editJson(dir, PERSONS, (d) => (d.actions[0].help = ''));
    const err = loadError(dir);
    expect([err.file, err.pointer, err.detail]).toEqual([join(dir, PERSONS), '/actions/0/help', 'must NOT have fewer than 1 characters']);
  });
});

describe('extending the stdlib with JSON only', () => {
  it('loads a new REST app and a new action without TypeScript', () => {
    const dir = stdlibCopy();
    mkdirSync(join(dir, 'jsonplaceholder', 'actions'), { recursive: true });
    writeFileSync(
      join(dir, 'jsonplaceholder', 'app.json'),
      JSON.stringify({
        name: 'jsonplaceholder',
        help: 'A fake REST API.',
        kind: 'http',
        http: { baseUrl: 'https://jsonplaceholder.typicode.com', auth: [{ in: 'header', name: 'x-none', value: '' }], envelope: { data: '' } },
        actions: [
          {
            name: 'todos',
            role: 'read',
            help: 'Returns all todos.',
            method: 'GET',
            path: '/todos',
            key: 'id',
            params: { userId: { type: 'integer', minimum: 1, help: 'Only the todos of this user.' } },
            record: { type: 'object', properties: { id: { type: 'integer' }, title: { type: 'string' }, completed: { type: 'boolean' } }, required: ['id'] },
          },
        ],
      }),
    );
    editJson(dir, 'pipedrive/actions/deals.json', (d) =>
      d.actions.push({
        name: 'deals.details',
        role: 'read',
        help: 'Returns the details of a deal.',
        method: 'GET',
        path: '/deals/{id}',
        pathParams: { id: { type: 'integer', minimum: 1, help: 'The ID of the deal.' } },
        extract: { pointer: '/data', shape: 'object' },
        key: 'id',
        variants: { v1: { tokens: 2, record: { $ref: '../schemas/deal.v1.json' } }, v2: { tokens: 1, record: { $ref: '../schemas/deal.v2.json' } } },
      }),
    );
    const loaded = loadStdlib(dir);
    const app = loaded.apps.find((a) => a.name === 'jsonplaceholder')!;
    expect(app.actions[0]).toMatchObject({ qualifiedName: 'jsonplaceholder.todos', variants: [{ version: null, method: 'GET', path: '/todos', extract: { pointer: '', shape: 'list' } }] });
    const get = loaded.apps.find((a) => a.name === 'pipedrive')!.actions.find((a) => a.name === 'deals.details')!;
    expect(get.variants.map((v) => v.version)).toEqual(['v1', 'v2']);
  });

  it('still validates, more slowly, when the meta-schema changed after the validators were generated', () => {
    const dir = stdlibCopy();
    appendFileSync(join(dir, 'app.schema.json'), '\n');
    expect(loadStdlib(dir).validation).toBe('compiled');
    editJson(dir, PERSONS, (d) => (d.actions[0].params.limit.maximum = 'five hundred'));
    // editJson rewrites only persons.json; the meta-schema stays changed.
    expect(loadError(dir).message).toBe(`stdlib/${PERSONS}: /actions/0/params/limit/maximum must be number`);
  });
});
