// Counts and next/last activities that v1 records embed (open_deals_count, people_count, ...).
// Computed in one pass over deals, activities, notes and persons, once per store version.
import type { Activity } from '../model.js';
import type { Store } from '../store.js';

export interface Counts {
  open_deals: number;
  won_deals: number;
  lost_deals: number;
  activities: number;
  done_activities: number;
  notes: number;
  people: number;
  next: Activity | null;
  last: Activity | null;
}

export interface Relations {
  person: Map<number, Counts>;
  org: Map<number, Counts>;
  deal: Map<number, Counts>;
}

const empty = (): Counts => ({ open_deals: 0, won_deals: 0, lost_deals: 0, activities: 0, done_activities: 0, notes: 0, people: 0, next: null, last: null });

export const NO_COUNTS: Readonly<Counts> = Object.freeze(empty());

const due = (a: Activity): string => `${a.due_date ?? '9999-12-31'} ${a.due_time ?? '23:59'}`;

export function relations(store: Store): Relations {
  return store.view('relations', () => {
    const rel: Relations = { person: new Map(), org: new Map(), deal: new Map() };
    const at = (m: Map<number, Counts>, id: number | null): Counts | undefined => {
      if (id === null) return undefined;
      let c = m.get(id);
      if (!c) m.set(id, (c = empty()));
      return c;
    };
    for (const d of store.deals.all()) {
      if (d.deleted) continue;
      for (const c of [at(rel.person, d.person_id), at(rel.org, d.org_id)]) {
        if (!c) continue;
        if (d.status === 'open') c.open_deals++;
        else if (d.status === 'won') c.won_deals++;
        else c.lost_deals++;
      }
    }
    for (const a of store.activities.all()) {
      if (a.deleted) continue;
      for (const c of [at(rel.person, a.person_id), at(rel.org, a.org_id), at(rel.deal, a.deal_id)]) {
        if (!c) continue;
        c.activities++;
        if (a.done) {
          c.done_activities++;
          if (!c.last || due(a) > due(c.last)) c.last = a;
        } else if (!c.next || due(a) < due(c.next)) c.next = a;
      }
    }
    for (const n of store.notes.all()) {
      if (n.deleted) continue;
      for (const c of [at(rel.person, n.person_id), at(rel.org, n.org_id), at(rel.deal, n.deal_id)]) if (c) c.notes++;
    }
    for (const p of store.persons.all()) {
      if (!p.deleted) {
        const c = at(rel.org, p.org_id);
        if (c) c.people++;
      }
    }
    return rel;
  });
}
