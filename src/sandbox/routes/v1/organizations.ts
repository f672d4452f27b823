// /v1/organizations: list (user_id, filter_id, first_char, start, limit, sort), get, create, update, delete.
import { createOrganization, deleteOrganization, getLiveOrganization, readOrganization, updateOrganization } from '../../entities/organizations.js';
import { notFound } from '../../errors.js';
import type { Organization } from '../../model.js';
import { ok, okValue } from '../../reply.js';
import { intId, type Req, type Route } from '../../router.js';
import { organizationV1 } from '../../serialize/v1.js';
import { Query } from '../../validation.js';
import { customSortable, v1List } from './list.js';
import { noFilter } from './persons.js';
import { relatedObjects } from './related.js';

const json = (req: Req, o: Organization): Buffer => req.world.store.cachedJson(o, 'v1', () => organizationV1(req.world.store, o));
const related = (req: Req, page: Organization[]) => relatedObjects(req.world.store, { users: new Set(page.map((o) => o.owner_id)) });

const sortable = {
  id: (o: Organization) => o.id,
  name: (o: Organization) => o.name,
  add_time: (o: Organization) => o.add_time,
  update_time: (o: Organization) => o.update_time,
  owner_id: (o: Organization) => o.owner_id,
  label: (o: Organization) => o.label,
  address: (o: Organization) => o.address,
  visible_to: (o: Organization) => o.visible_to,
  ...customSortable<Organization>('organization'),
};

function list(req: Req) {
  const q = new Query(req.query, 'v1');
  const owner = q.int('user_id', { min: 0 });
  noFilter(q);
  const firstChar = q.str('first_char')?.toLowerCase();
  if (firstChar !== undefined && firstChar.length !== 1) throw q.fail('first_char', 'must be a single character');
  return v1List<Organization>(req, {
    key: `organizations|owner=${owner ?? ''}|char=${firstChar ?? ''}`,
    select: () =>
      req.world.store.organizations
        .all()
        .filter((o) => !o.deleted && (!owner || o.owner_id === owner) && (firstChar === undefined || o.name.charAt(0).toLowerCase() === firstChar)),
    sortable,
    json: (o) => json(req, o),
    related: (page) => related(req, page),
  });
}

export const routes: Route[] = [
  { method: 'GET', version: 'v1', path: '/organizations', cost: 'list', handler: list },
  {
    method: 'GET',
    version: 'v1',
    path: '/organizations/:id',
    cost: 'get',
    handler: (req) => {
      const o = req.world.store.organizations.get(intId(req));
      if (!o) throw notFound('Organization not found');
      return ok(json(req, o), { related: related(req, [o]) });
    },
  },
  {
    method: 'POST',
    version: 'v1',
    path: '/organizations',
    cost: 'create',
    handler: (req) => {
      const o = createOrganization(req.world, readOrganization(req.world, req.body, true, 'v1'));
      return ok(json(req, o), { status: 201, related: related(req, [o]) });
    },
  },
  {
    method: 'PUT',
    version: 'v1',
    path: '/organizations/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLiveOrganization(req.world, intId(req)).id;
      const o = updateOrganization(req.world, id, readOrganization(req.world, req.body, false, 'v1'));
      return ok(json(req, o), { related: related(req, [o]) });
    },
  },
  {
    method: 'DELETE',
    version: 'v1',
    path: '/organizations/:id',
    cost: 'delete',
    handler: (req) => okValue({ id: deleteOrganization(req.world, intId(req)).id }),
  },
];
