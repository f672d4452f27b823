// Changing the sandbox's records from a test, between runs, without HTTP: the same validation and
// the same timestamps as the API (bodies are v1 request bodies; leads take lead bodies).
import { customKey } from './custom-fields.js';
import { createActivity, createNote, deleteActivity, deleteNote, readActivity, readNote, updateActivity, updateNote } from './entities/activities.js';
import { createDeal, deleteDeal, readDeal, updateDeal } from './entities/deals.js';
import { createLead, deleteLead, readLead, updateLead } from './entities/leads.js';
import { createOrganization, deleteOrganization, readOrganization, updateOrganization } from './entities/organizations.js';
import { createPerson, deletePerson, readPersonV1, updatePerson } from './entities/persons.js';
import type { Activity, Company, Deal, FieldEntity, Lead, Note, Organization, Person, User } from './model.js';
import type { Collection } from './store.js';
import type { World } from './world.js';

type Body = Record<string, unknown>;

export interface EntityApi<K, T> {
  /** Live records (not deleted), in id order. */
  all(): T[];
  /** Any record, deleted ones too. */
  get(id: K): T | undefined;
  create(body: Body): T;
  /** Sets update_time to the sandbox clock, like an API update. */
  update(id: K, body: Body): T;
  delete(id: K): void;
}

export interface SandboxData {
  company: Company;
  persons: EntityApi<number, Person>;
  organizations: EntityApi<number, Organization>;
  deals: EntityApi<number, Deal>;
  leads: EntityApi<string, Lead>;
  activities: EntityApi<number, Activity>;
  notes: EntityApi<number, Note>;
  users: { all(): User[]; get(id: number): User | undefined; create(u: { name: string; email: string; is_admin?: boolean }): User };
  /** The 40-hex key of a custom field by its human name, e.g. customFieldKey('person', 'Segment'). */
  customFieldKey(entity: FieldEntity, name: string): string;
}

function api<K extends number | string, T extends { id: K }>(
  collection: Collection<K, T>,
  live: (r: T) => boolean,
  create: (body: Body) => T,
  update: (id: K, body: Body) => T,
  remove: (id: K) => unknown,
): EntityApi<K, T> {
  return {
    all: () => collection.all().filter(live),
    get: (id) => collection.get(id),
    create,
    update,
    delete: (id) => void remove(id),
  };
}

export function dataApi(world: World): SandboxData {
  const { store } = world;
  return {
    get company() {
      return store.company;
    },
    persons: api(
      store.persons,
      (p) => !p.deleted,
      (b) => createPerson(world, readPersonV1(world, b, true)),
      (id, b) => updatePerson(world, id, readPersonV1(world, b, false)),
      (id) => deletePerson(world, id),
    ),
    organizations: api(
      store.organizations,
      (o) => !o.deleted,
      (b) => createOrganization(world, readOrganization(world, b, true, 'v1')),
      (id, b) => updateOrganization(world, id, readOrganization(world, b, false, 'v1')),
      (id) => deleteOrganization(world, id),
    ),
    deals: api(
      store.deals,
      (d) => !d.deleted,
      (b) => createDeal(world, readDeal(world, b, true, 'v1')),
      (id, b) => updateDeal(world, id, readDeal(world, b, false, 'v1')),
      (id) => deleteDeal(world, id),
    ),
    leads: api(
      store.leads,
      () => true,
      (b) => createLead(world, readLead(world, b, true)),
      (id, b) => updateLead(world, id, readLead(world, b, false)),
      (id) => deleteLead(world, id),
    ),
    activities: api(
      store.activities,
      (a) => !a.deleted,
      (b) => createActivity(world, readActivity(world, b, 'v1')),
      (id, b) => updateActivity(world, id, readActivity(world, b, 'v1')),
      (id) => deleteActivity(world, id),
    ),
    notes: api(
      store.notes,
      (n) => !n.deleted,
      (b) => createNote(world, readNote(world, b, true)),
      (id, b) => updateNote(world, id, readNote(world, b, false)),
      (id) => deleteNote(world, id),
    ),
    users: {
      all: () => [...store.users.all()],
      get: (id) => store.users.get(id),
      create: (u) => {
        const now = world.clock.nowSecond();
        return store.users.insert({
          id: store.users.allocateId(),
          name: u.name,
          email: u.email,
          phone: null,
          default_currency: 'EUR',
          locale: 'en_US',
          timezone_name: 'Europe/Tallinn',
          timezone_offset: '+02:00',
          active_flag: true,
          is_admin: u.is_admin ?? false,
          role_id: u.is_admin ? 1 : 2,
          created: now,
          modified: now,
          last_login: now,
        });
      },
    },
    customFieldKey: customKey,
  };
}
