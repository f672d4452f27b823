// /api/v2/persons/search, /organizations/search, /deals/search: `term` in the chosen `fields`,
// whole values only with `exact_match` (case-insensitive, as Pipedrive matches), answered as
// data.items[{result_score, item}] with cursor pagination. Searches have their own burst limit
// (cost class `search`), whatever the plan.
import { CUSTOM_BY_KEY } from '../../custom-fields.js';
import type { CustomValues, Deal, FieldEntity, Organization, Person } from '../../model.js';
import { ok } from '../../reply.js';
import type { Req, Route } from '../../router.js';
import type { Store } from '../../store.js';
import { Query } from '../../validation.js';
import { required } from '../v1/list.js';

const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 100;

interface Searchable<T> {
  entity: FieldEntity;
  /** The searchable fields with the values each holds, and the default set. */
  fields: Record<string, (r: T) => string[]>;
  defaults: readonly string[];
  live: (store: Store) => T[];
  item: (store: Store, r: T, customHits: string[]) => Record<string, unknown>;
}

/** Text values of a record's custom fields that Pipedrive indexes for search (text types). */
function customTexts(entity: FieldEntity, custom: CustomValues): string[] {
  const out: string[] = [];
  for (const [key, v] of Object.entries(custom)) {
    const def = CUSTOM_BY_KEY[entity].get(key);
    if (def && (def.field_type === 'varchar' || def.field_type === 'text') && typeof v === 'string' && v !== '') out.push(v);
  }
  return out;
}

const PERSONS: Searchable<Person> = {
  entity: 'person',
  fields: {
    name: (p) => [p.name],
    email: (p) => p.emails.map((e) => e.value).filter(Boolean),
    phone: (p) => p.phones.map((e) => e.value).filter(Boolean),
    notes: () => [],
    custom_fields: (p) => customTexts('person', p.custom),
  },
  defaults: ['name', 'email', 'phone', 'notes', 'custom_fields'],
  live: (store) => store.persons.all().filter((p) => !p.deleted),
  item: (store, p, customHits) => {
    const org = p.org_id === null ? undefined : store.organizations.get(p.org_id);
    return {
      id: p.id,
      type: 'person',
      name: p.name,
      phones: p.phones.map((x) => x.value).filter(Boolean),
      emails: p.emails.map((x) => x.value).filter(Boolean),
      visible_to: p.visible_to,
      owner: { id: p.owner_id },
      organization: org ? { id: org.id, name: org.name } : null,
      custom_fields: customHits,
      notes: [],
    };
  },
};

const ORGANIZATIONS: Searchable<Organization> = {
  entity: 'organization',
  fields: {
    name: (o) => [o.name],
    address: (o) => (o.address ? [o.address] : []),
    notes: () => [],
    custom_fields: (o) => customTexts('organization', o.custom),
  },
  defaults: ['name', 'address', 'notes', 'custom_fields'],
  live: (store) => store.organizations.all().filter((o) => !o.deleted),
  item: (_store, o, customHits) => ({
    id: o.id,
    type: 'organization',
    name: o.name,
    address: o.address,
    visible_to: o.visible_to,
    owner: { id: o.owner_id },
    custom_fields: customHits,
    notes: [],
  }),
};

const DEALS: Searchable<Deal> = {
  entity: 'deal',
  fields: {
    title: (d) => [d.title],
    notes: () => [],
    custom_fields: (d) => customTexts('deal', d.custom),
  },
  defaults: ['title', 'notes', 'custom_fields'],
  live: (store) => store.deals.all().filter((d) => !d.deleted),
  item: (store, d, customHits) => {
    const person = d.person_id === null ? undefined : store.persons.get(d.person_id);
    const org = d.org_id === null ? undefined : store.organizations.get(d.org_id);
    const stage = store.stages.get(d.stage_id);
    return {
      id: d.id,
      type: 'deal',
      title: d.title,
      value: d.value,
      currency: d.currency,
      status: d.status,
      visible_to: d.visible_to,
      owner: { id: d.owner_id },
      stage: { id: d.stage_id, name: stage?.name ?? '' },
      person: person ? { id: person.id, name: person.name } : null,
      organization: org ? { id: org.id, name: org.name } : null,
      custom_fields: customHits,
      notes: [],
      is_archived: false,
    };
  },
};

const encodeCursor = (offset: number): string => Buffer.from(JSON.stringify(['search', offset])).toString('base64url');

function decodeCursor(q: Query): number {
  const raw = q.str('cursor');
  if (raw === undefined) return 0;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded[0] !== 'search' || !Number.isSafeInteger(decoded[1]) || (decoded[1] as number) < 0) throw q.fail('cursor', 'invalid cursor');
  return decoded[1] as number;
}

function search<T extends { id: number }>(spec: Searchable<T>, extra: (q: Query) => (r: T) => boolean = () => () => true) {
  return (req: Req) => {
    const q = new Query(req.query, 'strict');
    const term = required(q, 'term').trim().toLowerCase();
    const exact = q.flag('exact_match') ?? false;
    // Pipedrive wants at least 2 characters, or 1 with exact_match.
    if (term.length < (exact ? 1 : 2)) throw q.fail('term', exact ? 'must not be empty' : 'must be at least 2 characters long');
    const fieldsRaw = q.str('fields');
    const fields = fieldsRaw === undefined ? spec.defaults : fieldsRaw.split(',').map((s) => s.trim());
    for (const f of fields) if (!(f in spec.fields)) throw q.fail('fields', `must be one of ${Object.keys(spec.fields).join(', ')}`);
    const limit = q.int('limit', { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT;
    const from = decodeCursor(q);
    const keep = extra(q);
    const { store } = req.world;
    const hits: { score: number; record: T; customHits: string[] }[] = [];
    for (const r of spec.live(store)) {
      if (!keep(r)) continue;
      let score = 0;
      let customHits: string[] = [];
      for (const f of fields) {
        const matched = spec.fields[f](r).filter((v) => (exact ? v.toLowerCase() === term : v.toLowerCase().includes(term)));
        if (matched.length === 0) continue;
        // A whole-value match ranks above a partial one; shorter values rank above longer ones.
        score = Math.max(score, ...matched.map((v) => (v.toLowerCase() === term ? 1 : term.length / v.length)));
        if (f === 'custom_fields') customHits = matched;
      }
      if (score > 0) hits.push({ score, record: r, customHits });
    }
    hits.sort((a, b) => b.score - a.score || a.record.id - b.record.id);
    const page = hits.slice(from, from + limit);
    const next = from + limit < hits.length ? encodeCursor(from + limit) : null;
    const reply = ok(
      JSON.stringify({ items: page.map((h) => ({ result_score: Math.round(h.score * 10000) / 10000, item: spec.item(store, h.record, h.customHits) })) }),
      { additional: { next_cursor: next } },
    );
    reply.records = page.length;
    return reply;
  };
}

const DEAL_STATUS = ['open', 'won', 'lost'] as const;

export const routes: Route[] = [
  {
    method: 'GET',
    version: 'v2',
    path: '/persons/search',
    cost: 'search',
    handler: search(PERSONS, (q) => {
      const org = q.int('organization_id', { min: 1 });
      return (p) => org === undefined || p.org_id === org;
    }),
  },
  { method: 'GET', version: 'v2', path: '/organizations/search', cost: 'search', handler: search(ORGANIZATIONS) },
  {
    method: 'GET',
    version: 'v2',
    path: '/deals/search',
    cost: 'search',
    handler: search(DEALS, (q) => {
      const person = q.int('person_id', { min: 1 });
      const org = q.int('organization_id', { min: 1 });
      const status = q.oneOf('status', DEAL_STATUS);
      return (d) => (person === undefined || d.person_id === person) && (org === undefined || d.org_id === org) && (status === undefined || d.status === status);
    }),
  },
];
