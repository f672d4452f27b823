// Field definitions behind /v1/personFields, /v1/dealFields and /v1/organizationFields. Custom fields
// are keyed by a 40-hex hash in records, the way every Pipedrive company sees them; the definitions
// map hash -> human name, type and options. Keys are derived from the field's name so that they stay
// the same across seeds and sizes (a data file can use them), yet look like Pipedrive's.
import { createHash } from 'node:crypto';
import type { CustomValue, FieldEntity } from './model.js';
import { parseDate } from './time.js';

export interface FieldOption {
  /** Numbers for enums and sets; the deal status field uses strings, as Pipedrive's does. */
  id: number | string;
  label: string;
}

export interface FieldDef {
  id: number;
  key: string;
  name: string;
  field_type: string;
  custom: boolean;
  options?: FieldOption[];
  mandatory?: boolean;
}

export type CustomType = 'varchar' | 'text' | 'enum' | 'set' | 'double' | 'date';

const hashKey = (entity: FieldEntity, name: string): string =>
  createHash('sha1').update(`sluice-sandbox/${entity}/${name}`).digest('hex');

let optionId = 100;
const opts = (...labels: string[]): FieldOption[] => labels.map((label) => ({ id: optionId++, label }));

interface CustomSpec {
  name: string;
  type: CustomType;
  options?: FieldOption[];
}

const CUSTOM: Record<FieldEntity, CustomSpec[]> = {
  person: [
    { name: 'Lead source', type: 'varchar' },
    { name: 'Segment', type: 'enum', options: opts('Enterprise', 'Mid-market', 'SMB', 'Startup') },
    { name: 'Lifetime value', type: 'double' },
    { name: 'First contact', type: 'date' },
    { name: 'Interests', type: 'set', options: opts('Analytics', 'Automation', 'Integrations', 'Security') },
  ],
  deal: [
    { name: 'Contract type', type: 'enum', options: opts('Annual', 'Monthly', 'Pilot') },
    { name: 'Seats', type: 'double' },
    { name: 'Competitor', type: 'varchar' },
    // An id from another system, the usual key of an import that re-runs (upsert by it).
    { name: 'ExternalId', type: 'varchar' },
  ],
  organization: [
    { name: 'Industry', type: 'enum', options: opts('Software', 'Retail', 'Finance', 'Healthcare', 'Manufacturing') },
    { name: 'Employees', type: 'double' },
    { name: 'Region', type: 'varchar' },
  ],
};

/** Built-in label options: v1 records carry the id in `label`, v2 in `label_ids`. */
export const PERSON_LABELS: FieldOption[] = [
  { id: 1, label: 'Customer' },
  { id: 2, label: 'Hot lead' },
  { id: 3, label: 'Warm lead' },
  { id: 4, label: 'Cold lead' },
];
export const ORG_LABELS: FieldOption[] = [
  { id: 5, label: 'Customer' },
  { id: 6, label: 'Hot lead' },
  { id: 7, label: 'Warm lead' },
  { id: 8, label: 'Cold lead' },
];
export const DEAL_LABELS: FieldOption[] = [
  { id: 9, label: 'Hot' },
  { id: 10, label: 'Warm' },
  { id: 11, label: 'Cold' },
];

const VISIBLE_TO: FieldOption[] = [
  { id: 1, label: 'Owner & followers' },
  { id: 3, label: 'Entire company' },
];

type Builtin = [key: string, name: string, type: string, options?: FieldOption[], mandatory?: boolean];

const BUILTIN: Record<FieldEntity, Builtin[]> = {
  person: [
    ['id', 'ID', 'int'],
    ['name', 'Name', 'varchar', undefined, true],
    ['label', 'Label', 'enum', PERSON_LABELS],
    ['first_name', 'First name', 'varchar'],
    ['last_name', 'Last name', 'varchar'],
    ['org_id', 'Organization', 'org'],
    ['owner_id', 'Owner', 'user'],
    ['email', 'Email', 'varchar'],
    ['phone', 'Phone', 'phone'],
    ['job_title', 'Job title', 'varchar'],
    ['visible_to', 'Visible to', 'visible_to', VISIBLE_TO],
    ['open_deals_count', 'Open deals', 'int'],
    ['activities_count', 'Total activities', 'int'],
    ['next_activity_date', 'Next activity date', 'date'],
    ['last_activity_date', 'Last activity date', 'date'],
    ['add_time', 'Person created', 'date'],
    ['update_time', 'Update time', 'date'],
  ],
  deal: [
    ['id', 'ID', 'int'],
    ['title', 'Title', 'varchar', undefined, true],
    ['creator_user_id', 'Creator', 'user'],
    ['user_id', 'Owner', 'user'],
    ['value', 'Value', 'monetary'],
    ['currency', 'Currency', 'varchar_options'],
    ['org_id', 'Organization', 'org'],
    ['person_id', 'Contact person', 'people'],
    ['pipeline', 'Pipeline', 'double'],
    ['stage_id', 'Stage', 'stage'],
    [
      'status',
      'Status',
      'status',
      [
        { id: 'open', label: 'Open' },
        { id: 'won', label: 'Won' },
        { id: 'lost', label: 'Lost' },
        { id: 'deleted', label: 'Deleted' },
      ],
    ],
    ['probability', 'Probability', 'double'],
    ['expected_close_date', 'Expected close date', 'date'],
    ['lost_reason', 'Lost reason', 'varchar_options'],
    ['label', 'Label', 'set', DEAL_LABELS],
    ['visible_to', 'Visible to', 'visible_to', VISIBLE_TO],
    ['add_time', 'Deal created', 'date'],
    ['update_time', 'Last update', 'date'],
    ['won_time', 'Won time', 'date'],
    ['lost_time', 'Lost time', 'date'],
    ['close_time', 'Deal closed on', 'date'],
  ],
  organization: [
    ['id', 'ID', 'int'],
    ['name', 'Name', 'varchar', undefined, true],
    ['label', 'Label', 'enum', ORG_LABELS],
    ['owner_id', 'Owner', 'user'],
    ['address', 'Address', 'address'],
    ['people_count', 'People', 'int'],
    ['open_deals_count', 'Open deals', 'int'],
    ['visible_to', 'Visible to', 'visible_to', VISIBLE_TO],
    ['add_time', 'Organization created', 'date'],
    ['update_time', 'Update time', 'date'],
  ],
};

const FIELD_ID_BASE: Record<FieldEntity, number> = { person: 9000, deal: 12000, organization: 4000 };

function buildDefs(entity: FieldEntity): FieldDef[] {
  let id = FIELD_ID_BASE[entity];
  const defs: FieldDef[] = BUILTIN[entity].map(([key, name, field_type, options, mandatory]) => ({
    id: id++,
    key,
    name,
    field_type,
    custom: false,
    ...(options ? { options } : {}),
    ...(mandatory ? { mandatory } : {}),
  }));
  for (const spec of CUSTOM[entity]) {
    defs.push({
      id: id++,
      key: hashKey(entity, spec.name),
      name: spec.name,
      field_type: spec.type,
      custom: true,
      ...(spec.options ? { options: spec.options } : {}),
    });
  }
  return defs;
}

export const FIELD_DEFS: Record<FieldEntity, FieldDef[]> = {
  person: buildDefs('person'),
  deal: buildDefs('deal'),
  organization: buildDefs('organization'),
};

export const customFields = (entity: FieldEntity): FieldDef[] => FIELD_DEFS[entity].filter((f) => f.custom);

/** The custom fields of an entity by key, for validating input. */
export const CUSTOM_BY_KEY: Record<FieldEntity, Map<string, FieldDef>> = {
  person: new Map(customFields('person').map((f) => [f.key, f])),
  deal: new Map(customFields('deal').map((f) => [f.key, f])),
  organization: new Map(customFields('organization').map((f) => [f.key, f])),
};

/** Look up a custom field's key by its human name (for tests and data files). */
export function customKey(entity: FieldEntity, name: string): string {
  const def = customFields(entity).find((f) => f.name === name);
  if (!def) throw new Error(`no custom ${entity} field named '${name}'`);
  return def.key;
}

export const HEX40 = /^[0-9a-f]{40}$/;

/**
 * A client's value for a custom field, checked and stored. Throws a message naming the field.
 * `lenient` (v1 and data files) takes numbers as numeric strings and sets as "1,2", the way v1
 * form-encoded clients send them; v2 wants JSON types.
 */
export function coerceCustom(def: FieldDef, raw: unknown, lenient: boolean): CustomValue {
  if (raw === null || raw === undefined || raw === '') return null;
  const fail = (what: string): never => {
    throw new Error(`${def.key} (${def.name}): ${what}`);
  };
  const asNumber = (v: unknown): number | undefined => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (lenient && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return undefined;
  };
  switch (def.field_type) {
    case 'varchar':
    case 'text':
      if (typeof raw !== 'string') fail('expected a string');
      return raw as string;
    case 'double': {
      const n = asNumber(raw);
      if (n === undefined) fail('expected a number');
      return n as number;
    }
    case 'date':
      if (typeof raw !== 'string' || parseDate(raw) === undefined) fail('expected a date as YYYY-MM-DD');
      return raw as string;
    case 'enum': {
      const n = asNumber(raw);
      if (n === undefined || !def.options!.some((o) => o.id === n)) {
        fail(`expected the id of one of its options (${def.options!.map((o) => `${o.id} ${o.label}`).join(', ')})`);
      }
      return n as number;
    }
    case 'set': {
      const parts: unknown[] = Array.isArray(raw) ? raw : lenient && typeof raw === 'string' ? raw.split(',') : [raw];
      const ids = parts.map(asNumber);
      if (ids.some((n) => n === undefined || !def.options!.some((o) => o.id === n))) {
        fail(`expected option ids (${def.options!.map((o) => `${o.id} ${o.label}`).join(', ')})`);
      }
      return [...new Set(ids as number[])].sort((a, b) => a - b);
    }
    default:
      return fail(`unsupported field type ${def.field_type}`);
  }
}

/** v1 writes a set as "101,102" (unconfirmed but seen in public connectors); the rest as stored. */
export function v1CustomValue(def: FieldDef, v: CustomValue): CustomValue {
  if (def.field_type === 'set' && Array.isArray(v)) return v.join(',');
  return v;
}
