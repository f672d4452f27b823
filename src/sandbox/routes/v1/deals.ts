// /v1/deals: list (user_id, filter_id, stage_id, status, start, limit, sort), get, create, update, delete.
import { createDeal, deleteDeal, getLiveDeal, readDeal, updateDeal } from '../../entities/deals.js';
import { notFound } from '../../errors.js';
import type { Deal } from '../../model.js';
import { ok, okValue } from '../../reply.js';
import { intId, type Req, type Route } from '../../router.js';
import { dealV1 } from '../../serialize/v1.js';
import { Query } from '../../validation.js';
import { customSortable, v1List } from './list.js';
import { noFilter } from './persons.js';
import { relatedObjects } from './related.js';

const json = (req: Req, d: Deal): Buffer => req.world.store.cachedJson(d, 'v1', () => dealV1(req.world.store, d));
const related = (req: Req, page: Deal[]) =>
  relatedObjects(req.world.store, {
    users: new Set(page.flatMap((d) => [d.owner_id, d.creator_user_id])),
    orgs: new Set(page.map((d) => d.org_id)),
    persons: new Set(page.map((d) => d.person_id)),
  });

const sortable = {
  id: (d: Deal) => d.id,
  title: (d: Deal) => d.title,
  value: (d: Deal) => d.value,
  currency: (d: Deal) => d.currency,
  add_time: (d: Deal) => d.add_time,
  update_time: (d: Deal) => d.update_time,
  stage_id: (d: Deal) => d.stage_id,
  pipeline_id: (d: Deal) => d.pipeline_id,
  status: (d: Deal) => d.status,
  user_id: (d: Deal) => d.owner_id,
  person_id: (d: Deal) => d.person_id,
  org_id: (d: Deal) => d.org_id,
  expected_close_date: (d: Deal) => d.expected_close_date,
  won_time: (d: Deal) => d.won_time,
  lost_time: (d: Deal) => d.lost_time,
  close_time: (d: Deal) => d.close_time,
  ...customSortable<Deal>('deal'),
};

const STATUS = ['open', 'won', 'lost', 'deleted', 'all_not_deleted'] as const;

function list(req: Req) {
  const q = new Query(req.query, 'v1');
  const owner = q.int('user_id', { min: 0 });
  noFilter(q);
  const stage = q.int('stage_id', { min: 1 });
  const status = q.oneOf('status', STATUS) ?? 'all_not_deleted';
  return v1List<Deal>(req, {
    key: `deals|owner=${owner ?? ''}|stage=${stage ?? ''}|status=${status}`,
    select: () =>
      req.world.store.deals.all().filter((d) => {
        if (status === 'deleted' ? !d.deleted : d.deleted) return false;
        if (status !== 'deleted' && status !== 'all_not_deleted' && d.status !== status) return false;
        return (!owner || d.owner_id === owner) && (stage === undefined || d.stage_id === stage);
      }),
    sortable,
    json: (d) => json(req, d),
    related: (page) => related(req, page),
  });
}

export const routes: Route[] = [
  { method: 'GET', version: 'v1', path: '/deals', cost: 'list', handler: list },
  {
    method: 'GET',
    version: 'v1',
    path: '/deals/:id',
    cost: 'get',
    handler: (req) => {
      const d = req.world.store.deals.get(intId(req));
      if (!d) throw notFound('Deal not found');
      return ok(json(req, d), { related: related(req, [d]) });
    },
  },
  {
    method: 'POST',
    version: 'v1',
    path: '/deals',
    cost: 'create',
    handler: (req) => {
      const d = createDeal(req.world, readDeal(req.world, req.body, true, 'v1'));
      return ok(json(req, d), { status: 201, related: related(req, [d]) });
    },
  },
  {
    method: 'PUT',
    version: 'v1',
    path: '/deals/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLiveDeal(req.world, intId(req)).id;
      const d = updateDeal(req.world, id, readDeal(req.world, req.body, false, 'v1'));
      return ok(json(req, d), { related: related(req, [d]) });
    },
  },
  {
    method: 'DELETE',
    version: 'v1',
    path: '/deals/:id',
    cost: 'delete',
    handler: (req) => okValue({ id: deleteDeal(req.world, intId(req)).id }),
  },
];
