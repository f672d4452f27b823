// /v1/webhooks: list, create, delete (the registrations webhooks.ts delivers to).
import { ApiError } from '../../errors.js';
import { intId, type Req, type Route } from '../../router.js';
import type { Webhooks } from '../../webhooks.js';

function hooks(req: Req): Webhooks {
  if (!req.world.webhooks) throw new ApiError(500, 'webhooks are not available');
  return req.world.webhooks;
}

export const routes: Route[] = [
  { method: 'GET', version: 'v1', path: '/webhooks', cost: 'list', tokens: 10, handler: (req) => ({ status: 200, body: JSON.stringify({ success: true, status: 'ok', data: hooks(req).list() }) }) },
  {
    method: 'POST',
    version: 'v1',
    path: '/webhooks',
    cost: 'create',
    handler: (req) => ({ status: 201, body: JSON.stringify({ success: true, status: 'ok', data: hooks(req).create(req.body) }) }),
  },
  {
    method: 'DELETE',
    version: 'v1',
    path: '/webhooks/:id',
    cost: 'delete',
    handler: (req) => {
      hooks(req).remove(intId(req));
      return { status: 200, body: JSON.stringify({ success: true, status: 'ok' }) };
    },
  },
];
