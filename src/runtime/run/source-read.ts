// What this run asks of the source, from the plan's source clause: the pushed-down parameters with
// their values, `limit`, and the lower bound of an incremental read with the action's since-params.
import type { ResolvedAction, SinceDef } from '../../apps/index.js';
import type { SourcePlan } from '../../check/plan-types.js';
import { SluiceError } from '../../errors.js';
import { printExpr } from '../../language/printer.js';
import { RUNTIME } from '../codes.js';
import { evaluate, type EvalContext } from '../eval.js';
import { paramValue } from '../params.js';
import { normaliseCursor, type Cursor } from '../../state/index.js';
import { formatTime } from '../time.js';

export interface SourceRead {
  query: Record<string, string | number | boolean>;
  limit?: number;
  /** How the action reads from a watermark; null: the flow reads everything. */
  since: SinceDef | null;
  /** The watermark this run reads from (null: everything, a first run). */
  lower: Cursor | null;
  warnings: string[];
}

export function sourceRead(plan: SourcePlan, action: ResolvedAction, ectx: EvalContext, started: Date): SourceRead {
  const query: Record<string, string | number | boolean> = {};
  let limit: number | undefined;
  for (const p of plan.conditions) {
    const v = evaluate(p.condition.value, {}, ectx);
    if (p.placement.kind === 'limit') limit = typeof v === 'number' ? v : undefined;
    else if (p.placement.kind === 'api' || p.placement.kind === 'path') {
      if (v !== null && typeof v !== 'object') query[p.placement.param.name] = paramValue(action, p.placement.param.name, v);
    }
  }
  const since = plan.since && action.since ? action.since : null;
  const warnings: string[] = [];
  let lower: Cursor | null = null;
  if (since && plan.since) {
    const v = evaluate(plan.since.expr, {}, ectx);
    try {
      lower = v === null ? null : normaliseCursor(v as string);
    } catch {
      throw new SluiceError(RUNTIME.sinceNotTime, `\`since ${printExpr(plan.since.expr)}\` is not a time: ${JSON.stringify(v)}`);
    }
    if (since.kind === 'param' && since.params) Object.assign(query, since.params);
    if (lower) {
      if (since.kind === 'param') query[since.param] = formatTime(lower.value, since.format);
      else if (since.kind === 'sort') Object.assign(query, since.params);
    }
    const reach = since.kind === 'param' ? since.reach : undefined;
    if (reach && lower && started.getTime() - Date.parse(lower.value) > reach.days * 86400_000) {
      warnings.push(
        `${action.qualifiedName} only reaches ${reach.days} days back: changes between ${lower.value} and ${reach.days} days ago are not returned.${reach.advice ? ` ${reach.advice}` : ''}`,
      );
    }
  }
  return { query, ...(limit !== undefined ? { limit } : {}), since, lower, warnings };
}
