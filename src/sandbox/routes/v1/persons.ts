// /v1/persons: list (user_id, filter_id, first_char, start, limit, sort), get, create, update, delete.
import { createPerson, deletePerson, getLivePerson, readPersonV1, updatePerson } from '../../entities/persons.js';
import { notFound } from '../../errors.js';
import type { Person } from '../../model.js';
import { ok, okValue } from '../../reply.js';
import { intId, type Req, type Route } from '../../router.js';
import { personV1 } from '../../serialize/v1.js';
import { Query } from '../../validation.js';
import { customSortable, v1List } from './list.js';
import { relatedObjects } from './related.js';

const json = (req: Req, p: Person): Buffer => req.world.store.cachedJson(p, 'v1', () => personV1(req.world.store, p));

const related = (req: Req, page: Person[]) =>
  relatedObjects(req.world.store, { users: new Set(page.map((p) => p.owner_id)), orgs: new Set(page.map((p) => p.org_id)) });

export const personSortable = {
  id: (p: Person) => p.id,
  name: (p: Person) => p.name,
  first_name: (p: Person) => p.first_name,
  last_name: (p: Person) => p.last_name,
  first_char: (p: Person) => p.name.charAt(0).toLowerCase(),
  add_time: (p: Person) => p.add_time,
  update_time: (p: Person) => p.update_time,
  owner_id: (p: Person) => p.owner_id,
  org_id: (p: Person) => p.org_id,
  label: (p: Person) => p.label,
  visible_to: (p: Person) => p.visible_to,
  job_title: (p: Person) => p.job_title,
  ...customSortable<Person>('person'),
};

/** The sandbox has no saved filters; naming one is the same error as naming a deleted one. */
export function noFilter(q: Query): void {
  const filter = q.int('filter_id', { min: 1 });
  if (filter !== undefined) throw q.fail('filter_id', `filter ${filter} does not exist`);
}

function list(req: Req) {
  const q = new Query(req.query, 'v1');
  const owner = q.int('user_id', { min: 0 });
  noFilter(q);
  const firstChar = q.str('first_char')?.toLowerCase();
  if (firstChar !== undefined && firstChar.length !== 1) throw q.fail('first_char', 'must be a single character');
  return v1List<Person>(req, {
    key: `persons|owner=${owner ?? ''}|char=${firstChar ?? ''}`,
    select: () =>
      req.world.store.persons
        .all()
        .filter((p) => !p.deleted && (!owner || p.owner_id === owner) && (firstChar === undefined || p.name.charAt(0).toLowerCase() === firstChar)),
    sortable: personSortable,
    json: (p) => json(req, p),
    related: (page) => related(req, page),
  });
}

function get(req: Req) {
  const p = req.world.store.persons.get(intId(req));
  if (!p) throw notFound('Person not found');
  return ok(json(req, p), { related: related(req, [p]) });
}

export const routes: Route[] = [
  { method: 'GET', version: 'v1', path: '/persons', cost: 'list', handler: list },
  { method: 'GET', version: 'v1', path: '/persons/:id', cost: 'get', handler: get },
  {
    method: 'POST',
    version: 'v1',
    path: '/persons',
    cost: 'create',
    handler: (req) => {
      const p = createPerson(req.world, readPersonV1(req.world, req.body, true));
      return ok(json(req, p), { status: 201, related: related(req, [p]) });
    },
  },
  {
    method: 'PUT',
    version: 'v1',
    path: '/persons/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLivePerson(req.world, intId(req)).id;
      const p = updatePerson(req.world, id, readPersonV1(req.world, req.body, false));
      return ok(json(req, p), { related: related(req, [p]) });
    },
  },
  {
    method: 'DELETE',
    version: 'v1',
    path: '/persons/:id',
    cost: 'delete',
    handler: (req) => okValue({ id: deletePerson(req.world, intId(req)).id }),
  },
];
