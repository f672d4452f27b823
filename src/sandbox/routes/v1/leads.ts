// /v1/leads (list, archived, get, create, PATCH, delete) and /v1/leadLabels.
import { createLead, deleteLead, getLead, readLead, updateLead } from '../../entities/leads.js';
import type { Lead } from '../../model.js';
import { ok, okValue, jsonList } from '../../reply.js';
import type { Req, Route } from '../../router.js';
import { leadLabelV1, leadV1 } from '../../serialize/v1.js';
import { Query } from '../../validation.js';
import { v1List } from './list.js';
import { noFilter } from './persons.js';

const json = (req: Req, l: Lead): Buffer => req.world.store.cachedJson(l, 'v1', () => leadV1(req.world.store, l));

const sortable = {
  id: (l: Lead) => l.id,
  title: (l: Lead) => l.title,
  owner_id: (l: Lead) => l.owner_id,
  creator_id: (l: Lead) => l.creator_id,
  was_seen: (l: Lead) => l.was_seen,
  expected_close_date: (l: Lead) => l.expected_close_date,
  next_activity_id: () => null,
  add_time: (l: Lead) => l.add_time,
  update_time: (l: Lead) => l.update_time,
};

const ARCHIVED = ['archived', 'not_archived', 'all'] as const;

/**
 * Without `archived_status`, /v1/leads lists leads that are not archived and /v1/leads/archived
 * the archived ones (the split the Singer tap relies on; unconfirmed whether current Pipedrive
 * defaults to "all"). A client that wants every lead should say archived_status=all.
 */
function list(req: Req, archivedOnly: boolean) {
  const q = new Query(req.query, 'v1');
  const archived = archivedOnly ? 'archived' : (q.oneOf('archived_status', ARCHIVED) ?? 'not_archived');
  const owner = q.int('owner_id', { min: 1 });
  const person = q.int('person_id', { min: 1 });
  const org = q.int('organization_id', { min: 1 });
  noFilter(q);
  const since = q.rfcTime('updated_since');
  return v1List<Lead>(req, {
    key: `leads|${archived}|${owner ?? ''}|${person ?? ''}|${org ?? ''}|${since ?? ''}`,
    select: () =>
      req.world.store.leads
        .all()
        .filter(
          (l) =>
            (archived === 'all' || l.is_archived === (archived === 'archived')) &&
            (owner === undefined || l.owner_id === owner) &&
            (person === undefined || l.person_id === person) &&
            (org === undefined || l.organization_id === org) &&
            (since === undefined || l.update_time >= since),
        )
        // Insertion order is creation order; keep it stable by add_time then id for seeded data.
        .sort((a, b) => a.add_time - b.add_time || (a.id < b.id ? -1 : 1)),
    sortable,
    json: (l) => json(req, l),
    emptyAsNull: false,
    flat: req.settings.leadsPagination === 'flat',
  });
}

export const routes: Route[] = [
  { method: 'GET', version: 'v1', path: '/leads', cost: 'list', handler: (req) => list(req, false) },
  { method: 'GET', version: 'v1', path: '/leads/archived', cost: 'list', tokens: 40, handler: (req) => list(req, true) },
  { method: 'GET', version: 'v1', path: '/leads/:id', cost: 'get', handler: (req) => ok(json(req, getLead(req.world, req.params.id))) },
  {
    method: 'POST',
    version: 'v1',
    path: '/leads',
    cost: 'create',
    handler: (req) => ok(json(req, createLead(req.world, readLead(req.world, req.body, true))), { status: 201 }),
  },
  {
    method: 'PATCH',
    version: 'v1',
    path: '/leads/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLead(req.world, req.params.id).id;
      return ok(json(req, updateLead(req.world, id, readLead(req.world, req.body, false))));
    },
  },
  { method: 'DELETE', version: 'v1', path: '/leads/:id', cost: 'delete', handler: (req) => okValue({ id: deleteLead(req.world, req.params.id).id }) },
  {
    method: 'GET',
    version: 'v1',
    path: '/leadLabels',
    cost: 'list',
    tokens: 10,
    handler: (req) => ok(jsonList(req.world.store.leadLabels.all().map((l) => JSON.stringify(leadLabelV1(l))))),
  },
];
