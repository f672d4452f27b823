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
}

export interface StepResult {
  records: Rec[];
  /** A `take` has its count: read no further. */
  done: boolean;
}

export type BatchStep = (batch: Rec[]) => Promise<StepResult>;

/** How many lookups of one batch may be in flight at once (the rate limiter still paces them). */
const LOOKUP_CONCURRENCY = 8;

export function compileSteps(steps: A.Step[], ctx: StepContext): BatchStep {
  const compiled = steps.map((s) => compileStep(s, ctx));
  return async (batch) => {
    let records = batch;
    let done = false;
    for (const step of compiled) {
      if (records.length === 0) break;
      const r = await step(records);
      records = r.records;
      done ||= r.done;
    }
    return { records, done };
  };
}

function perRecord(ctx: StepContext, batch: Rec[], fn: (r: Rec) => Rec | null): Rec[] {
  const out: Rec[] = [];
  for (const r of batch) {
    try {
      const x = fn(r);
      if (x) out.push(x);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      ctx.reject({ record: r, reason: err.message, code: 'invalid' });
    }
  }
  return out;
}

function compileStep(step: A.Step, ctx: StepContext): BatchStep {
  switch (step.kind) {
    case 'Map':
      return async (batch) => ({
        done: false,
        records: perRecord(ctx, batch, (r) => {
          const out: Rec = {};
          for (const e of step.entries) {
            if (e.kind === 'Spread') Object.assign(out, r);
            else out[e.key.value] = evaluate(e.value, r, ctx.eval);
          }
          return out;
        }),
      });
    case 'Filter':
      return async (batch) => ({ done: false, records: perRecord(ctx, batch, (r) => (truthy(evaluate(step.expr, r, ctx.eval)) ? r : null)) });
    case 'Dedupe': {
      const seen = new Set<string>();
      return async (batch) => ({
        done: false,
        records: perRecord(ctx, batch, (r) => {
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
      return async (batch) => {
        const records = batch.slice(0, Math.max(0, left));
        left -= records.length;
        return { records, done: left <= 0 };
      };
    }
    case 'Lookup':
      return async (batch) => {
        const out: (Rec | null)[] = new Array(batch.length).fill(null);
        let next = 0;
        const worker = async () => {
          while (next < batch.length) {
            const i = next++;
            const r = batch[i];
            try {
              const params: Record<string, Value> = {};
              for (const c of step.where) params[c.key.map((k) => k.value).join('.')] = evaluate(c.value, r, ctx.eval);
              const found = await ctx.lookup(step, params);
              out[i] = { ...r, [step.name.value]: found };
            } catch (err) {
              if (!(err instanceof RecordError)) throw err;
              ctx.reject({ record: r, reason: err.message, code: 'invalid' });
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, batch.length) }, worker));
        return { done: false, records: out.filter((r): r is Rec => r !== null) };
      };
  }
}

/** The engine's share of `where`: conditions on record fields, applied after fetching. */
export function engineFilter(conditions: A.Condition[], ctx: EvalContext): (r: Rec) => boolean {
  if (conditions.length === 0) return () => true;
  return (r) => conditions.every((c) => conditionHolds(c, r, ctx));
}
