// /v1/recents: everything changed since `since_timestamp`, oldest first, as {item, id, data}.
// Since 2024-12-01 Pipedrive only reaches one month back: an older since_timestamp silently gets
// the last month only. That is the trap this endpoint exists in the sandbox to spring.
import { offsetPagination, readOffsetPage } from '../../pagination.js';
import { jsonList, ok, type Json } from '../../reply.js';
import type { Req, Route } from '../../router.js';
import { activityV1, dealRecentV1, noteV1, organizationV1, personRecentV1, pipelineV1, stageV1, userV1 } from '../../serialize/v1.js';
import { oneMonthBefore, parseV1Time, v1Time } from '../../time.js';
import { Query } from '../../validation.js';
import { required } from './list.js';

export const RECENT_ITEMS = ['activity', 'activityType', 'deal', 'file', 'filter', 'note', 'person', 'organization', 'pipeline', 'product', 'stage', 'user'] as const;
type Item = (typeof RECENT_ITEMS)[number];

interface Entry {
  item: Item;
  id: number;
  time: number;
  json: () => Json;
}

function collect(req: Req, items: ReadonlySet<Item>, since: number): Entry[] {
  const { store } = req.world;
  const out: Entry[] = [];
  const add = <T extends { id: number }>(item: Item, records: readonly T[], time: (r: T) => number, json: (r: T) => Json): void => {
    if (!items.has(item)) return;
    for (const r of records) {
      const at = time(r);
      if (at >= since) out.push({ item, id: r.id, time: at, json: () => json(r) });
    }
  };
  add('activity', store.activities.all(), (r) => r.update_time, (r) => store.cachedJson(r, 'v1', () => activityV1(store, r)));
  add('deal', store.deals.all(), (r) => r.update_time, (r) => JSON.stringify(dealRecentV1(store, r)));
  add('note', store.notes.all(), (r) => r.update_time, (r) => store.cachedJson(r, 'v1', () => noteV1(store, r)));
  add('person', store.persons.all(), (r) => r.update_time, (r) => JSON.stringify(personRecentV1(store, r)));
  add('organization', store.organizations.all(), (r) => r.update_time, (r) => store.cachedJson(r, 'v1', () => organizationV1(store, r)));
  add('pipeline', store.pipelines.all(), (r) => r.update_time, (r) => JSON.stringify(pipelineV1(r)));
  add('stage', store.stages.all(), (r) => r.update_time, (r) => JSON.stringify(stageV1(store, r)));
  add('user', store.users.all(), (r) => r.modified, (r) => JSON.stringify(userV1(store, r)));
  const rank = new Map(RECENT_ITEMS.map((it, i) => [it, i]));
  return out.sort((a, b) => a.time - b.time || rank.get(a.item)! - rank.get(b.item)! || a.id - b.id);
}

const END = Buffer.from('}');
const asBuffer = (j: Json): Buffer => (typeof j === 'string' ? Buffer.from(j) : j);

function recents(req: Req) {
  const q = new Query(req.query, 'v1');
  // URLSearchParams already turned the form-encoded `+` into a space.
  const sinceRaw = required(q, 'since_timestamp');
  const since = parseV1Time(sinceRaw);
  if (since === undefined) throw q.fail('since_timestamp', 'must be a UTC time in the format YYYY-MM-DD HH:MM:SS');
  const itemsRaw = q.str('items');
  const items = new Set<Item>(
    itemsRaw === undefined
      ? RECENT_ITEMS
      : itemsRaw.split(',').map((s) => {
          const it = s.trim() as Item;
          if (!RECENT_ITEMS.includes(it)) throw q.fail('items', `unknown item '${s.trim()}'; use ${RECENT_ITEMS.join(', ')}`);
          return it;
        }),
  );
  const page = readOffsetPage(q);
  const reach = Math.max(since, oneMonthBefore(req.world.clock.now()));
  const entries = req.world.store.view(`recents|${[...items].sort().join(',')}|${reach}`, () => collect(req, items, reach));
  const slice = entries.slice(page.start, page.start + page.limit);
  const data = slice.length === 0 ? 'null' : jsonList(slice.map((e) => Buffer.concat([Buffer.from(`{"item":"${e.item}","id":${e.id},"data":`), asBuffer(e.json()), END])));
  const reply = ok(data, {
    additional: {
      since_timestamp: sinceRaw,
      last_timestamp_on_page: slice.length ? v1Time(slice[slice.length - 1].time) : sinceRaw,
      pagination: offsetPagination(page, entries.length),
    },
  });
  reply.records = slice.length;
  return reply;
}

export const routes: Route[] = [{ method: 'GET', version: 'v1', path: '/recents', cost: 'list', handler: recents }];
