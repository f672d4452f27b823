// `--data FILE`: a company described in JSON instead of generated from a seed.
//
// Format (every key optional; a collection left out is empty, except that a company with no users
// gets one admin user and a company with no pipelines gets the two default pipelines):
//
//   {
//     "now": "2026-01-15T12:00:00Z",                       // where the sandbox clock starts
//     "company": { "id": 1, "name": "Acme", "domain": "acme", "country": "EE" },
//     "users": [ { "id": 1, "name": "Ada Admin", "email": "ada@acme.test", "is_admin": true } ],
//     "pipelines": [ { "id": 1, "name": "Sales", "stages": ["Qualified", { "name": "Won?", "deal_probability": 80 }] } ],
//     "leadLabels": [ { "id": "<uuid>", "name": "Hot", "color": "red" } ],
//     "organizations": [ { "id": 1, "name": "Globex", "owner_id": 1 } ],
//     "persons": [ { "id": 1, "name": "Grace Hopper", "email": ["grace@globex.test"], "org_id": 1,
//                    "<40-hex custom field key>": "value", "add_time": "2025-12-01 10:00:00" } ],
//     "deals": [ { "title": "Globex renewal", "value": 5000, "currency": "EUR", "person_id": 1 } ],
//     "leads": [ { "id": "<uuid>", "title": "Globex upsell", "person_id": 1 } ],
//     "activities": [ { "subject": "Call Grace", "type": "call", "person_id": 1, "due_date": "2026-01-20" } ],
//     "notes": [ { "content": "Met at the fair", "person_id": 1 } ]
//   }
//
// Records are v1 request bodies (the same fields POST /v1/... takes, validated the same way), plus
// `id`, `add_time` and `update_time` (either "YYYY-MM-DD HH:MM:SS" UTC or RFC 3339). Leads take the
// lead body (UUID `id`, optional). Custom field keys are listed by GET /v1/personFields etc.
import { readFileSync } from 'node:fs';
import { createActivity, createNote, readActivity, readNote } from '../entities/activities.js';
import { createDeal, readDeal } from '../entities/deals.js';
import { createLead, readLead } from '../entities/leads.js';
import { createOrganization, readOrganization } from '../entities/organizations.js';
import { createPerson, readPersonV1 } from '../entities/persons.js';
import { Prng, hash32 } from '../prng.js';
import { parseAnyTime } from '../time.js';
import { UUID_RE } from '../validation.js';
import type { World } from '../world.js';
import { DEFAULT_COMPANY } from './seed.js';

export interface SandboxDataFile {
  now?: string;
  company?: { id?: number; name?: string; domain?: string; country?: string };
  users?: Record<string, unknown>[];
  pipelines?: { id?: number; name: string; stages?: (string | { name: string; deal_probability?: number })[] }[];
  leadLabels?: { id?: string; name: string; color?: string }[];
  organizations?: Record<string, unknown>[];
  persons?: Record<string, unknown>[];
  deals?: Record<string, unknown>[];
  leads?: Record<string, unknown>[];
  activities?: Record<string, unknown>[];
  notes?: Record<string, unknown>[];
}

const KNOWN = new Set(['now', 'company', 'users', 'pipelines', 'leadLabels', 'organizations', 'persons', 'deals', 'leads', 'activities', 'notes']);

/** Reads and shape-checks a data file; errors name the file and the place in it. */
export function readDataFile(path: string): SandboxDataFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read data file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`data file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`data file ${path}: the top level must be an object`);
  for (const key of Object.keys(data)) if (!KNOWN.has(key)) throw new Error(`data file ${path}: unknown key "${key}" (known: ${[...KNOWN].join(', ')})`);
  for (const key of KNOWN) {
    const v = (data as Record<string, unknown>)[key];
    if (v === undefined || key === 'now' || key === 'company') continue;
    if (!Array.isArray(v)) throw new Error(`data file ${path}: "${key}" must be an array`);
  }
  return data as SandboxDataFile;
}

/** Takes add_time / update_time / id out of a record so they can be given in any time format. */
function split(record: Record<string, unknown>, at: string): { body: Record<string, unknown>; id?: unknown; add?: number; update?: number } {
  const { id, add_time, update_time, ...body } = record;
  const time = (v: unknown, field: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === 'string' ? parseAnyTime(v) : undefined;
    if (ms === undefined) throw new Error(`${at}.${field}: expected "YYYY-MM-DD HH:MM:SS" or an RFC 3339 date-time`);
    return ms;
  };
  return { body, id, add: time(add_time, 'add_time'), update: time(update_time, 'update_time') };
}

function intId(v: unknown, at: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new Error(`${at}.id: expected a positive integer`);
  return v;
}

export function loadData(world: World, data: SandboxDataFile, seed: number): void {
  const { store } = world;
  const now = world.clock.nowSecond();
  store.company = { ...DEFAULT_COMPANY, ...data.company };
  const each = (name: keyof SandboxDataFile, fn: (record: Record<string, unknown>, at: string) => void): void => {
    const list = (data[name] ?? []) as Record<string, unknown>[];
    list.forEach((record, i) => {
      const at = `${name}[${i}]`;
      if (!record || typeof record !== 'object' || Array.isArray(record)) throw new Error(`${at}: expected an object`);
      try {
        fn(record, at);
      } catch (err) {
        const msg = (err as Error).message;
        throw new Error(msg.startsWith(at) ? msg : `${at}: ${msg}`);
      }
    });
  };

  const users = data.users?.length ? data.users : [{ name: 'Sandbox Admin', email: `admin@${store.company.domain}.example.com`, is_admin: true }];
  users.forEach((u, i) => {
    const at = `users[${i}]`;
    if (typeof u.name !== 'string' || !u.name) throw new Error(`${at}.name: required`);
    if (typeof u.email !== 'string' || !u.email.includes('@')) throw new Error(`${at}.email: required, an email address`);
    const id = intId(u.id, at) ?? store.users.allocateId();
    store.users.insert({
      id,
      name: u.name,
      email: u.email,
      phone: typeof u.phone === 'string' ? u.phone : null,
      default_currency: typeof u.default_currency === 'string' ? u.default_currency : 'EUR',
      locale: 'en_US',
      timezone_name: 'Europe/Tallinn',
      timezone_offset: '+02:00',
      active_flag: u.active_flag !== false,
      is_admin: u.is_admin === true,
      role_id: u.is_admin === true ? 1 : 2,
      created: now,
      modified: now,
      last_login: now,
    });
  });
  store.tokenUserId = store.users.all()[0].id;

  const pipelines = data.pipelines?.length
    ? data.pipelines
    : [
        { name: 'Sales', stages: ['Qualified', 'Contact made', 'Demo scheduled', 'Proposal made', 'Negotiations started'] },
        { name: 'Partnerships', stages: ['Intro', 'Evaluation', 'Agreement', 'Launch'] },
      ];
  pipelines.forEach((p, i) => {
    const at = `pipelines[${i}]`;
    if (typeof p.name !== 'string' || !p.name) throw new Error(`${at}.name: required`);
    const id = intId(p.id, at) ?? store.pipelines.allocateId();
    store.pipelines.insert({ id, name: p.name, order_nr: i + 1, active: true, deal_probability: true, add_time: now, update_time: now, deleted: false });
    (p.stages ?? ['New']).forEach((s, j) => {
      const spec = typeof s === 'string' ? { name: s } : s;
      if (!spec || typeof spec.name !== 'string') throw new Error(`${at}.stages[${j}]: a name or {name, deal_probability}`);
      store.stages.insert({
        id: store.stages.allocateId(),
        name: spec.name,
        order_nr: j + 1,
        pipeline_id: id,
        deal_probability: spec.deal_probability ?? 100,
        rotten_flag: false,
        rotten_days: null,
        add_time: now,
        update_time: now,
        deleted: false,
      });
    });
  });

  const labelRng = new Prng(hash32(seed, 'leadLabels'));
  const labels = data.leadLabels ?? [{ name: 'Hot', color: 'red' }, { name: 'Warm', color: 'yellow' }, { name: 'Cold', color: 'blue' }];
  labels.forEach((l, i) => {
    if (l.id !== undefined && (typeof l.id !== 'string' || !UUID_RE.test(l.id))) throw new Error(`leadLabels[${i}].id: expected a UUID`);
    store.leadLabels.insert({ id: l.id?.toLowerCase() ?? labelRng.uuid(), name: l.name, color: l.color ?? 'gray', add_time: now, update_time: now });
  });

  each('organizations', (r, at) => {
    const s = split(r, at);
    createOrganization(world, { ...readOrganization(world, s.body, true, 'v1'), add_time: s.add }, { id: intId(s.id, at), update_time: s.update });
  });
  each('persons', (r, at) => {
    const s = split(r, at);
    createPerson(world, { ...readPersonV1(world, s.body, true), add_time: s.add }, { id: intId(s.id, at), update_time: s.update });
  });
  each('deals', (r, at) => {
    const s = split(r, at);
    createDeal(world, { ...readDeal(world, s.body, true, 'v1'), add_time: s.add }, { id: intId(s.id, at), update_time: s.update });
  });
  each('leads', (r, at) => {
    const s = split(r, at);
    if (s.id !== undefined && (typeof s.id !== 'string' || !UUID_RE.test(s.id))) throw new Error(`${at}.id: expected a UUID`);
    const { source_name, ...body } = s.body;
    createLead(world, readLead(world, body, true), {
      id: (s.id as string | undefined)?.toLowerCase(),
      add_time: s.add,
      update_time: s.update,
      source_name: typeof source_name === 'string' ? source_name : 'Manually created',
    });
  });
  each('activities', (r, at) => {
    const s = split(r, at);
    createActivity(world, { ...readActivity(world, s.body, 'v1'), add_time: s.add }, { id: intId(s.id, at), update_time: s.update });
  });
  each('notes', (r, at) => {
    const s = split(r, at);
    createNote(world, { ...readNote(world, s.body, true), add_time: s.add }, { id: intId(s.id, at), update_time: s.update });
  });
}
