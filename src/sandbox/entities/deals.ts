// Deals: v1/v2 input, stage/pipeline consistency, and status transitions with their timestamps.
import { badRequest, notFound } from '../errors.js';
import type { CustomValues, Deal, DealStatus } from '../model.js';
import { Input, checkOrg, checkPerson, checkUser } from '../validation.js';
import type { World } from '../world.js';
import { announce, defined, readCustom, readVisibleTo } from './common.js';

export interface DealChanges {
  title?: string;
  value?: number;
  currency?: string;
  owner_id?: number;
  person_id?: number | null;
  org_id?: number | null;
  pipeline_id?: number;
  stage_id?: number;
  status?: DealStatus | 'deleted';
  probability?: number | null;
  lost_reason?: string | null;
  expected_close_date?: string | null;
  visible_to?: number;
  label_ids?: number[];
  custom?: CustomValues;
  add_time?: number;
}

const STATUSES = ['open', 'won', 'lost', 'deleted'] as const;

export function readDeal(world: World, body: unknown, creating: boolean, version: 'v1' | 'v2'): DealChanges {
  const { store } = world;
  const input = Input.from(body, version === 'v1' ? 'v1' : 'strict');
  if (version === 'v1') {
    const t = input.body.title;
    if ((creating || t !== undefined) && (typeof t !== 'string' || t.trim() === '')) throw badRequest('Title must be given.');
  } else if (creating && !input.has('title')) throw input.fail('title', 'Required');
  const ownerField = version === 'v1' ? 'user_id' : 'owner_id';
  const owner = input.int(ownerField);
  const currency = input.str('currency');
  if (currency != null && !/^[A-Z]{3}$/.test(currency)) throw input.fail('currency', 'must be a 3-letter currency code such as EUR');
  const stageId = input.int('stage_id');
  const pipelineId = input.int('pipeline_id');
  if (stageId != null) {
    const st = store.stages.get(stageId);
    if (!st || st.deleted) throw input.fail('stage_id', `stage ${stageId} does not exist`);
    if (pipelineId != null && st.pipeline_id !== pipelineId) throw input.fail('stage_id', `stage ${stageId} is not in pipeline ${pipelineId}`);
  }
  if (pipelineId != null) {
    const pl = store.pipelines.get(pipelineId);
    if (!pl || pl.deleted) throw input.fail('pipeline_id', `pipeline ${pipelineId} does not exist`);
  }
  const v1Label = version === 'v1' ? input.int('label', { nullable: true }) : undefined;
  const labels = input.intArray('label_ids') ?? (v1Label === undefined ? undefined : v1Label === null ? [] : [v1Label]);
  labels?.forEach((id, i) => {
    if (id < 9 || id > 11) throw input.fail(`label_ids[${i}]`, `label ${id} does not exist`);
  });
  return defined({
    title: input.str('title', { nonEmpty: true }) ?? undefined,
    value: input.num('value', { min: 0 }) ?? undefined,
    currency: currency ?? undefined,
    owner_id: owner == null ? undefined : checkUser(store, input, ownerField, owner),
    person_id: input.has('person_id') ? checkPerson(store, input, 'person_id', input.int('person_id', { nullable: true }) ?? null) : undefined,
    org_id: input.has('org_id') ? checkOrg(store, input, 'org_id', input.int('org_id', { nullable: true }) ?? null) : undefined,
    pipeline_id: pipelineId ?? undefined,
    stage_id: stageId ?? undefined,
    status: input.oneOf('status', STATUSES) ?? undefined,
    probability: input.num('probability', { nullable: true }),
    lost_reason: input.str('lost_reason', { nullable: true }),
    expected_close_date: input.date('expected_close_date', { nullable: true }),
    visible_to: readVisibleTo(input),
    label_ids: labels,
    custom: readCustom(input, 'deal'),
    add_time: version === 'v1' ? input.v1Time('add_time') : input.rfcTime('add_time'),
  });
}

function firstStage(world: World, pipelineId: number): number {
  const stages = world.store.stages.all().filter((s) => s.pipeline_id === pipelineId && !s.deleted);
  if (stages.length === 0) throw badRequest(`Pipeline ${pipelineId} has no stages.`);
  return stages.reduce((a, b) => (b.order_nr < a.order_nr ? b : a)).id;
}

function applyStatus(d: Deal, status: DealStatus, now: number): void {
  if (status === d.status) return;
  d.status = status;
  d.won_time = status === 'won' ? now : null;
  d.lost_time = status === 'lost' ? now : null;
  d.close_time = status === 'open' ? null : now;
}

export function createDeal(world: World, ch: DealChanges, extra: { id?: number; update_time?: number } = {}): Deal {
  const { store, clock } = world;
  if (!ch.title) throw badRequest('Title must be given.');
  const now = clock.nowSecond();
  const pipelineId = ch.stage_id ? store.stages.get(ch.stage_id)!.pipeline_id : (ch.pipeline_id ?? store.pipelines.all().find((p) => !p.deleted)?.id);
  if (pipelineId === undefined) throw badRequest('There is no pipeline to put the deal in.');
  const owner = store.users.get(ch.owner_id ?? store.tokenUserId);
  const at = ch.add_time ?? now;
  const deal: Deal = {
    id: extra.id ?? store.deals.allocateId(),
    title: ch.title.trim(),
    value: ch.value ?? 0,
    currency: ch.currency ?? owner?.default_currency ?? 'EUR',
    owner_id: ch.owner_id ?? store.tokenUserId,
    creator_user_id: store.tokenUserId,
    person_id: ch.person_id ?? null,
    org_id: ch.org_id ?? null,
    pipeline_id: pipelineId,
    stage_id: ch.stage_id ?? firstStage(world, pipelineId),
    status: 'open',
    probability: ch.probability ?? null,
    lost_reason: ch.lost_reason ?? null,
    expected_close_date: ch.expected_close_date ?? null,
    visible_to: ch.visible_to ?? 3,
    label_ids: ch.label_ids ?? [],
    add_time: at,
    update_time: extra.update_time ?? at,
    stage_change_time: null,
    won_time: null,
    lost_time: null,
    close_time: null,
    deleted: ch.status === 'deleted',
    custom: ch.custom ?? {},
  };
  if (ch.status && ch.status !== 'deleted') applyStatus(deal, ch.status, at);
  return announce(world, 'deal', 'create', store.deals.insert(deal), null);
}

export function getLiveDeal(world: World, id: number): Deal {
  const d = world.store.deals.get(id);
  if (!d || d.deleted) throw notFound('Deal not found');
  return d;
}

export function updateDeal(world: World, id: number, ch: DealChanges): Deal {
  const d = getLiveDeal(world, id);
  const before = world.changes ? structuredClone(d) : null;
  const now = world.clock.nowSecond();
  if (ch.title !== undefined) d.title = ch.title.trim();
  if (ch.value !== undefined) d.value = ch.value;
  if (ch.currency !== undefined) d.currency = ch.currency;
  if (ch.owner_id !== undefined) d.owner_id = ch.owner_id;
  if (ch.person_id !== undefined) d.person_id = ch.person_id;
  if (ch.org_id !== undefined) d.org_id = ch.org_id;
  const newStage = ch.stage_id ?? (ch.pipeline_id !== undefined && ch.pipeline_id !== d.pipeline_id ? firstStage(world, ch.pipeline_id) : undefined);
  if (newStage !== undefined && newStage !== d.stage_id) {
    d.stage_id = newStage;
    d.pipeline_id = world.store.stages.get(newStage)!.pipeline_id;
    d.stage_change_time = now;
  }
  if (ch.probability !== undefined) d.probability = ch.probability;
  if (ch.lost_reason !== undefined) d.lost_reason = ch.lost_reason;
  if (ch.expected_close_date !== undefined) d.expected_close_date = ch.expected_close_date;
  if (ch.visible_to !== undefined) d.visible_to = ch.visible_to;
  if (ch.label_ids !== undefined) d.label_ids = ch.label_ids;
  if (ch.custom) d.custom = { ...d.custom, ...ch.custom };
  if (ch.status === 'deleted') d.deleted = true;
  else if (ch.status !== undefined) applyStatus(d, ch.status, now);
  d.update_time = now;
  world.store.deals.changed();
  // Pipedrive deletes a deal by marking it deleted: webhooks report it as a delete.
  return announce(world, 'deal', ch.status === 'deleted' ? 'delete' : 'change', d, before);
}

export function deleteDeal(world: World, id: number): Deal {
  return updateDeal(world, id, { status: 'deleted' });
}
