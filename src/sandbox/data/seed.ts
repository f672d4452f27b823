// The deterministic company: users, organizations, persons, deals, leads, activities, notes,
// pipelines and stages, generated from a seed. Each collection draws from its own random stream,
// so asking for more deals does not change the persons. Times fall in the months before the
// sandbox's start time, spread so that some records are inside recents' one-month reach and some
// outside it; ids increase with add_time, as auto-increment ids do.
import { CUSTOM_BY_KEY, customKey } from '../custom-fields.js';
import type { Activity, Contact, CustomValues, Deal, DealStatus, Lead, Note, Organization, Person, User } from '../model.js';
import { Prng, hash32 } from '../prng.js';
import { dateOnly, floorSecond } from '../time.js';
import type { World } from '../world.js';
import {
  ACTIVITY_SUBJECTS,
  CITIES,
  COMPETITORS,
  FIRST_NAMES,
  JOB_TITLES,
  LAST_NAMES,
  LEAD_SOURCES,
  LOST_REASONS,
  MAIL_DOMAINS,
  NOTE_TEXTS,
  ORG_FIRST,
  ORG_SECOND,
  ORG_SUFFIX,
  PRODUCTS,
  REGIONS,
  STREETS,
} from './words.js';

export interface SeedSizes {
  users: number;
  organizations: number;
  persons: number;
  deals: number;
  leads: number;
  activities: number;
  notes: number;
}

/** Enough persons for three pages at the default limit of 100. */
export const DEFAULT_SIZES: SeedSizes = { users: 5, organizations: 20, persons: 250, deals: 40, leads: 30, activities: 60, notes: 40 };

export const DEFAULT_COMPANY = { id: 5_100_001, name: 'Sandbox Company', domain: 'sandbox', country: 'EE' };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A time between `from` and `to` (epoch ms), on a whole second. */
const between = (rng: Prng, from: number, to: number): number => floorSecond(from + rng.next() * Math.max(0, to - from));

/** add_time/update_time pairs, sorted by add_time, so ids can follow creation order. */
function timeline(rng: Prng, n: number, now: number, oldestDays: number, newestMs: number): { add: number; update: number }[] {
  const adds = Array.from({ length: n }, () => between(rng, now - oldestDays * DAY, now - newestMs));
  adds.sort((a, b) => a - b);
  // Updates lean recent: a third of the records changed within the last month or so.
  return adds.map((add) => ({ add, update: rng.bool(0.35) ? between(rng, Math.max(add, now - 40 * DAY), now - MINUTE) : between(rng, add, Math.min(now - MINUTE, add + 60 * DAY)) }));
}

const slug = (s: string): string => s.toLowerCase().normalize('NFD').replace(/[^a-z0-9]+/g, '');

export function seedWorld(world: World, seed: number, sizes: SeedSizes): void {
  const { store } = world;
  const now = world.clock.now();
  const stream = (name: string): Prng => new Prng(hash32(seed, name));
  store.company = { ...DEFAULT_COMPANY };

  // Pipelines and stages: fixed, created a year before the data.
  const setupTime = floorSecond(now - 400 * DAY);
  const pipelines: [string, [string, number][]][] = [
    ['Sales', [['Qualified', 10], ['Contact made', 25], ['Demo scheduled', 40], ['Proposal made', 60], ['Negotiations started', 80]]],
    ['Partnerships', [['Intro', 20], ['Evaluation', 50], ['Agreement', 75], ['Launch', 90]]],
  ];
  let stageId = 1;
  pipelines.forEach(([name, stages], i) => {
    store.pipelines.insert({ id: i + 1, name, order_nr: i + 1, active: true, deal_probability: true, add_time: setupTime, update_time: setupTime, deleted: false });
    stages.forEach(([stageName, probability], j) => {
      store.stages.insert({
        id: stageId++,
        name: stageName,
        order_nr: j + 1,
        pipeline_id: i + 1,
        deal_probability: probability,
        rotten_flag: j === 0,
        rotten_days: j === 0 ? 30 : null,
        add_time: setupTime,
        update_time: setupTime,
        deleted: false,
      });
    });
  });

  // Lead labels.
  const labelRng = stream('leadLabels');
  for (const [name, color] of [['Hot', 'red'], ['Warm', 'yellow'], ['Cold', 'blue']] as const) {
    store.leadLabels.insert({ id: labelRng.uuid(), name, color, add_time: setupTime, update_time: setupTime });
  }
  const leadLabelIds = store.leadLabels.all().map((l) => l.id);

  // Users: user 1 owns the API token and is an admin.
  const userRng = stream('users');
  const userCount = Math.max(1, sizes.users);
  for (let i = 1; i <= userCount; i++) {
    const first = FIRST_NAMES[(i * 7 + (seed % FIRST_NAMES.length)) % FIRST_NAMES.length];
    const last = LAST_NAMES[(i * 11 + (seed % LAST_NAMES.length)) % LAST_NAMES.length];
    const created = between(userRng, now - 700 * DAY, now - 450 * DAY);
    const user: User = {
      id: i,
      name: `${first} ${last}`,
      email: `${slug(first)}.${slug(last)}@${store.company.domain}.example.com`,
      phone: userRng.bool(0.5) ? `+372 5${userRng.int(100, 999)} ${userRng.int(1000, 9999)}` : null,
      default_currency: userRng.pick(['EUR', 'EUR', 'USD']),
      locale: 'en_US',
      timezone_name: 'Europe/Tallinn',
      timezone_offset: '+02:00',
      active_flag: true,
      is_admin: i === 1,
      role_id: i === 1 ? 1 : 2,
      created,
      modified: between(userRng, created, now - 45 * DAY),
      last_login: between(userRng, now - 5 * DAY, now - HOUR),
    };
    store.users.insert(user);
  }
  const userIds = store.users.all().map((u) => u.id);

  // Organizations.
  const orgRng = stream('organizations');
  const orgKeys = { industry: customKey('organization', 'Industry'), employees: customKey('organization', 'Employees'), region: customKey('organization', 'Region') };
  const industry = CUSTOM_BY_KEY.organization.get(orgKeys.industry)!.options!;
  timeline(orgRng, sizes.organizations, now, 320, 2 * DAY).forEach((t, i) => {
    const name = `${orgRng.pick(ORG_FIRST)} ${orgRng.pick(ORG_SECOND)} ${orgRng.pick(ORG_SUFFIX)}`;
    const custom: CustomValues = {};
    if (orgRng.bool(0.8)) custom[orgKeys.industry] = orgRng.pick(industry).id as number;
    if (orgRng.bool(0.6)) custom[orgKeys.employees] = orgRng.int(2, 5000);
    if (orgRng.bool(0.5)) custom[orgKeys.region] = orgRng.pick(REGIONS);
    const org: Organization = {
      id: i + 1,
      name,
      owner_id: orgRng.pick(userIds),
      address: orgRng.bool(0.7) ? `${orgRng.int(1, 200)} ${orgRng.pick(STREETS)}, ${orgRng.pick(CITIES)}` : null,
      label: null,
      label_ids: [],
      visible_to: 3,
      add_time: t.add,
      update_time: t.update,
      deleted: false,
      custom,
    };
    if (orgRng.bool(0.4)) {
      org.label = orgRng.int(5, 8);
      org.label_ids = [org.label];
    }
    store.organizations.insert(org);
  });
  const orgs = store.organizations.all();

  // Persons.
  const personRng = stream('persons');
  const pk = {
    source: customKey('person', 'Lead source'),
    segment: customKey('person', 'Segment'),
    ltv: customKey('person', 'Lifetime value'),
    first: customKey('person', 'First contact'),
    interests: customKey('person', 'Interests'),
  };
  const segments = CUSTOM_BY_KEY.person.get(pk.segment)!.options!;
  const interests = CUSTOM_BY_KEY.person.get(pk.interests)!.options!;
  timeline(personRng, sizes.persons, now, 200, HOUR).forEach((t, i) => {
    const first = personRng.pick(FIRST_NAMES);
    const last = personRng.pick(LAST_NAMES);
    const org = orgs.length && personRng.bool(0.8) ? personRng.pick(orgs) : undefined;
    const emails: Contact[] = [];
    if (personRng.bool(0.85)) {
      const domain = org ? `${slug(org.name.split(' ')[0])}.example.com` : personRng.pick(MAIL_DOMAINS);
      emails.push({ value: `${slug(first)}.${slug(last)}${i + 1}@${domain}`, primary: true, label: 'work' });
      if (personRng.bool(0.15)) emails.push({ value: `${slug(first)}${i + 1}@${personRng.pick(MAIL_DOMAINS)}`, primary: false, label: 'home' });
    }
    const phones: Contact[] = [];
    if (personRng.bool(0.6)) phones.push({ value: `+1 555 0${personRng.int(100, 199)} ${personRng.int(1000, 9999)}`, primary: true, label: personRng.pick(['work', 'mobile', 'home']) });
    const custom: CustomValues = {};
    if (personRng.bool(0.7)) custom[pk.source] = personRng.pick(LEAD_SOURCES);
    if (personRng.bool(0.8)) custom[pk.segment] = personRng.pick(segments).id as number;
    if (personRng.bool(0.5)) custom[pk.ltv] = personRng.int(100, 100_000);
    if (personRng.bool(0.4)) custom[pk.first] = dateOnly(between(personRng, t.add - 60 * DAY, t.add));
    if (personRng.bool(0.3)) {
      const picked = personRng.some(interests, 3).map((o) => o.id as number);
      if (picked.length) custom[pk.interests] = picked;
    }
    const label = personRng.bool(0.5) ? personRng.int(1, 4) : null;
    const person: Person = {
      id: i + 1,
      name: `${first} ${last}`,
      first_name: first,
      last_name: last,
      emails,
      phones,
      owner_id: personRng.pick(userIds),
      org_id: org?.id ?? null,
      label,
      label_ids: label === null ? [] : [label],
      visible_to: 3,
      job_title: personRng.bool(0.6) ? personRng.pick(JOB_TITLES) : null,
      add_time: t.add,
      update_time: t.update,
      deleted: false,
      custom,
    };
    store.persons.insert(person);
  });
  const persons = store.persons.all();

  // Deals.
  const dealRng = stream('deals');
  const dk = { contract: customKey('deal', 'Contract type'), seats: customKey('deal', 'Seats'), competitor: customKey('deal', 'Competitor') };
  const contracts = CUSTOM_BY_KEY.deal.get(dk.contract)!.options!;
  const stages = store.stages.all();
  timeline(dealRng, sizes.deals, now, 150, 3 * HOUR).forEach((t, i) => {
    const person = persons.length && dealRng.bool(0.9) ? dealRng.pick(persons) : undefined;
    const orgId = person?.org_id ?? (orgs.length && dealRng.bool(0.5) ? dealRng.pick(orgs).id : null);
    const stage = dealRng.pick(stages);
    const roll = dealRng.next();
    const status: DealStatus = roll < 0.6 ? 'open' : roll < 0.85 ? 'won' : 'lost';
    const closed = status === 'open' ? null : between(dealRng, t.add, t.update);
    const product = dealRng.pick(PRODUCTS);
    const custom: CustomValues = {};
    if (dealRng.bool(0.7)) custom[dk.contract] = dealRng.pick(contracts).id as number;
    if (dealRng.bool(0.5)) custom[dk.seats] = dealRng.int(1, 250);
    if (dealRng.bool(0.3)) custom[dk.competitor] = dealRng.pick(COMPETITORS);
    const deal: Deal = {
      id: i + 1,
      title: `${orgId ? store.organizations.get(orgId)!.name.split(' ').slice(0, 2).join(' ') : (person?.name ?? 'New customer')} – ${product}`,
      value: dealRng.int(5, 500) * 100,
      currency: dealRng.pick(['EUR', 'EUR', 'USD']),
      owner_id: dealRng.pick(userIds),
      creator_user_id: dealRng.pick(userIds),
      person_id: person?.id ?? null,
      org_id: orgId,
      pipeline_id: stage.pipeline_id,
      stage_id: stage.id,
      status,
      probability: null,
      lost_reason: status === 'lost' ? dealRng.pick(LOST_REASONS) : null,
      expected_close_date: dealRng.bool(0.6) ? dateOnly(between(dealRng, now - 30 * DAY, now + 120 * DAY)) : null,
      visible_to: 3,
      label_ids: dealRng.bool(0.3) ? [dealRng.int(9, 11)] : [],
      add_time: t.add,
      update_time: t.update,
      stage_change_time: dealRng.bool(0.6) ? between(dealRng, t.add, t.update) : null,
      won_time: status === 'won' ? closed : null,
      lost_time: status === 'lost' ? closed : null,
      close_time: closed,
      deleted: false,
      custom,
    };
    store.deals.insert(deal);
  });
  const deals = store.deals.all();

  // Leads: UUID ids and millisecond times.
  const leadRng = stream('leads');
  timeline(leadRng, sizes.leads, now, 120, HOUR).forEach((t) => {
    const person = persons.length && leadRng.bool(0.7) ? leadRng.pick(persons) : undefined;
    const orgId = person ? person.org_id : orgs.length ? leadRng.pick(orgs).id : null;
    if (!person && orgId === null) return;
    const custom: CustomValues = {};
    if (leadRng.bool(0.3)) custom[dk.contract] = leadRng.pick(contracts).id as number;
    const jitter = (ms: number): number => ms + leadRng.int(0, 999);
    const source = leadRng.pick(['Manually created', 'Web forms', 'Prospector', 'API']);
    const lead: Lead = {
      id: leadRng.uuid(),
      title: `${person?.name ?? store.organizations.get(orgId!)!.name} – ${leadRng.pick(PRODUCTS)}`,
      owner_id: leadRng.pick(userIds),
      creator_id: leadRng.pick(userIds),
      label_ids: leadRng.some(leadLabelIds, 2),
      person_id: person?.id ?? null,
      organization_id: orgId,
      source_name: source,
      origin: source === 'API' ? 'API' : source === 'Web forms' ? 'WebForms' : source === 'Prospector' ? 'Prospector' : 'ManuallyCreated',
      origin_id: null,
      channel: null,
      channel_id: null,
      is_archived: leadRng.bool(0.15),
      was_seen: leadRng.bool(0.5),
      value: leadRng.bool(0.6) ? { amount: leadRng.int(1, 100) * 250, currency: leadRng.pick(['EUR', 'USD']) } : null,
      expected_close_date: leadRng.bool(0.4) ? dateOnly(between(leadRng, now + 10 * DAY, now + 120 * DAY)) : null,
      visible_to: '3',
      add_time: jitter(t.add),
      update_time: jitter(t.update),
      custom,
    };
    store.leads.insert(lead);
  });
  const leads = store.leads.all();

  // Activities.
  const actRng = stream('activities');
  const types = Object.keys(ACTIVITY_SUBJECTS);
  timeline(actRng, sizes.activities, now, 120, HOUR).forEach((t, i) => {
    const type = actRng.pick(types);
    const deal = deals.length && actRng.bool(0.5) ? actRng.pick(deals) : undefined;
    const person = deal?.person_id != null ? store.persons.get(deal.person_id) : persons.length && actRng.bool(0.8) ? actRng.pick(persons) : undefined;
    const lead = !deal && leads.length && actRng.bool(0.15) ? actRng.pick(leads) : undefined;
    const due = between(actRng, now - 60 * DAY, now + 30 * DAY);
    const done = due < now ? actRng.bool(0.8) : actRng.bool(0.05);
    const activity: Activity = {
      id: i + 1,
      subject: actRng.pick(ACTIVITY_SUBJECTS[type]),
      type,
      owner_id: actRng.pick(userIds),
      creator_user_id: actRng.pick(userIds),
      done,
      due_date: dateOnly(due),
      due_time: actRng.bool(0.7) ? `${String(actRng.int(8, 17)).padStart(2, '0')}:${actRng.pick(['00', '15', '30', '45'])}` : null,
      duration: actRng.bool(0.6) ? actRng.pick(['00:15', '00:30', '01:00']) : null,
      busy: type === 'meeting',
      deal_id: deal?.id ?? null,
      person_id: person?.id ?? null,
      org_id: deal?.org_id ?? person?.org_id ?? null,
      lead_id: lead?.id ?? null,
      note: actRng.bool(0.3) ? actRng.pick(NOTE_TEXTS) : null,
      public_description: null,
      location: type === 'meeting' && actRng.bool(0.5) ? actRng.pick(CITIES) : null,
      add_time: t.add,
      update_time: t.update,
      marked_as_done_time: done ? between(actRng, t.add, t.update) : null,
      deleted: false,
    };
    store.activities.insert(activity);
  });

  // Notes.
  const noteRng = stream('notes');
  timeline(noteRng, sizes.notes, now, 150, HOUR).forEach((t, i) => {
    const roll = noteRng.next();
    const deal = roll < 0.3 && deals.length ? noteRng.pick(deals) : undefined;
    const person = !deal && roll < 0.9 && persons.length ? noteRng.pick(persons) : undefined;
    const org = !deal && !person && orgs.length ? noteRng.pick(orgs) : undefined;
    if (!deal && !person && !org) return;
    const note: Note = {
      id: i + 1,
      content: `<p>${noteRng.pick(NOTE_TEXTS)}</p>`,
      user_id: noteRng.pick(userIds),
      deal_id: deal?.id ?? null,
      person_id: person?.id ?? deal?.person_id ?? null,
      org_id: org?.id ?? person?.org_id ?? deal?.org_id ?? null,
      lead_id: null,
      pinned_to_deal_flag: false,
      pinned_to_person_flag: false,
      pinned_to_organization_flag: false,
      pinned_to_lead_flag: false,
      add_time: t.add,
      update_time: t.update,
      deleted: false,
    };
    store.notes.insert(note);
  });
}
