// The plan of one checked flow: what is asked of the source (pushed-down parameters, `limit`,
// `since`), what the engine applies itself, and how the destination writes (explicit clears,
// upsert). The checker emits it; the runtime runs it and `sluice check --explain` prints it, so the
// two can never disagree. Values stay expressions: templates and --var are only known at run time.
import type * as A from '../language/ast.js';
import type { FlowModel } from './model.js';
import { declaredRecord } from './model.js';
import { placeCondition } from './plan.js';
import type { DestPlan, FlowPlan, PushedCondition, ResolvedRef, SourcePlan, UpsertPlan, PlacedCondition } from './plan-types.js';
import { upsertSource } from './rules/upsert.js';
import { openRecord, type RecordType } from './types.js';

export function planFlow(f: FlowModel): FlowPlan {
  const p = f.flow.pipeline;
  const source = p?.source && f.source ? sourcePlan(f.source, p.source) : undefined;
  const dest = p?.dest && f.dest ? destPlan(f.dest, p.dest, p.steps) : undefined;
  const tee = p?.tee && f.tee ? p.tee.dests.map((d, i) => destPlan(f.tee![i], d, p.steps)) : undefined;
  const rejectSetting = f.flow.settings.find((x): x is A.OnReject => x.kind === 'OnReject');
  const digest = digestFields(p?.steps ?? [], source?.engine ?? []);
  return {
    flow: f.name,
    ...(source ? { source } : {}),
    ...(dest ? { dest } : {}),
    ...(tee ? { tee } : {}),
    ...(rejectSetting && f.onReject ? { onReject: { ref: f.onReject, options: rejectSetting.options } } : {}),
    digest,
    // Refused records go whole to the flow's own `on reject` destination.
    reads: source && !(rejectSetting && f.onReject) ? sourceReads(source, digest) : null,
  };
}

/**
 * The fields of the source's records the flow reads, or null for whole records (FlowPlan.reads).
 * `digest` already errs on the side of reading: it holds every name the steps and conditions
 * mention, those of the records the steps make included.
 */
function sourceReads(source: SourcePlan, digest: string[] | null): string[] | null {
  if (digest === null || source.declared) return null;
  // A record without key fields is known by a digest of all of it (runtime/boundary.ts).
  if (source.ref.action && source.ref.action.key === null) return null;
  const custom = source.ref.action?.custom;
  if (custom) {
    // A custom field read by name is another key on the wire (a hash, or under `custom_fields`).
    const names = new Set<string>(['custom']);
    for (const fields of Object.values(custom.entities)) for (const f of fields ?? []) for (const n of [f.name, f.label, f.topLevel]) if (n) names.add(n);
    if (digest.some((d) => names.has(d))) return null;
  }
  return digest;
}

function sourcePlan(ref: ResolvedRef, src: A.Source): SourcePlan {
  const action = ref.action;
  const record = action?.record ?? openRecord();
  const plan: SourcePlan = { ref, options: src.options, conditions: [], pushed: [], engine: [], since: null };
  if (src.recordType) plan.declared = declaredRecord(src.recordType);
  for (const c of src.where) {
    const placement = placeCondition(action, record, c);
    plan.conditions.push({ condition: c, placement });
    if (placement.kind === 'limit') plan.limit = c.value;
    else if (placement.kind === 'api' || placement.kind === 'path') plan.pushed.push({ param: placement.param.name, in: placement.kind === 'api' ? 'query' : 'path', value: c.value });
    // An unknown key is an error the rules report; were it run, the engine would apply it.
    else plan.engine.push(c);
  }
  if (action?.since) {
    if (src.since) plan.since = { expr: src.since, implied: false };
    else {
      // `where since_timestamp = ~{CreatedDate}~` (the seed's own filter) says what `since` says:
      // read from the watermark, and move it.
      const s = action.since;
      const param = s.kind === 'param' ? s.param : undefined;
      const c = param ? src.where.find((x) => x.key.length === 1 && x.key[0].value === param && x.op === '=' && x.value.kind === 'Template' && x.value.name === 'CreatedDate') : undefined;
      if (c) plan.since = { expr: c.value, implied: true };
    }
  }
  return plan;
}

function destPlan(ref: ResolvedRef, dest: A.Dest, steps: readonly A.Step[]): DestPlan {
  const plan: DestPlan = { ref, options: dest.options, explicit: [...explicitFields(steps)] };
  const def = ref.action?.upsert;
  if (dest.upsert && def) {
    const source = upsertSource(def, ref.action?.custom, dest.upsert.value);
    if (source) plan.upsert = { field: dest.upsert.value, from: source.from, search: source.search, update: def.update };
  }
  return plan;
}

/**
 * The fields of the records reaching the destination that the flow sets to a literal `null` or
 * `""` (directly or as a branch of `if`): only those clear a field; any other null or blank value
 * means "no value" and leaves the field as it is.
 */
export function explicitFields(steps: readonly A.Step[]): Set<string> {
  const out = new Set<string>();
  const last = [...steps].reverse().find((s): s is A.MapStep => s.kind === 'Map');
  const literal = (e: A.Expr): boolean =>
    e.kind === 'Null' || (e.kind === 'String' && e.value.trim() === '') || (e.kind === 'If' && (literal(e.then) || literal(e.else)));
  for (const entry of last?.entries ?? []) if (entry.kind !== 'Spread' && literal(entry.value)) out.add(entry.key.value);
  return out;
}

/**
 * Fields the flow never reads, such as counts Pipedrive computes (an organization's `people_count`
 * inside every person), change without the record's update_time changing; they must not make a
 * record already written look new, or a POST would be sent again.
 */
export function digestFields(steps: readonly A.Step[], conditions: readonly A.Condition[]): string[] | null {
  if (!steps.some((s) => s.kind === 'Map' && !s.entries.some((e) => e.kind === 'Spread'))) return null;
  const names = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
    } else if (n !== null && typeof n === 'object') {
      if ((n as { kind?: unknown }).kind === 'FieldRef') names.add((n as A.FieldRef).name);
      for (const v of Object.values(n)) if (v !== null && typeof v === 'object') walk(v);
    }
  };
  walk(steps);
  for (const c of conditions) {
    names.add(c.key[0].value);
    walk(c.value);
  }
  return [...names].sort();
}
