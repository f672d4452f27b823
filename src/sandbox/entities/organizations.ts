// Organizations: v1/v2 input and Pipedrive's rules for them.
import { badRequest, notFound } from '../errors.js';
import type { CustomValues, Organization } from '../model.js';
import { Input, checkUser, typeName } from '../validation.js';
import type { World } from '../world.js';
import { defined, readCustom, readVisibleTo, announce } from './common.js';

export interface OrganizationChanges {
  name?: string;
  owner_id?: number;
  address?: string | null;
  label_ids?: number[];
  visible_to?: number;
  custom?: CustomValues;
  add_time?: number;
}

const labelOk = (input: Input, ids: number[] | undefined): number[] | undefined => {
  ids?.forEach((id, i) => {
    if (id < 5 || id > 8) throw input.fail(`label_ids[${i}]`, `label ${id} does not exist`);
  });
  return ids;
};

export function readOrganization(world: World, body: unknown, creating: boolean, version: 'v1' | 'v2'): OrganizationChanges {
  const input = Input.from(body, version === 'v1' ? 'v1' : 'strict');
  if (version === 'v1') {
    const name = input.body.name;
    if ((creating || name !== undefined) && (typeof name !== 'string' || name.trim() === '')) throw badRequest('Name must be given.');
  } else if (creating && !input.has('name')) throw input.fail('name', 'Required');
  let address: string | null | undefined;
  const a = input.body.address;
  if (version === 'v2' && a !== undefined && a !== null && typeof a === 'object' && !Array.isArray(a)) {
    const value = (a as Record<string, unknown>).value;
    if (typeof value !== 'string') throw input.fail('address.value', `Expected string, received ${typeName(value)}`);
    address = value;
  } else {
    address = input.str('address', { nullable: true });
  }
  const label = version === 'v1' ? input.int('label', { nullable: true }) : undefined;
  const owner = input.int('owner_id');
  return defined({
    name: input.str('name', { nonEmpty: true }) ?? undefined,
    owner_id: owner == null ? undefined : checkUser(world.store, input, 'owner_id', owner),
    address,
    label_ids: labelOk(input, input.intArray('label_ids') ?? (label === undefined ? undefined : label === null ? [] : [label])),
    visible_to: readVisibleTo(input),
    custom: readCustom(input, 'organization'),
    add_time: version === 'v1' ? input.v1Time('add_time') : input.rfcTime('add_time'),
  });
}

export function createOrganization(world: World, ch: OrganizationChanges, extra: { id?: number; update_time?: number } = {}): Organization {
  const { store, clock } = world;
  if (!ch.name) throw badRequest('Name must be given.');
  const now = clock.nowSecond();
  const labelIds = ch.label_ids ?? [];
  return announce(world, 'organization', 'create', store.organizations.insert({
    id: extra.id ?? store.organizations.allocateId(),
    name: ch.name.trim(),
    owner_id: ch.owner_id ?? store.tokenUserId,
    address: ch.address ?? null,
    label: labelIds[0] ?? null,
    label_ids: labelIds,
    visible_to: ch.visible_to ?? 3,
    add_time: ch.add_time ?? now,
    update_time: extra.update_time ?? ch.add_time ?? now,
    deleted: false,
    custom: ch.custom ?? {},
  }), null);
}

export function getLiveOrganization(world: World, id: number): Organization {
  const o = world.store.organizations.get(id);
  if (!o || o.deleted) throw notFound('Organization not found');
  return o;
}

export function updateOrganization(world: World, id: number, ch: OrganizationChanges): Organization {
  const o = getLiveOrganization(world, id);
  const before = world.changes ? structuredClone(o) : null;
  if (ch.name !== undefined) o.name = ch.name.trim();
  if (ch.owner_id !== undefined) o.owner_id = ch.owner_id;
  if (ch.address !== undefined) o.address = ch.address;
  if (ch.label_ids !== undefined) {
    o.label_ids = ch.label_ids;
    o.label = ch.label_ids[0] ?? null;
  }
  if (ch.visible_to !== undefined) o.visible_to = ch.visible_to;
  if (ch.custom) o.custom = { ...o.custom, ...ch.custom };
  o.update_time = world.clock.nowSecond();
  world.store.organizations.changed();
  return announce(world, 'organization', 'change', o, before);
}

export function deleteOrganization(world: World, id: number): Organization {
  const o = getLiveOrganization(world, id);
  const before = world.changes ? structuredClone(o) : null;
  o.deleted = true;
  o.update_time = world.clock.nowSecond();
  world.store.organizations.changed();
  return announce(world, 'organization', 'delete', o, before);
}
