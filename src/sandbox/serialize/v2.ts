// v2 record shapes: RFC 3339 times, plain integer owner_id / org_id, persons with emails / phones,
// custom fields nested under `custom_fields` (enums as option ids, sets as arrays of them).
import { customFields, type FieldDef } from '../custom-fields.js';
import type { Activity, Contact, CustomValues, Deal, FieldEntity, Organization, Person, Pipeline, Stage } from '../model.js';
import { rfc3339 } from '../time.js';

type Json = Record<string, unknown>;

const t = (ms: number | null): string | null => (ms === null ? null : rfc3339(ms));

function customV2(entity: FieldEntity, values: CustomValues): Json {
  const out: Json = {};
  for (const def of customFields(entity)) out[def.key] = values[def.key] ?? null;
  return out;
}

const contacts = (list: Contact[]): Json[] => list.map((c) => ({ value: c.value, primary: c.primary, label: c.label }));

export function personV2(p: Person): Json {
  return {
    id: p.id,
    name: p.name,
    first_name: p.first_name,
    last_name: p.last_name,
    owner_id: p.owner_id,
    org_id: p.org_id,
    add_time: rfc3339(p.add_time),
    update_time: rfc3339(p.update_time),
    emails: contacts(p.emails),
    phones: contacts(p.phones),
    is_deleted: p.deleted,
    visible_to: p.visible_to,
    label_ids: p.label_ids,
    picture_id: null,
    job_title: p.job_title,
    custom_fields: customV2('person', p.custom),
  };
}

export function organizationV2(o: Organization): Json {
  return {
    id: o.id,
    name: o.name,
    owner_id: o.owner_id,
    add_time: rfc3339(o.add_time),
    update_time: rfc3339(o.update_time),
    is_deleted: o.deleted,
    visible_to: o.visible_to,
    address: o.address === null ? null : { value: o.address },
    label_ids: o.label_ids,
    custom_fields: customV2('organization', o.custom),
  };
}

export function dealV2(d: Deal): Json {
  return {
    id: d.id,
    title: d.title,
    owner_id: d.owner_id,
    person_id: d.person_id,
    org_id: d.org_id,
    pipeline_id: d.pipeline_id,
    stage_id: d.stage_id,
    value: d.value,
    currency: d.currency,
    add_time: rfc3339(d.add_time),
    update_time: rfc3339(d.update_time),
    stage_change_time: t(d.stage_change_time),
    is_deleted: d.deleted,
    is_archived: false,
    status: d.status,
    probability: d.probability,
    lost_reason: d.lost_reason,
    visible_to: d.visible_to,
    close_time: t(d.close_time),
    won_time: t(d.won_time),
    lost_time: t(d.lost_time),
    expected_close_date: d.expected_close_date,
    label_ids: d.label_ids,
    origin: 'API',
    origin_id: null,
    channel: null,
    channel_id: null,
    source_lead_id: null,
    custom_fields: customV2('deal', d.custom),
  };
}

export function activityV2(a: Activity): Json {
  return {
    id: a.id,
    subject: a.subject,
    type: a.type,
    owner_id: a.owner_id,
    creator_user_id: a.creator_user_id,
    is_deleted: a.deleted,
    add_time: rfc3339(a.add_time),
    update_time: rfc3339(a.update_time),
    deal_id: a.deal_id,
    lead_id: a.lead_id,
    person_id: a.person_id,
    org_id: a.org_id,
    project_id: null,
    due_date: a.due_date,
    due_time: a.due_time,
    duration: a.duration,
    busy: a.busy,
    done: a.done,
    marked_as_done_time: t(a.marked_as_done_time),
    location: a.location === null ? null : { value: a.location },
    participants: a.person_id === null ? [] : [{ person_id: a.person_id, primary: true }],
    attendees: [],
    conference_meeting_client: null,
    conference_meeting_url: null,
    conference_meeting_id: null,
    public_description: a.public_description,
    priority: null,
    note: a.note,
  };
}

export function pipelineV2(p: Pipeline): Json {
  return {
    id: p.id,
    name: p.name,
    order_nr: p.order_nr,
    is_deleted: p.deleted,
    is_deal_probability_enabled: p.deal_probability,
    add_time: rfc3339(p.add_time),
    update_time: rfc3339(p.update_time),
  };
}

export function stageV2(s: Stage): Json {
  return {
    id: s.id,
    order_nr: s.order_nr,
    name: s.name,
    is_deleted: s.deleted,
    deal_probability: s.deal_probability,
    pipeline_id: s.pipeline_id,
    is_deal_rot_enabled: s.rotten_flag,
    days_to_rotten: s.rotten_days,
    add_time: rfc3339(s.add_time),
    update_time: rfc3339(s.update_time),
  };
}

/**
 * A field definition as the v2 fields lists return it. `ui_visibility`, `important_fields` and
 * `required_fields` come only when asked for with include_fields.
 */
export function fieldV2(def: FieldDef, include: ReadonlySet<string>): Json {
  return {
    field_name: def.name,
    field_code: def.key,
    field_type: def.field_type,
    options: def.options ? def.options.map((o) => ({ id: o.id, label: o.label, color: null })) : null,
    subfields: null,
    is_custom_field: def.custom,
    is_optional_response_field: false,
    ...(include.has('ui_visibility') ? { ui_visibility: { add_visible_flag: def.custom || def.mandatory === true, details_visible_flag: true } } : {}),
    ...(include.has('important_fields') ? { important_fields: { enabled: false, stage_ids: [] } } : {}),
    ...(include.has('required_fields') ? { required_fields: { enabled: def.mandatory === true } } : {}),
  };
}
