// Leads: UUID ids, ISO-millisecond times, strict JSON validation (null is refused where deals take
// it), and the rule that a lead is always linked to a person or an organization.
import { notFound } from '../errors.js';
import type { CustomValues, Lead, LeadValue } from '../model.js';
import { Input, UUID_RE, checkOrg, checkPerson, checkUser, failure, typeName } from '../validation.js';
import type { World } from '../world.js';
import { defined, readCustom } from './common.js';

export interface LeadChanges {
  title?: string;
  owner_id?: number;
  label_ids?: string[];
  person_id?: number | null;
  organization_id?: number | null;
  value?: LeadValue | null;
  expected_close_date?: string | null;
  visible_to?: string;
  was_seen?: boolean;
  is_archived?: boolean;
  origin_id?: string | null;
  channel?: number | null;
  channel_id?: string | null;
  custom?: CustomValues;
}

const VISIBLE = ['1', '3', '5', '7'] as const;
export const LINK_REQUIRED = 'A lead must be linked to a person or an organization: give person_id or organization_id';

function readValue(input: Input): LeadValue | null | undefined {
  const v = input.body.value;
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw input.fail('value', `Expected object, received ${typeName(v)}`);
  const o = v as Record<string, unknown>;
  if (o.amount === undefined) throw input.fail('value.amount', 'Required');
  if (typeof o.amount !== 'number' || !Number.isFinite(o.amount)) throw input.fail('value.amount', `Expected number, received ${typeName(o.amount)}`);
  if (o.currency === undefined) throw input.fail('value.currency', 'Required');
  if (typeof o.currency !== 'string') throw input.fail('value.currency', `Expected string, received ${typeName(o.currency)}`);
  if (!/^[A-Z]{3}$/.test(o.currency)) throw input.fail('value.currency', 'must be a 3-letter currency code such as EUR');
  return { amount: o.amount, currency: o.currency };
}

export function readLead(world: World, body: unknown, creating: boolean): LeadChanges {
  const { store } = world;
  const input = Input.from(body, 'strict');
  if (creating && !input.has('title')) throw input.fail('title', 'Required');
  const owner = input.int('owner_id');
  const labels = input.uuidArray('label_ids');
  labels?.forEach((id, i) => {
    if (!store.leadLabels.get(id)) throw input.fail(`label_ids[${i}]`, `lead label ${id} does not exist`);
  });
  const person = input.int('person_id', { nullable: !creating });
  const org = input.int('organization_id', { nullable: !creating });
  const ch: LeadChanges = defined({
    title: input.str('title', { nonEmpty: true }) ?? undefined,
    owner_id: owner == null ? undefined : checkUser(store, input, 'owner_id', owner),
    label_ids: labels,
    person_id: person === undefined ? undefined : checkPerson(store, input, 'person_id', person),
    organization_id: org === undefined ? undefined : checkOrg(store, input, 'organization_id', org),
    value: readValue(input),
    expected_close_date: input.date('expected_close_date', { nullable: !creating }),
    visible_to: input.oneOf('visible_to', VISIBLE) ?? undefined,
    was_seen: input.bool('was_seen'),
    is_archived: creating ? undefined : input.bool('is_archived'),
    origin_id: input.str('origin_id', { nullable: true }),
    channel: input.int('channel', { nullable: true }),
    channel_id: input.str('channel_id', { nullable: true }),
    custom: readCustom(input, 'deal', 'top'),
  });
  if (creating && ch.person_id == null && ch.organization_id == null) throw failure('strict', 'person_id', LINK_REQUIRED);
  return ch;
}

export function createLead(world: World, ch: LeadChanges, extra: { id?: string; add_time?: number; update_time?: number; source_name?: string } = {}): Lead {
  const { store, clock } = world;
  if (!ch.title) throw failure('strict', 'title', 'Required');
  if (ch.person_id == null && ch.organization_id == null) throw failure('strict', 'person_id', LINK_REQUIRED);
  const now = clock.now();
  const at = extra.add_time ?? now;
  return store.leads.insert({
    id: extra.id ?? world.uuids.uuid(),
    title: ch.title.trim(),
    owner_id: ch.owner_id ?? store.tokenUserId,
    creator_id: store.tokenUserId,
    label_ids: ch.label_ids ?? [],
    person_id: ch.person_id ?? null,
    organization_id: ch.organization_id ?? null,
    // Every lead created through the API gets the source "API" (Pipedrive's docs say so).
    source_name: extra.source_name ?? 'API',
    origin: extra.source_name && extra.source_name !== 'API' ? 'ManuallyCreated' : 'API',
    origin_id: ch.origin_id ?? null,
    channel: ch.channel ?? null,
    channel_id: ch.channel_id ?? null,
    is_archived: false,
    was_seen: ch.was_seen ?? false,
    value: ch.value ?? null,
    expected_close_date: ch.expected_close_date ?? null,
    visible_to: ch.visible_to ?? '3',
    add_time: at,
    update_time: extra.update_time ?? at,
    custom: ch.custom ?? {},
  });
}

/** The 400 for a malformed id comes before the 404 for an unknown one, as with a typed route. */
export function getLead(world: World, id: string): Lead {
  if (!UUID_RE.test(id)) throw failure('strict', 'id', 'Invalid uuid');
  const lead = world.store.leads.get(id.toLowerCase());
  if (!lead) throw notFound('Lead not found');
  return lead;
}

export function updateLead(world: World, id: string, ch: LeadChanges): Lead {
  const lead = getLead(world, id);
  const personAfter = ch.person_id !== undefined ? ch.person_id : lead.person_id;
  const orgAfter = ch.organization_id !== undefined ? ch.organization_id : lead.organization_id;
  if (personAfter === null && orgAfter === null) throw failure('strict', ch.person_id === null ? 'person_id' : 'organization_id', LINK_REQUIRED);
  for (const [k, v] of Object.entries(ch)) {
    if (k === 'custom') {
      // Leads list only the custom fields that are set, so clearing one removes it.
      const merged: CustomValues = { ...lead.custom, ...(v as CustomValues) };
      for (const key of Object.keys(merged)) if (merged[key] === null) delete merged[key];
      lead.custom = merged;
    }
    else (lead as unknown as Record<string, unknown>)[k] = v;
  }
  lead.update_time = world.clock.now();
  world.store.leads.changed();
  return lead;
}

export function deleteLead(world: World, id: string): Lead {
  const lead = getLead(world, id);
  world.store.leads.remove(lead.id);
  return lead;
}
