// From a flow's plan to what the runtime runs: the resolved actions of the registry, `upsert by` as
// the destination runs it, and `with` options evaluated for this run.
import type { AppRegistry, ResolvedAction } from '../../apps/index.js';
import type { FlowModel } from '../../check/model.js';
import type { FlowPlan, ResolvedRef, UpsertPlan } from '../../check/plan-types.js';
import type * as A from '../../language/ast.js';
import { SluiceError } from '../../errors.js';
import { RUNTIME } from '../codes.js';
import { evaluate, type EvalContext } from '../eval.js';
import type { UpsertOptions } from '../dests/destination.js';
import type { OptionValues } from '../options.js';

/** The plan the checker made for the flow: a flow that was not checked cannot run. */
export function planOf(f: FlowModel): FlowPlan {
  if (!f.plan) throw new SluiceError(RUNTIME.unresolved, `flow \`${f.name}\` has no plan: it was not checked`);
  return f.plan;
}

export function resolveAction(registry: AppRegistry, ref: ResolvedRef | undefined): ResolvedAction {
  if (!ref?.action) throw new SluiceError(RUNTIME.unresolved, `cannot resolve \`${ref?.ref.name ?? '?'}\``);
  const a = registry.action(ref.action.qualified, ref.role, ref.action.version ?? null);
  if (!a) throw new SluiceError(RUNTIME.unresolved, `cannot resolve \`${ref.action.qualified}\``);
  return a;
}

/** `upsert by FIELD` as the destination runs it (the checker has made sure it is valid). */
export function upsertOptions(registry: AppRegistry, action: ResolvedAction, plan: UpsertPlan | undefined): UpsertOptions | undefined {
  if (!plan) return undefined;
  const update = registry.action(`${action.app}.${plan.update}`, 'write', action.version);
  if (!action.upsert || !update) throw new SluiceError(RUNTIME.unresolved, `cannot resolve \`${action.qualifiedName} upsert by ${plan.field}\``);
  return { field: plan.field, from: plan.from, search: plan.search, def: action.upsert, update };
}

export function evalOptions(options: readonly A.Option[], ctx: EvalContext): OptionValues {
  const out: OptionValues = {};
  for (const o of options) out[o.key.value] = evaluate(o.value, {}, ctx);
  return out;
}
