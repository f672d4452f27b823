// /v1/users, /v1/users/find (term required, search_by_email), /v1/users/me, /v1/users/:id.
import { notFound } from '../../errors.js';
import { okValue } from '../../reply.js';
import { intId, type Req, type Route } from '../../router.js';
import { userV1 } from '../../serialize/v1.js';
import { Query } from '../../validation.js';
import { required } from './list.js';

function find(req: Req) {
  const q = new Query(req.query, 'v1');
  const term = required(q, 'term').toLowerCase();
  const byEmail = q.flag('search_by_email') ?? false;
  const { store } = req.world;
  const hits = store.users.all().filter((u) => (byEmail ? u.email.toLowerCase().includes(term) : u.name.toLowerCase().includes(term)));
  return okValue(hits.map((u) => userV1(store, u)));
}

function me(req: Req) {
  const { store } = req.world;
  const u = store.users.get(store.tokenUserId);
  if (!u) throw notFound('User not found');
  return okValue({
    ...userV1(store, u),
    company_id: store.company.id,
    company_name: store.company.name,
    company_domain: store.company.domain,
    company_country: store.company.country,
    company_industry: 'Software',
    language: { language_code: 'en', country_code: 'US' },
  });
}

export const routes: Route[] = [
  { method: 'GET', version: 'v1', path: '/users', cost: 'list', handler: (req) => okValue(req.world.store.users.all().map((u) => userV1(req.world.store, u))) },
  { method: 'GET', version: 'v1', path: '/users/find', cost: 'search', handler: find },
  { method: 'GET', version: 'v1', path: '/users/me', cost: 'get', handler: me },
  {
    method: 'GET',
    version: 'v1',
    path: '/users/:id',
    cost: 'get',
    handler: (req) => {
      const u = req.world.store.users.get(intId(req));
      if (!u) throw notFound('User not found');
      return okValue(userV1(req.world.store, u));
    },
  },
];
