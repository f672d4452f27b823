// Converts and checks the fields of a file record against `as { ... }`: a CSV cell "42" becomes 42
// for an integer field; a value that does not fit makes the record a rejection, never a guess.
import type { Type } from '../../check/types.js';
import { nonNull, isNullable } from '../../check/types.js';
import type { Rec, Value } from '../eval.js';

export function conform(rec: Rec, fields: Map<string, { type: Type }>, fromText: boolean): { ok: true; record: Rec } | { ok: false; reason: string } {
  // Object.assign, once a record (a copy by spread that more properties follow gets new hidden classes at every call: ARCHITECTURE.md, Invariants).
  const out: Rec = Object.assign({}, rec);
  for (const [name, f] of fields) {
    const raw = rec[name];
    const r = convert(raw === undefined || (fromText && raw === '') ? null : raw, f.type, fromText);
    if (!r.ok) return { ok: false, reason: `field \`${name}\`: ${r.reason}` };
    out[name] = r.value;
  }
  return { ok: true, record: out };
}

function convert(v: Value, t: Type, fromText: boolean): { ok: true; value: Value } | { ok: false; reason: string } {
  if (v === null) return isNullable(t) || t.kind === 'any' ? { ok: true, value: null } : { ok: false, reason: 'is empty, and the declared type does not allow null (add `?`)' };
  const base = nonNull(t);
  switch (base.kind) {
    case 'any':
    case 'union':
    case 'null':
      return { ok: true, value: v };
    case 'string':
      return typeof v === 'string' ? { ok: true, value: v } : { ok: false, reason: `expected text, found ${JSON.stringify(v)}` };
    case 'number': {
      const n = typeof v === 'number' ? v : fromText && typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) return { ok: false, reason: `expected a number, found ${JSON.stringify(v)}` };
      if (base.integer && !Number.isInteger(n)) return { ok: false, reason: `expected a whole number, found ${JSON.stringify(v)}` };
      return { ok: true, value: n };
    }
    case 'boolean': {
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (fromText && typeof v === 'string' && /^(true|false|1|0)$/i.test(v.trim())) return { ok: true, value: /^(true|1)$/i.test(v.trim()) };
      return { ok: false, reason: `expected true or false, found ${JSON.stringify(v)}` };
    }
    case 'list':
      return Array.isArray(v) ? { ok: true, value: v } : { ok: false, reason: `expected a list, found ${JSON.stringify(v)}` };
    case 'record':
      return typeof v === 'object' && !Array.isArray(v) ? { ok: true, value: v } : { ok: false, reason: `expected an object, found ${JSON.stringify(v)}` };
  }
}
