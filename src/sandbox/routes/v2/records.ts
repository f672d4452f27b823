// /api/v2/persons, /deals, /organizations, /activities: list, get, create, PATCH, delete.
import { createActivity, deleteActivity, getLiveActivity, readActivity, updateActivity } from '../../entities/activities.js';
import { createDeal, deleteDeal, getLiveDeal, readDeal, updateDeal } from '../../entities/deals.js';
import { createOrganization, deleteOrganization, getLiveOrganization, readOrganization, updateOrganization } from '../../entities/organizations.js';
import { createPerson, deletePerson, getLivePerson, readPersonV2, updatePerson } from '../../entities/persons.js';
import { notFound } from '../../errors.js';
import type { Activity, Deal, Organization, Person } from '../../model.js';
import { ok, okValue, type Json } from '../../reply.js';
import { intId, type Req, type Route } from '../../router.js';
import { activityV2, dealV2, organizationV2, personV2 } from '../../serialize/v2.js';
import type { Collection } from '../../store.js';
import { Query } from '../../validation.js';
import { readCustomKeys, readIds, v2Json, v2List } from './list.js';

const noFilter = (q: Query): void => {
  const filter = q.int('filter_id', { min: 1 });
  if (filter !== undefined) throw q.fail('filter_id', `filter ${filter} does not exist`);
};

// ---- persons -------------------------------------------------------------------------------------

const personJson = (req: Req, p: Person, keys?: string[]) => v2Json(req, p, () => personV2(p), keys);

function listPersons(req: Req) {
  const q = new Query(req.query, 'strict');
  noFilter(q);
  const ids = readIds(q);
  const owner = q.int('owner_id', { min: 1 });
  const org = q.int('org_id', { min: 1 });
  const deal = q.int('deal_id', { min: 1 });
  const keys = readCustomKeys(q);
  const { store } = req.world;
  const dealPerson = deal === undefined ? undefined : (store.deals.get(deal)?.person_id ?? -1);
  return v2List<Person>(req, q, {
    key: `persons|${[...(ids ?? [])].join(',')}|${owner ?? ''}|${org ?? ''}|${dealPerson ?? ''}`,
    select: () =>
      store.persons
        .all()
        .filter(
          (p) =>
            !p.deleted &&
            (!ids || ids.has(p.id)) &&
            (owner === undefined || p.owner_id === owner) &&
            (org === undefined || p.org_id === org) &&
            (dealPerson === undefined || p.id === dealPerson),
        ),
    json: (p) => personJson(req, p, keys),
  });
}

// ---- organizations -------------------------------------------------------------------------------

const orgJson = (req: Req, o: Organization, keys?: string[]) => v2Json(req, o, () => organizationV2(o), keys);

function listOrganizations(req: Req) {
  const q = new Query(req.query, 'strict');
  noFilter(q);
  const ids = readIds(q);
  const owner = q.int('owner_id', { min: 1 });
  const keys = readCustomKeys(q);
  return v2List<Organization>(req, q, {
    key: `organizations|${[...(ids ?? [])].join(',')}|${owner ?? ''}`,
    select: () => req.world.store.organizations.all().filter((o) => !o.deleted && (!ids || ids.has(o.id)) && (owner === undefined || o.owner_id === owner)),
    json: (o) => orgJson(req, o, keys),
  });
}

// ---- deals ---------------------------------------------------------------------------------------

const dealJson = (req: Req, d: Deal, keys?: string[]) => v2Json(req, d, () => dealV2(d), keys);
const DEAL_STATUS = ['open', 'won', 'lost', 'deleted'] as const;

function listDeals(req: Req) {
  const q = new Query(req.query, 'strict');
  noFilter(q);
  const ids = readIds(q);
  const owner = q.int('owner_id', { min: 1 });
  const person = q.int('person_id', { min: 1 });
  const org = q.int('org_id', { min: 1 });
  const pipeline = q.int('pipeline_id', { min: 1 });
  const stage = q.int('stage_id', { min: 1 });
  const statusRaw = q.str('status');
  const statuses = statusRaw?.split(',').map((s) => s.trim());
  statuses?.forEach((s) => {
    if (!(DEAL_STATUS as readonly string[]).includes(s)) throw q.fail('status', `must be one of ${DEAL_STATUS.join(', ')}`);
  });
  const keys = readCustomKeys(q);
  return v2List<Deal>(req, q, {
    key: `deals|${[...(ids ?? [])].join(',')}|${owner ?? ''}|${person ?? ''}|${org ?? ''}|${pipeline ?? ''}|${stage ?? ''}|${statuses?.join(',') ?? ''}`,
    select: () =>
      req.world.store.deals.all().filter((d) => {
        const status = d.deleted ? 'deleted' : d.status;
        if (statuses ? !statuses.includes(status) : d.deleted) return false;
        return (
          (!ids || ids.has(d.id)) &&
          (owner === undefined || d.owner_id === owner) &&
          (person === undefined || d.person_id === person) &&
          (org === undefined || d.org_id === org) &&
          (pipeline === undefined || d.pipeline_id === pipeline) &&
          (stage === undefined || d.stage_id === stage)
        );
      }),
    json: (d) => dealJson(req, d, keys),
  });
}

// ---- activities ----------------------------------------------------------------------------------

const activityJson = (req: Req, a: Activity) => req.world.store.cachedJson(a, 'v2', () => activityV2(a));

function listActivities(req: Req) {
  const q = new Query(req.query, 'strict');
  noFilter(q);
  const ids = readIds(q);
  const owner = q.int('owner_id', { min: 1 });
  const deal = q.int('deal_id', { min: 1 });
  const person = q.int('person_id', { min: 1 });
  const org = q.int('org_id', { min: 1 });
  const lead = q.str('lead_id')?.toLowerCase();
  const done = q.flag('done');
  return v2List<Activity>(req, q, {
    key: `activities|${[...(ids ?? [])].join(',')}|${owner ?? ''}|${deal ?? ''}|${person ?? ''}|${org ?? ''}|${lead ?? ''}|${done ?? ''}`,
    select: () =>
      req.world.store.activities
        .all()
        .filter(
          (a) =>
            !a.deleted &&
            (!ids || ids.has(a.id)) &&
            (owner === undefined || a.owner_id === owner) &&
            (deal === undefined || a.deal_id === deal) &&
            (person === undefined || a.person_id === person) &&
            (org === undefined || a.org_id === org) &&
            (lead === undefined || a.lead_id === lead) &&
            (done === undefined || a.done === done),
        ),
    json: (a) => activityJson(req, a),
  });
}

// ---- routes --------------------------------------------------------------------------------------

/** Deleted records stay readable by id (with is_deleted: true), as they do in v1. */
function getOne<T extends { id: number }>(collection: (req: Req) => Collection<number, T>, what: string, json: (req: Req, r: T, keys?: string[]) => Json) {
  return (req: Req) => {
    const r = collection(req).get(intId(req));
    if (!r) throw notFound(`${what} not found`);
    return ok(json(req, r, readCustomKeys(new Query(req.query, 'strict'))));
  };
}

export const routes: Route[] = [
  { method: 'GET', version: 'v2', path: '/persons', cost: 'list', handler: listPersons },
  { method: 'GET', version: 'v2', path: '/persons/:id', cost: 'get', handler: getOne((req) => req.world.store.persons, 'Person', personJson) },
  { method: 'POST', version: 'v2', path: '/persons', cost: 'create', handler: (req) => ok(personJson(req, createPerson(req.world, readPersonV2(req.world, req.body, true)))) },
  {
    method: 'PATCH',
    version: 'v2',
    path: '/persons/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLivePerson(req.world, intId(req)).id;
      return ok(personJson(req, updatePerson(req.world, id, readPersonV2(req.world, req.body, false))));
    },
  },
  { method: 'DELETE', version: 'v2', path: '/persons/:id', cost: 'delete', handler: (req) => okValue({ id: deletePerson(req.world, intId(req)).id }) },

  { method: 'GET', version: 'v2', path: '/organizations', cost: 'list', handler: listOrganizations },
  { method: 'GET', version: 'v2', path: '/organizations/:id', cost: 'get', handler: getOne((req) => req.world.store.organizations, 'Organization', orgJson) },
  { method: 'POST', version: 'v2', path: '/organizations', cost: 'create', handler: (req) => ok(orgJson(req, createOrganization(req.world, readOrganization(req.world, req.body, true, 'v2')))) },
  {
    method: 'PATCH',
    version: 'v2',
    path: '/organizations/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLiveOrganization(req.world, intId(req)).id;
      return ok(orgJson(req, updateOrganization(req.world, id, readOrganization(req.world, req.body, false, 'v2'))));
    },
  },
  { method: 'DELETE', version: 'v2', path: '/organizations/:id', cost: 'delete', handler: (req) => okValue({ id: deleteOrganization(req.world, intId(req)).id }) },

  { method: 'GET', version: 'v2', path: '/deals', cost: 'list', handler: listDeals },
  { method: 'GET', version: 'v2', path: '/deals/:id', cost: 'get', handler: getOne((req) => req.world.store.deals, 'Deal', dealJson) },
  { method: 'POST', version: 'v2', path: '/deals', cost: 'create', handler: (req) => ok(dealJson(req, createDeal(req.world, readDeal(req.world, req.body, true, 'v2')))) },
  {
    method: 'PATCH',
    version: 'v2',
    path: '/deals/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLiveDeal(req.world, intId(req)).id;
      return ok(dealJson(req, updateDeal(req.world, id, readDeal(req.world, req.body, false, 'v2'))));
    },
  },
  { method: 'DELETE', version: 'v2', path: '/deals/:id', cost: 'delete', handler: (req) => okValue({ id: deleteDeal(req.world, intId(req)).id }) },

  { method: 'GET', version: 'v2', path: '/activities', cost: 'list', handler: listActivities },
  { method: 'GET', version: 'v2', path: '/activities/:id', cost: 'get', handler: getOne((req) => req.world.store.activities, 'Activity', activityJson) },
  { method: 'POST', version: 'v2', path: '/activities', cost: 'create', handler: (req) => ok(activityJson(req, createActivity(req.world, readActivity(req.world, req.body, 'v2')))) },
  {
    method: 'PATCH',
    version: 'v2',
    path: '/activities/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLiveActivity(req.world, intId(req)).id;
      return ok(activityJson(req, updateActivity(req.world, id, readActivity(req.world, req.body, 'v2'))));
    },
  },
  { method: 'DELETE', version: 'v2', path: '/activities/:id', cost: 'delete', handler: (req) => okValue({ id: deleteActivity(req.world, intId(req)).id }) },
];
