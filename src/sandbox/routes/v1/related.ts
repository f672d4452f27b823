// `related_objects`: the users, organizations and persons a v1 page refers to, keyed by id.
import type { Store } from '../../store.js';
import { relations } from '../../serialize/relations.js';

type Json = Record<string, unknown>;

export function relatedObjects(store: Store, refs: { users?: Iterable<number>; orgs?: Iterable<number | null>; persons?: Iterable<number | null> }): Json {
  const out: Json = {};
  if (refs.users) {
    const users: Json = {};
    for (const id of refs.users) {
      const u = store.users.get(id);
      if (u) users[id] = { id: u.id, name: u.name, email: u.email, has_pic: 0, pic_hash: null, active_flag: u.active_flag };
    }
    out.user = users;
  }
  if (refs.orgs) {
    const orgs: Json = {};
    const counts = relations(store).org;
    for (const id of refs.orgs) {
      if (id === null) continue;
      const o = store.organizations.get(id);
      if (o) {
        orgs[id] = {
          id: o.id,
          name: o.name,
          people_count: counts.get(o.id)?.people ?? 0,
          owner_id: o.owner_id,
          address: o.address,
          active_flag: !o.deleted,
          cc_email: `${store.company.domain}@pipedrivemail.com`,
        };
      }
    }
    out.organization = orgs;
  }
  if (refs.persons) {
    const persons: Json = {};
    for (const id of refs.persons) {
      if (id === null) continue;
      const p = store.persons.get(id);
      if (p) {
        persons[id] = {
          active_flag: !p.deleted,
          id: p.id,
          name: p.name,
          email: p.emails.length ? p.emails.map((e) => ({ value: e.value, primary: e.primary, label: e.label })) : [{ value: '', primary: true }],
          phone: p.phones.length ? p.phones.map((e) => ({ value: e.value, primary: e.primary, label: e.label })) : [{ value: '', primary: true }],
          owner_id: p.owner_id,
        };
      }
    }
    out.person = persons;
  }
  return out;
}
