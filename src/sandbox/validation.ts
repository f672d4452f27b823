// Reading request bodies and query strings the way Pipedrive does, with 400s that name the field.
// Two styles: the classic v1 endpoints take form-encoded strings as well as JSON ("12", "1" for
// true); leads and v2 are strict JSON (typed schemas, and null is rejected unless allowed).
import { ApiError, badRequest } from './errors.js';
import type { Store } from './store.js';
import { parseDate, parseRfc3339, parseV1Time } from './time.js';

export type Style = 'v1' | 'strict';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

export function failure(style: Style, field: string, problem: string): ApiError {
  return badRequest(style === 'strict' ? `Validation failed: ${field}: ${problem}` : `Invalid value for field '${field}': ${problem}.`);
}

/** One request body. Getters return undefined when the field is absent (a PATCH leaves it alone). */
export class Input {
  constructor(
    readonly body: Record<string, unknown>,
    readonly style: Style,
  ) {}

  static from(body: unknown, style: Style): Input {
    if (body === undefined || body === null) return new Input({}, style);
    if (typeof body !== 'object' || Array.isArray(body)) throw badRequest(style === 'strict' ? 'Validation failed: body: Expected object' : 'Request body must be a JSON object.');
    return new Input(body as Record<string, unknown>, style);
  }

  get lenient(): boolean {
    return this.style === 'v1';
  }

  fail(field: string, problem: string): ApiError {
    return failure(this.style, field, problem);
  }

  has(field: string): boolean {
    return this.body[field] !== undefined;
  }

  /** Null where allowed; otherwise a typed complaint. */
  private nullOr<T>(field: string, nullable: boolean, read: (v: unknown) => T): T | null | undefined {
    const v = this.body[field];
    if (v === undefined) return undefined;
    if (v === null) {
      if (nullable) return null;
      throw this.fail(field, this.lenient ? 'must not be empty' : 'Expected value, received null');
    }
    return read(v);
  }

  str(field: string, o: { nullable?: boolean; nonEmpty?: boolean; max?: number } = {}): string | null | undefined {
    return this.nullOr(field, o.nullable ?? false, (v) => {
      if (typeof v !== 'string') throw this.fail(field, this.lenient ? 'must be a string' : `Expected string, received ${typeName(v)}`);
      if (o.nonEmpty && v.trim() === '') throw this.fail(field, this.lenient ? 'must not be empty' : 'String must contain at least 1 character(s)');
      if (o.max !== undefined && v.length > o.max) throw this.fail(field, `must be at most ${o.max} characters`);
      return v;
    });
  }

  int(field: string, o: { nullable?: boolean; min?: number } = {}): number | null | undefined {
    return this.nullOr(field, o.nullable ?? false, (v) => {
      let n: number | undefined;
      if (typeof v === 'number') n = v;
      else if (this.lenient && typeof v === 'string' && /^-?\d+$/.test(v.trim())) n = Number(v);
      // v1 treats an empty string like null (form posts send "" for "no value").
      else if (this.lenient && v === '' && o.nullable) return null;
      if (n === undefined || !Number.isSafeInteger(n)) throw this.fail(field, this.lenient ? 'must be an integer' : `Expected integer, received ${typeName(v)}`);
      if (o.min !== undefined && n < o.min) throw this.fail(field, `must be ${o.min} or more`);
      return n;
    });
  }

  num(field: string, o: { nullable?: boolean; min?: number } = {}): number | null | undefined {
    return this.nullOr(field, o.nullable ?? false, (v) => {
      let n: number | undefined;
      if (typeof v === 'number' && Number.isFinite(v)) n = v;
      else if (this.lenient && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) n = Number(v);
      if (n === undefined) throw this.fail(field, this.lenient ? 'must be a number' : `Expected number, received ${typeName(v)}`);
      if (o.min !== undefined && n < o.min) throw this.fail(field, `must be ${o.min} or more`);
      return n;
    });
  }

  bool(field: string): boolean | undefined {
    const v = this.body[field];
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (this.lenient) {
      if (v === 1 || v === '1' || v === 'true') return true;
      if (v === 0 || v === '0' || v === 'false') return false;
    }
    throw this.fail(field, this.lenient ? 'must be a boolean (true/false or 1/0)' : `Expected boolean, received ${typeName(v)}`);
  }

  oneOf<T extends string | number>(field: string, values: readonly T[], o: { nullable?: boolean } = {}): T | null | undefined {
    return this.nullOr(field, o.nullable ?? false, (v) => {
      const hit = values.find((x) => x === v || (this.lenient && String(x) === String(v)));
      if (hit === undefined) throw this.fail(field, `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
      return hit;
    });
  }

  date(field: string, o: { nullable?: boolean } = {}): string | null | undefined {
    return this.nullOr(field, o.nullable ?? false, (v) => {
      if (typeof v !== 'string' || parseDate(v) === undefined) throw this.fail(field, 'must be a date in the format YYYY-MM-DD');
      return v;
    });
  }

  hhmm(field: string, o: { nullable?: boolean } = {}): string | null | undefined {
    return this.nullOr(field, o.nullable ?? true, (v) => {
      if (this.lenient && v === '') return null;
      if (typeof v !== 'string' || !HHMM_RE.test(v)) throw this.fail(field, 'must be a time in the format HH:MM');
      return v;
    });
  }

  /** v1 `add_time`: "YYYY-MM-DD HH:MM:SS" UTC. */
  v1Time(field: string): number | undefined {
    const v = this.body[field];
    if (v === undefined || v === null || v === '') return undefined;
    const ms = typeof v === 'string' ? parseV1Time(v) : undefined;
    if (ms === undefined) throw this.fail(field, 'must be a UTC time in the format YYYY-MM-DD HH:MM:SS');
    return ms;
  }

  /** v2 times: RFC 3339. */
  rfcTime(field: string): number | undefined {
    const v = this.body[field];
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === 'string' ? parseRfc3339(v) : undefined;
    if (ms === undefined) throw this.fail(field, 'must be an RFC 3339 date-time, e.g. 2026-01-15T12:00:00Z');
    return ms;
  }

  intArray(field: string): number[] | undefined {
    const v = this.body[field];
    if (v === undefined) return undefined;
    if (v === null) {
      // v1 clears label lists with null; the strict endpoints want an empty array instead.
      if (this.lenient) return [];
      throw this.fail(field, 'Expected array, received null');
    }
    const items = Array.isArray(v) ? v : this.lenient && typeof v === 'string' ? v.split(',').filter((s) => s.trim() !== '') : undefined;
    if (!items) throw this.fail(field, this.lenient ? 'must be an array of integers' : `Expected array, received ${typeName(v)}`);
    return items.map((x, i) => {
      const n = typeof x === 'number' ? x : this.lenient && typeof x === 'string' && /^\d+$/.test(x.trim()) ? Number(x) : NaN;
      if (!Number.isSafeInteger(n)) throw this.fail(`${field}[${i}]`, this.lenient ? 'must be an integer' : `Expected integer, received ${typeName(x)}`);
      return n;
    });
  }

  uuidArray(field: string): string[] | undefined {
    const v = this.body[field];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw this.fail(field, `Expected array, received ${typeName(v)}`);
    return v.map((x, i) => {
      if (typeof x !== 'string' || !UUID_RE.test(x)) throw this.fail(`${field}[${i}]`, 'Invalid uuid');
      return x.toLowerCase();
    });
  }
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

// ---- references to other records ---------------------------------------------------------------

export function checkUser(store: Store, input: Input, field: string, id: number): number {
  const u = store.users.get(id);
  if (!u || !u.active_flag) throw input.fail(field, `user ${id} does not exist`);
  return id;
}

export function checkOrg(store: Store, input: Input, field: string, id: number | null): number | null {
  if (id === null) return null;
  const o = store.organizations.get(id);
  if (!o || o.deleted) throw input.fail(field, `organization ${id} does not exist`);
  return id;
}

export function checkPerson(store: Store, input: Input, field: string, id: number | null): number | null {
  if (id === null) return null;
  const p = store.persons.get(id);
  if (!p || p.deleted) throw input.fail(field, `person ${id} does not exist`);
  return id;
}

export function checkDeal(store: Store, input: Input, field: string, id: number | null): number | null {
  if (id === null) return null;
  const d = store.deals.get(id);
  if (!d || d.deleted) throw input.fail(field, `deal ${id} does not exist`);
  return id;
}

export function checkLead(store: Store, input: Input, field: string, id: string | null): string | null {
  if (id === null) return null;
  if (!UUID_RE.test(id) || !store.leads.get(id.toLowerCase())) throw input.fail(field, `lead ${id} does not exist`);
  return id.toLowerCase();
}

// ---- query strings -----------------------------------------------------------------------------

/** Query parameters are strings; these read them with the same precise 400s. */
export class Query {
  constructor(
    readonly params: URLSearchParams,
    readonly style: Style,
  ) {}

  fail(name: string, problem: string): ApiError {
    return failure(this.style, name, problem);
  }

  raw(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }

  str(name: string): string | undefined {
    const v = this.raw(name);
    return v === undefined || v === '' ? undefined : v;
  }

  int(name: string, o: { min?: number; max?: number } = {}): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw this.fail(name, 'must be an integer');
    const n = Number(v);
    if (o.min !== undefined && n < o.min) throw this.fail(name, `must be ${o.min} or more`);
    if (o.max !== undefined && n > o.max) throw this.fail(name, `must be ${o.max} or less`);
    return n;
  }

  /** `0`/`1` (and true/false), as Pipedrive's boolean query flags are. */
  flag(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false') return false;
    throw this.fail(name, 'must be 0 or 1');
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) throw this.fail(name, `must be one of ${values.join(', ')}`);
    return v as T;
  }

  rfcTime(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const ms = parseRfc3339(v);
    if (ms === undefined) throw this.fail(name, 'must be an RFC 3339 date-time, e.g. 2026-01-15T12:00:00Z');
    return ms;
  }

  date(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const ms = parseDate(v);
    if (ms === undefined) throw this.fail(name, 'must be a date in the format YYYY-MM-DD');
    return ms;
  }

  intList(name: string): number[] | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const parts = v.split(',').map((s) => s.trim());
    if (parts.some((p) => !/^\d+$/.test(p))) throw this.fail(name, 'must be a comma-separated list of integers');
    return parts.map(Number);
  }
}
