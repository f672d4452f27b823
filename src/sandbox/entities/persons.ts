// Persons: reading v1/v2 input into one set of changes, and applying them with Pipedrive's rules.
import { badRequest, notFound } from '../errors.js';
import type { Contact, CustomValues, Person } from '../model.js';
import { Input, checkOrg, checkUser } from '../validation.js';
import type { World } from '../world.js';
import { defined, readContacts, readCustom, readVisibleTo, splitName, announce } from './common.js';

export interface PersonChanges {
  name?: string;
  first_name?: string | null;
  last_name?: string | null;
  emails?: Contact[];
  phones?: Contact[];
  owner_id?: number;
  org_id?: number | null;
  label?: number | null;
  label_ids?: number[];
  visible_to?: number;
  job_title?: string | null;
  custom?: CustomValues;
  add_time?: number;
}

/** The exact v1 text for a person without a name (PIPEDRIVE.md). */
export const NAME_REQUIRED = 'Name must be given.';

export function readPersonV1(world: World, body: unknown, creating: boolean): PersonChanges {
  const input = Input.from(body, 'v1');
  const name = input.body.name;
  if ((creating && (typeof name !== 'string' || name.trim() === '')) || (!creating && name !== undefined && (typeof name !== 'string' || name.trim() === ''))) {
    throw badRequest(NAME_REQUIRED);
  }
  const label = input.int('label', { nullable: true });
  return defined({
    name: input.str('name') ?? undefined,
    first_name: input.str('first_name', { nullable: true }),
    last_name: input.str('last_name', { nullable: true }),
    emails: readContacts(input, 'email', 'email'),
    phones: readContacts(input, 'phone', 'phone'),
    owner_id: ref(input.int('owner_id'), (id) => checkUser(world.store, input, 'owner_id', id)),
    org_id: input.has('org_id') ? checkOrg(world.store, input, 'org_id', input.int('org_id', { nullable: true }) ?? null) : undefined,
    label: label === undefined ? undefined : checkPersonLabel(input, 'label', label),
    label_ids: input.intArray('label_ids')?.map((id, i) => checkPersonLabel(input, `label_ids[${i}]`, id)!),
    visible_to: readVisibleTo(input),
    job_title: input.str('job_title', { nullable: true }),
    custom: readCustom(input, 'person'),
    add_time: input.v1Time('add_time'),
  });
}

export function readPersonV2(world: World, body: unknown, creating: boolean): PersonChanges {
  const input = Input.from(body, 'strict');
  if (creating && !input.has('name')) throw input.fail('name', 'Required');
  return defined({
    name: input.str('name', { nonEmpty: true }) ?? undefined,
    first_name: input.str('first_name', { nullable: true }),
    last_name: input.str('last_name', { nullable: true }),
    emails: readContacts(input, 'emails', 'email'),
    phones: readContacts(input, 'phones', 'phone'),
    owner_id: ref(input.int('owner_id'), (id) => checkUser(world.store, input, 'owner_id', id)),
    org_id: input.has('org_id') ? checkOrg(world.store, input, 'org_id', input.int('org_id', { nullable: true }) ?? null) : undefined,
    label_ids: input.intArray('label_ids')?.map((id, i) => checkPersonLabel(input, `label_ids[${i}]`, id)!),
    visible_to: readVisibleTo(input),
    job_title: input.str('job_title', { nullable: true }),
    custom: readCustom(input, 'person'),
    add_time: input.rfcTime('add_time'),
  });
}

const ref = <T>(v: T | null | undefined, check: (v: T) => T): T | undefined => (v === undefined || v === null ? undefined : check(v));

function checkPersonLabel(input: Input, field: string, id: number | null): number | null {
  if (id !== null && (id < 1 || id > 4)) throw input.fail(field, `label ${id} does not exist`);
  return id;
}

export function createPerson(world: World, ch: PersonChanges, extra: { id?: number; update_time?: number } = {}): Person {
  const { store, clock } = world;
  if (!ch.name) throw badRequest(NAME_REQUIRED);
  const now = clock.nowSecond();
  const split = splitName(ch.name);
  const labelIds = ch.label_ids ?? (ch.label != null ? [ch.label] : []);
  const person: Person = {
    id: extra.id ?? store.persons.allocateId(),
    name: ch.name.trim(),
    first_name: ch.first_name !== undefined ? ch.first_name : split.first_name,
    last_name: ch.last_name !== undefined ? ch.last_name : split.last_name,
    emails: ch.emails ?? [],
    phones: ch.phones ?? [],
    owner_id: ch.owner_id ?? store.tokenUserId,
    org_id: ch.org_id ?? null,
    label: labelIds[0] ?? null,
    label_ids: labelIds,
    visible_to: ch.visible_to ?? 3,
    job_title: ch.job_title ?? null,
    add_time: ch.add_time ?? now,
    update_time: extra.update_time ?? ch.add_time ?? now,
    deleted: false,
    custom: ch.custom ?? {},
  };
  return announce(world, 'person', 'create', store.persons.insert(person), null);
}

export function getLivePerson(world: World, id: number): Person {
  const p = world.store.persons.get(id);
  if (!p || p.deleted) throw notFound('Person not found');
  return p;
}

export function updatePerson(world: World, id: number, ch: PersonChanges): Person {
  const p = getLivePerson(world, id);
  const before = world.changes ? structuredClone(p) : null;
  if (ch.name !== undefined) {
    p.name = ch.name.trim();
    const split = splitName(p.name);
    if (ch.first_name === undefined) p.first_name = split.first_name;
    if (ch.last_name === undefined) p.last_name = split.last_name;
  }
  if (ch.first_name !== undefined) p.first_name = ch.first_name;
  if (ch.last_name !== undefined) p.last_name = ch.last_name;
  if (ch.emails !== undefined) p.emails = ch.emails;
  if (ch.phones !== undefined) p.phones = ch.phones;
  if (ch.owner_id !== undefined) p.owner_id = ch.owner_id;
  if (ch.org_id !== undefined) p.org_id = ch.org_id;
  if (ch.label_ids !== undefined) {
    p.label_ids = ch.label_ids;
    p.label = ch.label_ids[0] ?? null;
  } else if (ch.label !== undefined) {
    p.label = ch.label;
    p.label_ids = ch.label === null ? [] : [ch.label];
  }
  if (ch.visible_to !== undefined) p.visible_to = ch.visible_to;
  if (ch.job_title !== undefined) p.job_title = ch.job_title;
  if (ch.custom) p.custom = { ...p.custom, ...ch.custom };
  p.update_time = world.clock.nowSecond();
  world.store.persons.changed();
  return announce(world, 'person', 'change', p, before);
}

/** Pipedrive keeps deleted persons (active_flag false) and reports them in recents; so do we. */
export function deletePerson(world: World, id: number): Person {
  const p = getLivePerson(world, id);
  const before = world.changes ? structuredClone(p) : null;
  p.deleted = true;
  p.update_time = world.clock.nowSecond();
  world.store.persons.changed();
  return announce(world, 'person', 'delete', p, before);
}
