// v1 record shapes (PIPEDRIVE.md, "Record shapes (v1)"): "YYYY-MM-DD HH:MM:SS" UTC times, owners
// and organizations embedded as objects with `value`, custom fields at the top level under their
// hash keys, and the old quirks clients have to live with (an empty email is [{value:"",primary:true}]).
import { FIELD_DEFS, customFields, v1CustomValue, type FieldDef } from '../custom-fields.js';
import type { Activity, Contact, CustomValues, Deal, FieldEntity, Lead, LeadLabel, Note, Organization, Person, Pipeline, Stage, User } from '../model.js';
import type { Store } from '../store.js';
import { isoMillis, v1Time } from '../time.js';
import { NO_COUNTS, relations, type Counts } from './relations.js';

type Json = Record<string, unknown>;

const t = (ms: number | null): string | null => (ms === null ? null : v1Time(ms));

/**
 * A user embedded in a v1 record. Pipedrive's descriptions type `has_pic` as an integer (0/1) in
 * persons and organizations but as a boolean in deals: `picFlag` says which.
 */
export function userEmbed(store: Store, id: number, picFlag: 'integer' | 'boolean' = 'integer'): Json | null {
  const u = store.users.get(id);
  if (!u) return null;
  return { id: u.id, name: u.name, email: u.email, has_pic: picFlag === 'boolean' ? false : 0, pic_hash: null, active_flag: u.active_flag, value: u.id };
}

function orgEmbed(store: Store, id: number | null): Json | null {
  if (id === null) return null;
  const o = store.organizations.get(id);
  if (!o) return null;
  const counts = relations(store).org.get(o.id) ?? NO_COUNTS;
  return {
    name: o.name,
    people_count: counts.people,
    owner_id: o.owner_id,
    address: o.address,
    active_flag: !o.deleted,
    cc_email: ccEmail(store),
    owner_name: store.users.get(o.owner_id)?.name ?? null,
    value: o.id,
  };
}

function personEmbed(store: Store, id: number | null): Json | null {
  if (id === null) return null;
  const p = store.persons.get(id);
  if (!p) return null;
  return { active_flag: !p.deleted, name: p.name, email: contacts(p.emails), phone: contacts(p.phones), owner_id: p.owner_id, value: p.id };
}

/** v1 never returns an empty contact list: "no email" is one empty primary entry. */
function contacts(list: Contact[]): Json[] {
  if (list.length === 0) return [{ value: '', primary: true }];
  return list.map((c) => ({ label: c.label, value: c.value, primary: c.primary }));
}

const ccEmail = (store: Store, suffix = ''): string => `${store.company.domain}${suffix}@pipedrivemail.com`;

function custom(entity: FieldEntity, values: CustomValues, target: Json, onlySet = false): Json {
  for (const def of customFields(entity)) {
    const v = values[def.key] ?? null;
    if (onlySet && v === null) continue;
    target[def.key] = v1CustomValue(def, v);
  }
  return target;
}

function activityDates(c: Readonly<Counts>): Json {
  return {
    next_activity_date: c.next?.due_date ?? null,
    next_activity_time: c.next?.due_time ?? null,
    next_activity_id: c.next?.id ?? null,
    last_activity_id: c.last?.id ?? null,
    last_activity_date: c.last?.due_date ?? null,
  };
}

/**
 * A person as /v1/recents carries it ("mergePersonItem" in Pipedrive's description): the list
 * record, but with `owner_id` and `org_id` as plain ids rather than embedded objects.
 */
export function personRecentV1(store: Store, p: Person): Json {
  return { ...personV1(store, p), owner_id: p.owner_id, org_id: p.org_id };
}

/** A deal as /v1/recents carries it ("DealStrict"): users, person and organization as plain ids. */
export function dealRecentV1(store: Store, d: Deal): Json {
  return { ...dealV1(store, d), creator_user_id: d.creator_user_id, user_id: d.owner_id, person_id: d.person_id, org_id: d.org_id };
}

export function personV1(store: Store, p: Person): Json {
  const c = relations(store).person.get(p.id) ?? NO_COUNTS;
  const closed = c.won_deals + c.lost_deals;
  return custom('person', p.custom, {
    id: p.id,
    company_id: store.company.id,
    owner_id: userEmbed(store, p.owner_id),
    org_id: orgEmbed(store, p.org_id),
    name: p.name,
    first_name: p.first_name,
    last_name: p.last_name,
    open_deals_count: c.open_deals,
    related_open_deals_count: 0,
    closed_deals_count: closed,
    related_closed_deals_count: 0,
    participant_open_deals_count: 0,
    participant_closed_deals_count: 0,
    email_messages_count: 0,
    activities_count: c.activities,
    done_activities_count: c.done_activities,
    undone_activities_count: c.activities - c.done_activities,
    files_count: 0,
    notes_count: c.notes,
    followers_count: 1,
    won_deals_count: c.won_deals,
    related_won_deals_count: 0,
    lost_deals_count: c.lost_deals,
    related_lost_deals_count: 0,
    active_flag: !p.deleted,
    phone: contacts(p.phones),
    email: contacts(p.emails),
    first_char: p.name.charAt(0).toLowerCase(),
    update_time: v1Time(p.update_time),
    delete_time: p.deleted ? v1Time(p.update_time) : null,
    add_time: v1Time(p.add_time),
    visible_to: String(p.visible_to),
    picture_id: null,
    ...activityDates(c),
    last_incoming_mail_time: null,
    last_outgoing_mail_time: null,
    label: p.label,
    label_ids: p.label_ids,
    job_title: p.job_title,
    org_name: p.org_id === null ? null : (store.organizations.get(p.org_id)?.name ?? null),
    owner_name: store.users.get(p.owner_id)?.name ?? null,
    cc_email: ccEmail(store),
  });
}

export function organizationV1(store: Store, o: Organization): Json {
  const c = relations(store).org.get(o.id) ?? NO_COUNTS;
  return custom('organization', o.custom, {
    id: o.id,
    company_id: store.company.id,
    owner_id: userEmbed(store, o.owner_id),
    name: o.name,
    open_deals_count: c.open_deals,
    related_open_deals_count: 0,
    closed_deals_count: c.won_deals + c.lost_deals,
    related_closed_deals_count: 0,
    email_messages_count: 0,
    people_count: c.people,
    activities_count: c.activities,
    done_activities_count: c.done_activities,
    undone_activities_count: c.activities - c.done_activities,
    files_count: 0,
    notes_count: c.notes,
    followers_count: 1,
    won_deals_count: c.won_deals,
    related_won_deals_count: 0,
    lost_deals_count: c.lost_deals,
    related_lost_deals_count: 0,
    active_flag: !o.deleted,
    picture_id: null,
    country_code: null,
    first_char: o.name.charAt(0).toLowerCase(),
    update_time: v1Time(o.update_time),
    delete_time: o.deleted ? v1Time(o.update_time) : null,
    add_time: v1Time(o.add_time),
    visible_to: String(o.visible_to),
    ...activityDates(c),
    label: o.label,
    label_ids: o.label_ids,
    address: o.address,
    address_formatted_address: o.address,
    owner_name: store.users.get(o.owner_id)?.name ?? null,
    cc_email: ccEmail(store),
  });
}

const money = (value: number, currency: string): string => {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 2, minimumFractionDigits: 0 }).format(value);
  } catch {
    return `${value} ${currency}`;
  }
};

export function dealV1(store: Store, d: Deal): Json {
  const c = relations(store).deal.get(d.id) ?? NO_COUNTS;
  const stage = store.stages.get(d.stage_id);
  const probability = d.probability ?? stage?.deal_probability ?? 100;
  const weighted = Math.round(d.value * probability) / 100;
  return custom('deal', d.custom, {
    id: d.id,
    creator_user_id: userEmbed(store, d.creator_user_id, 'boolean'),
    user_id: userEmbed(store, d.owner_id, 'boolean'),
    person_id: personEmbed(store, d.person_id),
    org_id: orgEmbed(store, d.org_id),
    stage_id: d.stage_id,
    title: d.title,
    value: d.value,
    currency: d.currency,
    add_time: v1Time(d.add_time),
    update_time: v1Time(d.update_time),
    stage_change_time: t(d.stage_change_time),
    active: d.status === 'open' && !d.deleted,
    deleted: d.deleted,
    status: d.deleted ? 'deleted' : d.status,
    probability: d.probability,
    ...activityDates(c),
    lost_reason: d.lost_reason,
    visible_to: String(d.visible_to),
    close_time: t(d.close_time),
    pipeline_id: d.pipeline_id,
    won_time: t(d.won_time),
    first_won_time: t(d.won_time),
    lost_time: t(d.lost_time),
    products_count: 0,
    files_count: 0,
    notes_count: c.notes,
    followers_count: 1,
    email_messages_count: 0,
    activities_count: c.activities,
    done_activities_count: c.done_activities,
    undone_activities_count: c.activities - c.done_activities,
    participants_count: d.person_id === null ? 0 : 1,
    expected_close_date: d.expected_close_date,
    last_incoming_mail_time: null,
    last_outgoing_mail_time: null,
    label: d.label_ids.length ? d.label_ids.join(',') : null,
    stage_order_nr: stage?.order_nr ?? null,
    person_name: d.person_id === null ? null : (store.persons.get(d.person_id)?.name ?? null),
    org_name: d.org_id === null ? null : (store.organizations.get(d.org_id)?.name ?? null),
    next_activity_subject: c.next?.subject ?? null,
    next_activity_type: c.next?.type ?? null,
    next_activity_duration: c.next?.duration ?? null,
    next_activity_note: c.next?.note ?? null,
    formatted_value: money(d.value, d.currency),
    weighted_value: weighted,
    formatted_weighted_value: money(weighted, d.currency),
    weighted_value_currency: d.currency,
    rotten_time: null,
    owner_name: store.users.get(d.owner_id)?.name ?? null,
    cc_email: ccEmail(store, `+deal${d.id}`),
    org_hidden: false,
    person_hidden: false,
  });
}

export function leadV1(store: Store, l: Lead): Json {
  return custom(
    'deal',
    l.custom,
    {
      id: l.id,
      title: l.title,
      owner_id: l.owner_id,
      creator_id: l.creator_id,
      label_ids: l.label_ids,
      person_id: l.person_id,
      organization_id: l.organization_id,
      source_name: l.source_name,
      origin: l.origin,
      origin_id: l.origin_id,
      channel: l.channel,
      channel_id: l.channel_id,
      source_deal_id: null,
      is_archived: l.is_archived,
      was_seen: l.was_seen,
      value: l.value,
      expected_close_date: l.expected_close_date,
      next_activity_id: nextLeadActivity(store, l.id),
      add_time: isoMillis(l.add_time),
      update_time: isoMillis(l.update_time),
      visible_to: l.visible_to,
      cc_email: ccEmail(store, `+lead${l.id.slice(0, 8)}`),
    },
    // "If a custom field's value hasn't been set for the lead, it won't appear in the response."
    true,
  );
}

function nextLeadActivity(store: Store, leadId: string): number | null {
  const byLead = store.view('nextLeadActivity', () => {
    const m = new Map<string, Activity>();
    for (const a of store.activities.all()) {
      if (a.deleted || a.done || a.lead_id === null) continue;
      const cur = m.get(a.lead_id);
      if (!cur || (a.due_date ?? '9999') < (cur.due_date ?? '9999')) m.set(a.lead_id, a);
    }
    return m;
  });
  return byLead.get(leadId)?.id ?? null;
}

export function leadLabelV1(l: LeadLabel): Json {
  return { id: l.id, name: l.name, color: l.color, add_time: isoMillis(l.add_time), update_time: isoMillis(l.update_time) };
}

export function activityV1(store: Store, a: Activity): Json {
  const owner = store.users.get(a.owner_id);
  return {
    id: a.id,
    company_id: store.company.id,
    user_id: a.owner_id,
    done: a.done,
    type: a.type,
    reference_type: null,
    reference_id: null,
    conference_meeting_client: null,
    conference_meeting_url: null,
    due_date: a.due_date,
    // v1 uses "" rather than null for an activity without a time or duration.
    due_time: a.due_time ?? '',
    duration: a.duration ?? '',
    busy_flag: a.busy,
    add_time: v1Time(a.add_time),
    marked_as_done_time: a.marked_as_done_time === null ? '' : v1Time(a.marked_as_done_time),
    last_notification_time: null,
    last_notification_user_id: null,
    notification_language_id: null,
    subject: a.subject,
    public_description: a.public_description,
    calendar_sync_include_context: null,
    location: a.location,
    org_id: a.org_id,
    person_id: a.person_id,
    deal_id: a.deal_id,
    lead_id: a.lead_id,
    project_id: null,
    active_flag: !a.deleted,
    update_time: v1Time(a.update_time),
    update_user_id: null,
    source_timezone: null,
    note: a.note,
    created_by_user_id: a.creator_user_id,
    participants: a.person_id === null ? null : [{ person_id: a.person_id, primary_flag: true }],
    attendees: null,
    org_name: a.org_id === null ? null : (store.organizations.get(a.org_id)?.name ?? null),
    person_name: a.person_id === null ? null : (store.persons.get(a.person_id)?.name ?? null),
    deal_title: a.deal_id === null ? null : (store.deals.get(a.deal_id)?.title ?? null),
    lead_title: a.lead_id === null ? null : (store.leads.get(a.lead_id)?.title ?? null),
    owner_name: owner?.name ?? null,
    assigned_to_user_id: a.owner_id,
    type_name: a.type.charAt(0).toUpperCase() + a.type.slice(1),
  };
}

export function noteV1(store: Store, n: Note): Json {
  const u = store.users.get(n.user_id);
  const org = n.org_id === null ? undefined : store.organizations.get(n.org_id);
  const person = n.person_id === null ? undefined : store.persons.get(n.person_id);
  const deal = n.deal_id === null ? undefined : store.deals.get(n.deal_id);
  const lead = n.lead_id === null ? undefined : store.leads.get(n.lead_id);
  return {
    id: n.id,
    user_id: n.user_id,
    deal_id: n.deal_id,
    person_id: n.person_id,
    org_id: n.org_id,
    lead_id: n.lead_id,
    content: n.content,
    add_time: v1Time(n.add_time),
    update_time: v1Time(n.update_time),
    active_flag: !n.deleted,
    pinned_to_deal_flag: n.pinned_to_deal_flag,
    pinned_to_person_flag: n.pinned_to_person_flag,
    pinned_to_organization_flag: n.pinned_to_organization_flag,
    pinned_to_lead_flag: n.pinned_to_lead_flag,
    last_update_user_id: null,
    organization: org ? { name: org.name } : null,
    person: person ? { name: person.name } : null,
    deal: deal ? { title: deal.title } : null,
    lead: lead ? { title: lead.title } : null,
    user: u ? { email: u.email, name: u.name, icon_url: null, is_you: u.id === store.tokenUserId } : null,
  };
}

export function pipelineV1(p: Pipeline): Json {
  return {
    id: p.id,
    name: p.name,
    url_title: p.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''),
    order_nr: p.order_nr,
    active: p.active && !p.deleted,
    deal_probability: p.deal_probability,
    add_time: v1Time(p.add_time),
    update_time: v1Time(p.update_time),
    selected: false,
  };
}

export function stageV1(store: Store, s: Stage): Json {
  const p = store.pipelines.get(s.pipeline_id);
  return {
    id: s.id,
    order_nr: s.order_nr,
    name: s.name,
    active_flag: !s.deleted,
    deal_probability: s.deal_probability,
    pipeline_id: s.pipeline_id,
    rotten_flag: s.rotten_flag,
    rotten_days: s.rotten_days,
    add_time: v1Time(s.add_time),
    update_time: v1Time(s.update_time),
    pipeline_name: p?.name ?? null,
    pipeline_deal_probability: p?.deal_probability ?? false,
  };
}

export function userV1(store: Store, u: User): Json {
  return {
    id: u.id,
    name: u.name,
    default_currency: u.default_currency,
    locale: u.locale,
    lang: 1,
    email: u.email,
    phone: u.phone,
    activated: true,
    last_login: v1Time(u.last_login),
    created: v1Time(u.created),
    modified: v1Time(u.modified),
    has_created_company: u.id === 1,
    access: [
      { app: 'sales', admin: u.is_admin, permission_set_id: u.is_admin ? '0ef4d6ff-0a3a-4a8b-9a3e-5a1ce0000001' : '0ef4d6ff-0a3a-4a8b-9a3e-5a1ce0000002' },
      { app: 'global', admin: u.is_admin, permission_set_id: '0ef4d6ff-0a3a-4a8b-9a3e-5a1ce0000003' },
    ],
    active_flag: u.active_flag,
    timezone_name: u.timezone_name,
    timezone_offset: u.timezone_offset,
    role_id: u.role_id,
    icon_url: null,
    is_you: u.id === store.tokenUserId,
    is_admin: u.is_admin ? 1 : 0,
    is_deleted: false,
  };
}

export function fieldV1(def: FieldDef, order: number, fixedTime: number): Json {
  const created = v1Time(fixedTime);
  return {
    id: def.id,
    key: def.key,
    name: def.name,
    order_nr: order,
    field_type: def.field_type,
    json_column_flag: false,
    add_time: created,
    update_time: created,
    last_updated_by_user_id: def.custom ? 1 : null,
    created_by_user_id: def.custom ? 1 : null,
    active_flag: true,
    edit_flag: def.custom,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: def.custom || def.mandatory === true,
    important_flag: false,
    bulk_edit_allowed: def.key !== 'id',
    searchable_flag: def.field_type === 'varchar',
    filtering_allowed: true,
    sortable_flag: true,
    mandatory_flag: def.mandatory === true,
    ...(def.options ? { options: def.options } : {}),
  };
}

export const fieldDefs = (entity: FieldEntity): FieldDef[] => FIELD_DEFS[entity];
