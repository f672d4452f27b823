// The records as the sandbox keeps them: one neutral shape per entity, with epoch-ms times and plain
// ids. v1 and v2 are two views of the same record (serialize/v1.ts, serialize/v2.ts), as they are
// two views of the same database at Pipedrive.

/** A custom field's stored value: text, option id (enum), option ids (set), number or date. */
export type CustomValue = string | number | number[] | null;
export type CustomValues = Record<string, CustomValue>;

export interface Contact {
  value: string;
  primary: boolean;
  label: string;
}

export interface Company {
  id: number;
  name: string;
  domain: string;
  country: string;
}

export interface User {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  default_currency: string;
  locale: string;
  timezone_name: string;
  timezone_offset: string;
  active_flag: boolean;
  is_admin: boolean;
  role_id: number;
  created: number;
  modified: number;
  last_login: number;
}

export interface Organization {
  id: number;
  name: string;
  owner_id: number;
  address: string | null;
  label: number | null;
  label_ids: number[];
  visible_to: number;
  add_time: number;
  update_time: number;
  deleted: boolean;
  custom: CustomValues;
}

export interface Person {
  id: number;
  name: string;
  first_name: string | null;
  last_name: string | null;
  emails: Contact[];
  phones: Contact[];
  owner_id: number;
  org_id: number | null;
  label: number | null;
  label_ids: number[];
  visible_to: number;
  job_title: string | null;
  add_time: number;
  update_time: number;
  deleted: boolean;
  custom: CustomValues;
}

export type DealStatus = 'open' | 'won' | 'lost';

export interface Deal {
  id: number;
  title: string;
  value: number;
  currency: string;
  owner_id: number;
  creator_user_id: number;
  person_id: number | null;
  org_id: number | null;
  pipeline_id: number;
  stage_id: number;
  status: DealStatus;
  probability: number | null;
  lost_reason: string | null;
  expected_close_date: string | null;
  visible_to: number;
  label_ids: number[];
  add_time: number;
  update_time: number;
  stage_change_time: number | null;
  won_time: number | null;
  lost_time: number | null;
  close_time: number | null;
  deleted: boolean;
  custom: CustomValues;
}

export interface LeadValue {
  amount: number;
  currency: string;
}

export interface Lead {
  id: string;
  title: string;
  owner_id: number;
  creator_id: number;
  label_ids: string[];
  person_id: number | null;
  organization_id: number | null;
  source_name: string;
  origin: string;
  origin_id: string | null;
  channel: number | null;
  channel_id: string | null;
  is_archived: boolean;
  was_seen: boolean;
  value: LeadValue | null;
  expected_close_date: string | null;
  visible_to: string;
  /** Millisecond resolution, unlike the v1 entities. */
  add_time: number;
  update_time: number;
  /** Leads inherit deal custom fields; only the ones set appear in records. */
  custom: CustomValues;
}

export interface LeadLabel {
  id: string;
  name: string;
  color: string;
  add_time: number;
  update_time: number;
}

export interface Activity {
  id: number;
  subject: string;
  type: string;
  owner_id: number;
  creator_user_id: number;
  done: boolean;
  due_date: string | null;
  due_time: string | null;
  duration: string | null;
  busy: boolean;
  deal_id: number | null;
  person_id: number | null;
  org_id: number | null;
  lead_id: string | null;
  note: string | null;
  public_description: string | null;
  location: string | null;
  add_time: number;
  update_time: number;
  marked_as_done_time: number | null;
  deleted: boolean;
}

export interface Note {
  id: number;
  content: string;
  user_id: number;
  deal_id: number | null;
  person_id: number | null;
  org_id: number | null;
  lead_id: string | null;
  pinned_to_deal_flag: boolean;
  pinned_to_person_flag: boolean;
  pinned_to_organization_flag: boolean;
  pinned_to_lead_flag: boolean;
  add_time: number;
  update_time: number;
  deleted: boolean;
}

export interface Pipeline {
  id: number;
  name: string;
  order_nr: number;
  active: boolean;
  deal_probability: boolean;
  add_time: number;
  update_time: number;
  deleted: boolean;
}

export interface Stage {
  id: number;
  name: string;
  order_nr: number;
  pipeline_id: number;
  deal_probability: number;
  rotten_flag: boolean;
  rotten_days: number | null;
  add_time: number;
  update_time: number;
  deleted: boolean;
}

/** The entity kinds that have custom fields and a `*Fields` endpoint. */
export type FieldEntity = 'person' | 'deal' | 'organization';
