// Pieces of input handling that several entities share.
import { CUSTOM_BY_KEY, HEX40, coerceCustom } from '../custom-fields.js';
import type { Contact, CustomValues, FieldEntity } from '../model.js';
import { typeName, type Input } from '../validation.js';
import type { Change } from '../webhooks.js';
import type { World } from '../world.js';

const EMAIL_LABELS = ['work', 'home', 'other'] as const;
const PHONE_LABELS = ['work', 'home', 'mobile', 'other'] as const;

/**
 * Emails or phones. v1 takes a string, a list of strings, or a list of {value, primary, label};
 * v2 only the last. Exactly one entry ends up primary (the first, unless one says otherwise).
 */
export function readContacts(input: Input, field: string, kind: 'email' | 'phone'): Contact[] | undefined {
  const v = input.body[field];
  if (v === undefined) return undefined;
  if (v === null) return [];
  const labels: readonly string[] = kind === 'email' ? EMAIL_LABELS : PHONE_LABELS;
  let items: unknown[];
  if (Array.isArray(v)) items = v;
  else if (input.lenient && typeof v === 'string') items = [v];
  else throw input.fail(field, input.lenient ? 'must be a string or an array' : `Expected array, received ${typeName(v)}`);
  const out: Contact[] = [];
  items.forEach((item, i) => {
    const at = `${field}[${i}]`;
    if (typeof item === 'string' && input.lenient) {
      if (item !== '') out.push({ value: item, primary: false, label: 'work' });
      return;
    }
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw input.fail(at, input.lenient ? 'must be a string or an object with value' : `Expected object, received ${typeName(item)}`);
    const o = item as Record<string, unknown>;
    if (typeof o.value !== 'string') throw input.fail(`${at}.value`, input.lenient ? 'must be a string' : `Expected string, received ${typeName(o.value)}`);
    if (o.primary !== undefined && typeof o.primary !== 'boolean') throw input.fail(`${at}.primary`, 'must be a boolean');
    const label = o.label === undefined ? 'work' : o.label;
    if (typeof label !== 'string' || !labels.includes(label)) throw input.fail(`${at}.label`, `must be one of ${labels.join(', ')}`);
    if (kind === 'email' && o.value !== '' && !o.value.includes('@')) throw input.fail(`${at}.value`, 'must be an email address');
    if (o.value !== '') out.push({ value: o.value, primary: o.primary === true, label });
  });
  const firstPrimary = out.findIndex((c) => c.primary);
  out.forEach((c, i) => (c.primary = firstPrimary === -1 ? i === 0 : i === firstPrimary));
  if (kind === 'email') {
    for (const [i, c] of out.entries()) if (!c.value.includes('@')) throw input.fail(`${field}[${i}]`, 'must be an email address');
  }
  return out;
}

/**
 * Custom field values. v1 and leads put them at the top level of the body under their hash keys
 * and ignore keys they do not know (as Pipedrive does); v2 nests them under `custom_fields` and
 * rejects unknown keys.
 */
export function readCustom(input: Input, entity: FieldEntity, placement: 'top' | 'nested' = input.lenient ? 'top' : 'nested'): CustomValues | undefined {
  const defs = CUSTOM_BY_KEY[entity];
  const out: CustomValues = {};
  let any = false;
  const take = (key: string, raw: unknown, at: string): void => {
    const def = defs.get(key);
    if (!def) {
      if (placement === 'top') return;
      throw input.fail(at, `unknown custom field key for ${entity}s`);
    }
    try {
      out[key] = coerceCustom(def, raw, input.lenient);
      any = true;
    } catch (err) {
      throw input.fail(at, (err as Error).message.replace(`${key} `, ''));
    }
  };
  if (placement === 'top') {
    for (const [k, v] of Object.entries(input.body)) if (HEX40.test(k) && v !== undefined) take(k, v, k);
  } else if (input.body.custom_fields !== undefined) {
    const cf = input.body.custom_fields;
    if (cf === null || typeof cf !== 'object' || Array.isArray(cf)) throw input.fail('custom_fields', `Expected object, received ${typeName(cf)}`);
    for (const [k, v] of Object.entries(cf)) if (v !== undefined) take(k, v, `custom_fields.${k}`);
  }
  return any ? out : undefined;
}

export const VISIBLE_TO = [1, 3, 5, 7] as const;

/** v1 sends visible_to as "3" or 3; v2 as 3. */
export function readVisibleTo(input: Input): number | undefined {
  const v = input.oneOf('visible_to', VISIBLE_TO);
  return v === null ? undefined : v;
}

/** "Ada Lovelace" -> first "Ada", last "Lovelace", as Pipedrive splits a name it is given whole. */
export function splitName(name: string): { first_name: string; last_name: string | null } {
  const trimmed = name.trim();
  const i = trimmed.indexOf(' ');
  return i === -1 ? { first_name: trimmed, last_name: null } : { first_name: trimmed.slice(0, i), last_name: trimmed.slice(i + 1).trim() || null };
}

export function defined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Tells the world's webhooks of a create, change or delete; answers the record. */
export function announce<T extends Change['record']>(world: World, entity: Change['entity'], action: Change['action'], record: T, previous: T | null): T {
  world.changes?.({ entity, action, record, previous });
  return record;
}
