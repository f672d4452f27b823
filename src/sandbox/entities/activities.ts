// Activities and notes: the records that hang off deals, persons, organizations and leads.
import { badRequest, notFound } from '../errors.js';
import type { Activity, Note } from '../model.js';
import { Input, checkDeal, checkLead, checkOrg, checkPerson, checkUser } from '../validation.js';
import type { World } from '../world.js';
import { announce, defined } from './common.js';

export const ACTIVITY_TYPES = ['call', 'meeting', 'task', 'deadline', 'email', 'lunch'] as const;
const TYPE_NAMES: Record<string, string> = { call: 'Call', meeting: 'Meeting', task: 'Task', deadline: 'Deadline', email: 'Email', lunch: 'Lunch' };

export interface ActivityChanges {
  subject?: string;
  type?: string;
  owner_id?: number;
  done?: boolean;
  due_date?: string | null;
  due_time?: string | null;
  duration?: string | null;
  busy?: boolean;
  deal_id?: number | null;
  person_id?: number | null;
  org_id?: number | null;
  lead_id?: string | null;
  note?: string | null;
  public_description?: string | null;
  location?: string | null;
  add_time?: number;
}

/** Links shared by activities and notes: each must point at a live record. */
function readLinks(world: World, input: Input): Pick<ActivityChanges, 'deal_id' | 'person_id' | 'org_id' | 'lead_id'> {
  const { store } = world;
  const link = (field: string, check: (id: number | null) => number | null): number | null | undefined =>
    input.has(field) ? check(input.int(field, { nullable: true }) ?? null) : undefined;
  const lead = input.str('lead_id', { nullable: true });
  return defined({
    deal_id: link('deal_id', (id) => checkDeal(store, input, 'deal_id', id)),
    person_id: link('person_id', (id) => checkPerson(store, input, 'person_id', id)),
    org_id: link('org_id', (id) => checkOrg(store, input, 'org_id', id)),
    lead_id: lead === undefined ? undefined : checkLead(store, input, 'lead_id', lead),
  });
}

export function readActivity(world: World, body: unknown, version: 'v1' | 'v2'): ActivityChanges {
  const input = Input.from(body, version === 'v1' ? 'v1' : 'strict');
  const ownerField = version === 'v1' ? 'user_id' : 'owner_id';
  const owner = input.int(ownerField);
  const location = input.body.location;
  return defined({
    subject: input.str('subject', { nonEmpty: true }) ?? undefined,
    type: input.oneOf('type', ACTIVITY_TYPES) ?? undefined,
    owner_id: owner == null ? undefined : checkUser(world.store, input, ownerField, owner),
    done: input.bool('done'),
    due_date: input.date('due_date', { nullable: true }),
    due_time: input.hhmm('due_time'),
    duration: input.hhmm('duration'),
    busy: input.bool(version === 'v1' ? 'busy_flag' : 'busy'),
    ...readLinks(world, input),
    note: input.str('note', { nullable: true }),
    public_description: input.str('public_description', { nullable: true }),
    location:
      version === 'v2' && location && typeof location === 'object' && !Array.isArray(location)
        ? String((location as Record<string, unknown>).value ?? '') || null
        : input.str('location', { nullable: true }),
    add_time: version === 'v1' ? input.v1Time('add_time') : input.rfcTime('add_time'),
  });
}

export function createActivity(world: World, ch: ActivityChanges, extra: { id?: number; update_time?: number } = {}): Activity {
  const { store, clock } = world;
  const now = clock.nowSecond();
  const type = ch.type ?? 'task';
  const at = ch.add_time ?? now;
  return announce(world, 'activity', 'create', store.activities.insert({
    id: extra.id ?? store.activities.allocateId(),
    subject: ch.subject ?? TYPE_NAMES[type],
    type,
    owner_id: ch.owner_id ?? store.tokenUserId,
    creator_user_id: store.tokenUserId,
    done: ch.done ?? false,
    due_date: ch.due_date ?? null,
    due_time: ch.due_time ?? null,
    duration: ch.duration ?? null,
    busy: ch.busy ?? false,
    deal_id: ch.deal_id ?? null,
    person_id: ch.person_id ?? null,
    org_id: ch.org_id ?? null,
    lead_id: ch.lead_id ?? null,
    note: ch.note ?? null,
    public_description: ch.public_description ?? null,
    location: ch.location ?? null,
    add_time: at,
    update_time: extra.update_time ?? at,
    marked_as_done_time: ch.done ? at : null,
    deleted: false,
  }), null);
}

export function getLiveActivity(world: World, id: number): Activity {
  const a = world.store.activities.get(id);
  if (!a || a.deleted) throw notFound('Activity not found');
  return a;
}

export function updateActivity(world: World, id: number, ch: ActivityChanges): Activity {
  const a = getLiveActivity(world, id);
  const before = world.changes ? structuredClone(a) : null;
  const now = world.clock.nowSecond();
  const { done, add_time: _ignored, ...rest } = ch;
  Object.assign(a, rest);
  if (done !== undefined && done !== a.done) {
    a.done = done;
    a.marked_as_done_time = done ? now : null;
  }
  a.update_time = now;
  world.store.activities.changed();
  return announce(world, 'activity', 'change', a, before);
}

export function deleteActivity(world: World, id: number): Activity {
  const a = getLiveActivity(world, id);
  const before = world.changes ? structuredClone(a) : null;
  a.deleted = true;
  a.update_time = world.clock.nowSecond();
  world.store.activities.changed();
  return announce(world, 'activity', 'delete', a, before);
}

// ---- notes -------------------------------------------------------------------------------------

export interface NoteChanges {
  content?: string;
  user_id?: number;
  deal_id?: number | null;
  person_id?: number | null;
  org_id?: number | null;
  lead_id?: string | null;
  pinned_to_deal_flag?: boolean;
  pinned_to_person_flag?: boolean;
  pinned_to_organization_flag?: boolean;
  pinned_to_lead_flag?: boolean;
  add_time?: number;
}

export const NOTE_LINK_REQUIRED = 'Either deal_id, person_id, org_id or lead_id must be given.';

export function readNote(world: World, body: unknown, creating: boolean): NoteChanges {
  const input = Input.from(body, 'v1');
  const c = input.body.content;
  if ((creating || c !== undefined) && (typeof c !== 'string' || c.trim() === '')) throw badRequest('Content must be given.');
  const user = input.int('user_id');
  const ch: NoteChanges = defined({
    content: input.str('content') ?? undefined,
    user_id: user == null ? undefined : checkUser(world.store, input, 'user_id', user),
    ...readLinks(world, input),
    pinned_to_deal_flag: input.bool('pinned_to_deal_flag'),
    pinned_to_person_flag: input.bool('pinned_to_person_flag'),
    pinned_to_organization_flag: input.bool('pinned_to_organization_flag'),
    pinned_to_lead_flag: input.bool('pinned_to_lead_flag'),
    add_time: input.v1Time('add_time'),
  });
  if (creating && ch.deal_id == null && ch.person_id == null && ch.org_id == null && ch.lead_id == null) throw badRequest(NOTE_LINK_REQUIRED);
  return ch;
}

export function createNote(world: World, ch: NoteChanges, extra: { id?: number; update_time?: number } = {}): Note {
  const { store, clock } = world;
  if (!ch.content) throw badRequest('Content must be given.');
  if (ch.deal_id == null && ch.person_id == null && ch.org_id == null && ch.lead_id == null) throw badRequest(NOTE_LINK_REQUIRED);
  const at = ch.add_time ?? clock.nowSecond();
  return store.notes.insert({
    id: extra.id ?? store.notes.allocateId(),
    content: ch.content,
    user_id: ch.user_id ?? store.tokenUserId,
    deal_id: ch.deal_id ?? null,
    person_id: ch.person_id ?? null,
    org_id: ch.org_id ?? null,
    lead_id: ch.lead_id ?? null,
    pinned_to_deal_flag: ch.pinned_to_deal_flag ?? false,
    pinned_to_person_flag: ch.pinned_to_person_flag ?? false,
    pinned_to_organization_flag: ch.pinned_to_organization_flag ?? false,
    pinned_to_lead_flag: ch.pinned_to_lead_flag ?? false,
    add_time: at,
    update_time: extra.update_time ?? at,
    deleted: false,
  });
}

export function getLiveNote(world: World, id: number): Note {
  const n = world.store.notes.get(id);
  if (!n || n.deleted) throw notFound('Note not found');
  return n;
}

export function updateNote(world: World, id: number, ch: NoteChanges): Note {
  const n = getLiveNote(world, id);
  const { add_time: _ignored, ...rest } = ch;
  const after = { ...n, ...rest };
  if (after.deal_id == null && after.person_id == null && after.org_id == null && after.lead_id == null) throw badRequest(NOTE_LINK_REQUIRED);
  Object.assign(n, rest);
  n.update_time = world.clock.nowSecond();
  world.store.notes.changed();
  return n;
}

export function deleteNote(world: World, id: number): Note {
  const n = getLiveNote(world, id);
  n.deleted = true;
  n.update_time = world.clock.nowSecond();
  world.store.notes.changed();
  return n;
}
