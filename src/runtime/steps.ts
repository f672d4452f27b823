// The steps of a pipeline as batch transforms. Each batch (a page of records) goes through every
// step before the next is read, so memory holds about one page whatever the size of the source.
import type * as A from '../language/ast.js';
import type { Rejection } from './dests/destination.js';
import { conditionHolds, evaluate, RecordError, truthy, type EvalContext, type Rec, type Value } from './eval.js';

export interface StepContext {
  eval: EvalContext;
  /** Runs a lookup's read action for one record (cached by the caller); its first result or null. */
  lookup(step: A.LookupStep, params: Record<string, Value>): Promise<Rec | null>;
  reject(r: Rejection): void;
  /**
   * Lookups of one batch in flight at once for a step (default LOOKUP_CONCURRENCY). A lookup the
   * API answers for many ids in one request asks for the whole batch at once, so that it can.
   */
  lookupWidth?(step: A.LookupStep): number | undefined;
}

export interface StepResult {
  records: Rec[];
  /** For each of `records`, the index in the input batch of the record it came from. */
  origins: number[];
  /**
   * How many records of the input batch the steps went through: all of them, unless a `take` got
   * its count part-way. The records after that point were not handled and must be read again by a
   * later run (a `take N` splits a sync into runs of N; it must not drop the rest of the page).
   */
  consumed: number;
  /** A `take` has its count: read no further. */
  done: boolean;
}

export type BatchStep = (batch: Rec[]) => Promise<StepResult>;

/** How many lookups of one batch may be in flight at once (the rate limiter still paces them). */
const LOOKUP_CONCURRENCY = 8;

/** A record on its way through the steps, with the index of the input record it came from. */
interface Item {
  rec: Rec;
  origin: number;
}

interface ItemResult {
  items: Item[];
  done: boolean;
  /** Set by a `take` that got its count: input records from this index on were not taken. */
  cut?: number;
}

type ItemStep = (items: Item[], reject: (r: Rejection, origin: number) => void) => Promise<ItemResult>;

export function compileSteps(steps: A.Step[], ctx: StepContext): BatchStep {
  const compiled = steps.map((s) => compileStep(s, ctx));
  return async (batch) => {
    let items: Item[] = batch.map((rec, origin) => ({ rec, origin }));
    let done = false;
    let consumed = batch.length;
    // Rejections are held until the cut is known: a record after it was not taken, and will be
    // read (and judged) again by the next run, so rejecting it now would keep it twice.
    const rejected: { r: Rejection; origin: number }[] = [];
    const reject = (r: Rejection, origin: number) => rejected.push({ r, origin });
    for (const step of compiled) {
      if (items.length === 0) break;
      const r = await step(items, reject);
      items = r.items;
      if (r.cut !== undefined) consumed = Math.min(consumed, r.cut);
      done ||= r.done;
    }
    // Each keeps the source record it came from: a replay sends that through the fixed steps.
    for (const x of rejected) if (x.origin < consumed) ctx.reject(x.r.source ? x.r : { ...x.r, source: batch[x.origin] });
    return { records: items.map((i) => i.rec), origins: items.map((i) => i.origin), consumed, done };
  };
}

function perRecord(items: Item[], reject: (r: Rejection, origin: number) => void, fn: (r: Rec) => Rec | null): Item[] {
  const out: Item[] = [];
  for (const it of items) {
    try {
      const x = fn(it.rec);
      if (x) out.push(x === it.rec ? it : { rec: x, origin: it.origin });
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      reject({ record: it.rec, reason: err.message, code: 'invalid' }, it.origin);
    }
  }
  return out;
}

function compileStep(step: A.Step, ctx: StepContext): ItemStep {
  switch (step.kind) {
    case 'Map':
      return async (items, reject) => ({
        done: false,
        items: perRecord(items, reject, (r) => {
          const out: Rec = {};
          for (const e of step.entries) {
            if (e.kind === 'Spread') Object.assign(out, r);
            else out[e.key.value] = evaluate(e.value, r, ctx.eval);
          }
          return out;
        }),
      });
    case 'Filter':
      return async (items, reject) => ({ done: false, items: perRecord(items, reject, (r) => (truthy(evaluate(step.expr, r, ctx.eval)) ? r : null)) });
    case 'Dedupe': {
      const seen = new Set<string>();
      return async (items, reject) => ({
        done: false,
        items: perRecord(items, reject, (r) => {
          const key = JSON.stringify(evaluate(step.expr, r, ctx.eval));
          if (seen.has(key)) return null;
          seen.add(key);
          return r;
        }),
      });
    }
    case 'Take': {
      const limit = evaluate(step.count, {}, ctx.eval);
      let left = typeof limit === 'number' ? limit : 0;
      return async (items) => {
        const taken = items.slice(0, Math.max(0, left));
        left -= taken.length;
        if (left > 0) return { items: taken, done: false };
        // The count is reached: the input records after the last one taken are left for later.
        const cut = taken.length ? taken[taken.length - 1].origin + 1 : items[0].origin;
        return { items: taken, done: true, cut };
      };
    }
    case 'Lookup':
      return async (items, reject) => {
        const out: (Item | null)[] = new Array(items.length).fill(null);
        let next = 0;
        const worker = async () => {
          while (next < items.length) {
            const i = next++;
            const { rec: r, origin } = items[i];
            try {
              const params: Record<string, Value> = {};
              for (const c of step.where) params[c.key.map((k) => k.value).join('.')] = evaluate(c.value, r, ctx.eval);
              const found = await ctx.lookup(step, params);
              // Object.assign, once a record (a copy by spread that more properties follow gets new hidden classes at every call: ARCHITECTURE.md, Invariants).
              out[i] = { rec: Object.assign({}, r, { [step.name.value]: found }), origin };
            } catch (err) {
              if (!(err instanceof RecordError)) throw err;
              reject({ record: r, reason: err.message, code: 'invalid' }, origin);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(ctx.lookupWidth?.(step) ?? LOOKUP_CONCURRENCY, items.length) }, worker));
        return { done: false, items: out.filter((r): r is Item => r !== null) };
      };
  }
}

/** The engine's share of `where`: conditions on record fields, applied after fetching. */
export function engineFilter(conditions: A.Condition[], ctx: EvalContext): (r: Rec) => boolean {
  if (conditions.length === 0) return () => true;
  return (r) => conditions.every((c) => conditionHolds(c, r, ctx));
}
