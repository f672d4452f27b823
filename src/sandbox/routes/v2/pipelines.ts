// /api/v2/pipelines and /api/v2/stages (pipeline_id), cursor-paginated like the other v2 lists.
import { notFound } from '../../errors.js';
import type { Pipeline, Stage } from '../../model.js';
import { okValue } from '../../reply.js';
import { intId, type Route } from '../../router.js';
import { pipelineV2, stageV2 } from '../../serialize/v2.js';
import { Query } from '../../validation.js';
import { v2List } from './list.js';

export const routes: Route[] = [
  {
    method: 'GET',
    version: 'v2',
    path: '/pipelines',
    cost: 'list',
    // Pipedrive prices these lists at 5 tokens (x-token-cost), not the usual list price.
    tokens: 5,
    handler: (req) =>
      v2List<Pipeline>(req, new Query(req.query, 'strict'), {
        key: 'pipelines',
        select: () => req.world.store.pipelines.all().filter((p) => !p.deleted),
        json: (p) => JSON.stringify(pipelineV2(p)),
      }),
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/pipelines/:id',
    cost: 'get',
    handler: (req) => {
      const p = req.world.store.pipelines.get(intId(req));
      if (!p) throw notFound('Pipeline not found');
      return okValue(pipelineV2(p));
    },
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/stages',
    cost: 'list',
    // Pipedrive prices these lists at 5 tokens (x-token-cost), not the usual list price.
    tokens: 5,
    handler: (req) => {
      const q = new Query(req.query, 'strict');
      const pipeline = q.int('pipeline_id', { min: 1 });
      return v2List<Stage>(req, q, {
        key: `stages|${pipeline ?? ''}`,
        select: () => req.world.store.stages.all().filter((s) => !s.deleted && (pipeline === undefined || s.pipeline_id === pipeline)),
        json: (s) => JSON.stringify(stageV2(s)),
      });
    },
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/stages/:id',
    cost: 'get',
    handler: (req) => {
      const s = req.world.store.stages.get(intId(req));
      if (!s) throw notFound('Stage not found');
      return okValue(stageV2(s));
    },
  },
];
