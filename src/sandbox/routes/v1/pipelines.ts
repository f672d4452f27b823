// /v1/pipelines and /v1/stages (pipeline_id).
import { notFound } from '../../errors.js';
import type { Pipeline, Stage } from '../../model.js';
import { okValue } from '../../reply.js';
import { intId, type Route } from '../../router.js';
import { pipelineV1, stageV1 } from '../../serialize/v1.js';
import { Query } from '../../validation.js';
import { v1List } from './list.js';

export const routes: Route[] = [
  {
    method: 'GET',
    version: 'v1',
    path: '/pipelines',
    cost: 'list',
    // Pipedrive prices these lists at 10 tokens (x-token-cost), not the usual list price.
    tokens: 10,
    handler: (req) =>
      v1List<Pipeline>(req, {
        key: 'pipelines',
        select: () => req.world.store.pipelines.all().filter((p) => !p.deleted).sort((a, b) => a.order_nr - b.order_nr || a.id - b.id),
        sortable: { id: (p) => p.id, name: (p) => p.name, order_nr: (p) => p.order_nr, add_time: (p) => p.add_time, update_time: (p) => p.update_time },
        json: (p) => JSON.stringify(pipelineV1(p)),
      }),
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/pipelines/:id',
    cost: 'get',
    handler: (req) => {
      const p = req.world.store.pipelines.get(intId(req));
      if (!p) throw notFound('Pipeline not found');
      return okValue(pipelineV1(p));
    },
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/stages',
    cost: 'list',
    // Pipedrive prices these lists at 10 tokens (x-token-cost), not the usual list price.
    tokens: 10,
    handler: (req) => {
      const pipeline = new Query(req.query, 'v1').int('pipeline_id', { min: 1 });
      return v1List<Stage>(req, {
        key: `stages|${pipeline ?? ''}`,
        select: () =>
          req.world.store.stages
            .all()
            .filter((s) => !s.deleted && (pipeline === undefined || s.pipeline_id === pipeline))
            .sort((a, b) => a.pipeline_id - b.pipeline_id || a.order_nr - b.order_nr),
        sortable: { id: (s) => s.id, name: (s) => s.name, order_nr: (s) => s.order_nr, pipeline_id: (s) => s.pipeline_id, add_time: (s) => s.add_time, update_time: (s) => s.update_time },
        json: (s) => JSON.stringify(stageV1(req.world.store, s)),
      });
    },
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/stages/:id',
    cost: 'get',
    handler: (req) => {
      const s = req.world.store.stages.get(intId(req));
      if (!s) throw notFound('Stage not found');
      return okValue(stageV1(req.world.store, s));
    },
  },
];
