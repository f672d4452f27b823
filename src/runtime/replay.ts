// `sluice replay`: sends a flow's rejected records again, through the flow as it is now (the author
// has fixed the mapping, the data or the destination), to the flow's destination.
//
// - A record whose source record was kept goes through the flow's steps again; one kept without it
//   (older state) goes to the destination as it was refused.
// - Accepted: removed from the rejected list. Refused again: kept, with the new reason.
// - Never a duplicate. A record marked `uncertain` (a write that may have arrived) is first looked
//   for at the destination, where the app can be asked: by listing (the create's `arrival`: leads), or by
//   the exact search of the create's upsert block (persons by email, organizations by name...),
//   which updates what arrived instead of creating it again; found, it is not created twice; where
//   it cannot be looked for, it stays (--include-uncertain sends it anyway). Before a record that cannot be repeated leaves, its row is marked uncertain,
//   so a replay killed mid-way leaves it for the arrival check rather than sending it twice.
import type { AppRegistry, ArrivalDef, ResolvedAction } from '../apps/index.js';
import type { FlowModel } from '../check/model.js';
import type { ResolvedRef } from '../check/plan-types.js';
import { SluiceError } from '../errors.js';
import type { Destination, Rejection } from './dests/destination.js';
import type { EvalContext, Rec, Value } from './eval.js';
import { destComponent, openDestination } from './dests/registry.js';
import type { IoContext, LookupRunner } from './io.js';
import type { HttpIo } from './http-app/types.js';
import { evalOptions, planOf, resolveAction, upsertOptions } from './run/resolve.js';
import type { RejectedRecord, StateStore } from '../state/index.js';
import { compileSteps } from './steps.js';
import { varValues } from './vars.js';
import type * as A from '../language/ast.js';
import { RUNTIME } from './codes.js';

export type ReplayOutcome = 'sent' | 'arrived' | 'refused' | 'kept' | 'filtered' | 'would-send';

export interface ReplayItem {
  id: number;
  outcome: ReplayOutcome;
  reason?: string;
}

export interface ReplaySummary {
  flow: string;
  destination: string;
  considered: number;
  sent: number;
  arrived: number;
  refused: number;
  kept: number;
  items: ReplayItem[];
}

export interface ReplayOptions {
  flow: FlowModel;
  key: string;
  store: StateStore;
  registry: AppRegistry;
  http: HttpIo;
  io: IoContext;
  vars: Record<string, string>;
  ids?: number[];
  /** Only records whose reason or code contains this text. */
  reason?: string;
  dryRun: boolean;
  includeUncertain: boolean;
  signal: AbortSignal;
  log?: (line: string) => void;
}

const matches = (r: RejectedRecord, o: ReplayOptions): boolean =>
  (!o.ids?.length || o.ids.includes(r.id)) && (!o.reason || `${r.reason} ${r.code ?? ''}`.toLowerCase().includes(o.reason.toLowerCase()));

export async function replayRejected(o: ReplayOptions): Promise<ReplaySummary> {
  const f = o.flow;
  const p = f.flow.pipeline!;
  const plan = planOf(f);
  // A record a tee rejected may have arrived at some of its destinations: sending it to one of
  // them again could write it twice, so replay refuses rather than guess.
  if (plan.tee) throw new SluiceError(RUNTIME.teeReplay, `replay of a flow that ends in tee is not supported: its rejected records may already be in some of its ${plan.tee.length} destinations`, { hint: 'See each record and which destination refused it with `sluice state rejected FLOW`; to send them again, replay them through a flow that ends in that one destination.' });
  const destPlan = plan.dest!;
  const started = new Date();
  const ectx: EvalContext = { templates: { ...o.vars, ...varValues(f.vars, o.vars), Now: started.toISOString() }, now: started.toISOString(), env: o.io.env };
  const destAction = resolveAction(o.registry, f.dest);
  const destApp = o.registry.app(destAction.app)!;
  // A replayed record upserts as the run would have: sending it again must not duplicate it.
  const upsert = upsertOptions(o.registry, destAction, destPlan.upsert);
  const component = destComponent(destApp.kind, destAction.name);
  if (o.dryRun && !component?.previews) throw new SluiceError(RUNTIME.dryReplay, 'a dry replay is for API destinations; for a file or database destination, look at the records with `sluice state rejected`');
  const dest = openDestination(
    { app: destApp, action: destAction, ref: destPlan.ref, options: evalOptions(destPlan.options, ectx), run: { incremental: true, started }, explicit: new Set(destPlan.explicit), ...(upsert ? { upsert } : {}) },
    { io: o.io, http: o.http, signal: o.signal, dryRun: o.dryRun, ...(o.log ? { log: o.log } : {}) },
  );

  const stepRejects: Rejection[] = [];
  const lookups = new Map<A.LookupStep, (params: Record<string, Value>) => Promise<Rec | null>>();
  for (const [step, ref] of f.lookups) lookups.set(step, o.http.lookup(ref, resolveAction(o.registry, ref)));
  const lookup: LookupRunner = (step, params) => lookups.get(step)!(params);
  const steps = compileSteps(p.steps, { eval: ectx, lookup, reject: (r) => stepRejects.push(r) });

  const rows = (await o.store.rejected(o.key, { limit: 1_000_000 })).filter((r) => matches(r, o)).reverse();
  const searching = new Map<string, Destination>();
  const summary: ReplaySummary = { flow: f.name, destination: dest.describe, considered: rows.length, sent: 0, arrived: 0, refused: 0, kept: 0, items: [] };
  // How the app says an uncertain create can be looked for (its definition's `arrival`).
  const check = destAction.arrival ?? undefined;
  const checkAction = check && destApp.kind === 'http' ? o.registry.action(`${destAction.app}.${check.read}`, 'read', f.dest?.action?.version ?? null) : undefined;

  try {
    for (const row of rows) {
      if (o.signal.aborted) break;
      const item = await replayOne(row);
      summary.items.push(item);
      if (item.outcome === 'sent' || item.outcome === 'would-send') summary.sent++;
      else if (item.outcome === 'arrived') summary.arrived++;
      else if (item.outcome === 'refused') summary.refused++;
      else summary.kept++;
    }
    await dest.commit();
  } catch (err) {
    await dest.abort().catch(() => undefined);
    throw err;
  }
  return summary;

  async function replayOne(row: RejectedRecord): Promise<ReplayItem> {
    // Through the flow as it is now, when the source record is known.
    let record: Rec;
    if (row.source !== null && typeof row.source === 'object') {
      // Read in part, the kept record has only the fields the flow read then: a field the flow now
      // reads as well would be null, not the record's. Kept as it is, reason and all.
      const short = partialSource(row.sourceFields, plan.reads);
      if (short) return { id: row.id, outcome: 'kept', reason: short };
      stepRejects.length = 0;
      const out = await steps([row.source as Rec]);
      if (stepRejects.length) return keep(row, 'refused', stepRejects[0].reason, stepRejects[0].code);
      if (out.records.length === 0) return { id: row.id, outcome: 'filtered', reason: 'kept: the flow now leaves this record out' };
      record = out.records[0];
    } else record = row.record as Rec;

    // An upsert searches before it writes: sending an uncertain record again updates it if it arrived.
    let target = dest;
    if (row.code === 'uncertain' && !upsert) {
      // A create that can search for what it sent (its definition's upsert block) is sent as an
      // upsert: found, it is updated with the same fields; not found, it is created.
      const searching = check ? undefined : searchingDestination(record);
      if (searching) target = searching;
      const found = checkAction && check ? await arrived(record, check, checkAction) : searching ? false : null;
      if (found === true) {
        if (!o.dryRun) await o.store.removeRejected([row.id]);
        return { id: row.id, outcome: 'arrived', reason: 'it had arrived: found at the destination, not sent again' };
      }
      if (found === null && !o.includeUncertain) {
        return { id: row.id, outcome: 'kept', reason: `whether it arrived cannot be checked at ${destAction.qualifiedName}: look there, then replay with --include-uncertain if it is missing` };
      }
    }
    const repeatable = destAction.idempotent ?? (destAction.method ?? 'POST') !== 'POST';
    // Marked before it leaves: a replay killed now leaves it for the arrival check, never a second send.
    if (!o.dryRun && !repeatable) await o.store.updateRejected(row.id, { reason: 'a replay was sending it when it stopped: it may or may not have arrived', code: 'uncertain' });
    const result = await target.write([record]);
    if (result.accepted.length) {
      if (!o.dryRun) await o.store.removeRejected([row.id]);
      return { id: row.id, outcome: o.dryRun ? 'would-send' : 'sent' };
    }
    const r = result.rejected[0];
    if (!r) return keep(row, 'kept', 'not sent: the replay was stopped', row.code);
    return keep(row, r.code === 'uncertain' ? 'kept' : 'refused', r.reason, r.code);
  }

  /** An upserting destination searching by the first field of the create's upsert block that `record` has a value for. */
  function searchingDestination(record: Rec): Destination | undefined {
    const def = destAction.upsert;
    if (!def || destApp.kind !== 'http' || o.dryRun) return undefined;
    for (const [name, spec] of Object.entries(def.fields)) {
      const v = record[spec.from];
      if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
      let d = searching.get(name);
      if (!d) {
        const by = upsertOptions(o.registry, destAction, { field: name, from: spec.from, search: spec.search, update: def.update });
        d = o.http.destination(f.dest!, destAction, { dryRun: false, explicit: new Set(destPlan.explicit), ...(by ? { upsert: by } : {}) });
        searching.set(name, d);
      }
      return d;
    }
    return undefined;
  }

  async function keep(row: RejectedRecord, outcome: 'refused' | 'kept', reason: string, code: string | null): Promise<ReplayItem> {
    if (!o.dryRun) await o.store.updateRejected(row.id, { reason, code });
    return { id: row.id, outcome, reason };
  }

  /** True when a record equal on the fields it sent is at the destination; null when that cannot be asked. */
  async function arrived(record: Rec, c: ArrivalDef, read: ResolvedAction): Promise<boolean | null> {
    const by = c.by.find((k) => record[k] !== null && record[k] !== undefined);
    if (!by) return null;
    const v = record[by];
    if (typeof v !== 'string' && typeof v !== 'number') return null;
    const source = o.http.source(f.dest as ResolvedRef, read, { [by]: v }, { signal: o.signal });
    for await (const page of source.pages()) {
      for (const existing of page) {
        if (c.match.every((k) => record[k] === undefined || record[k] === null || existing[k] === record[k])) return true;
      }
    }
    return false;
  }
}

/**
 * Why a source record kept with only `kept` of its fields cannot go through a flow that reads
 * `reads` (null: whole records), or undefined when it can.
 */
export function partialSource(kept: readonly string[] | null, reads: readonly string[] | null): string | undefined {
  if (kept === null) return undefined;
  const missing = reads === null ? undefined : reads.filter((f) => !kept.includes(f));
  if (missing && missing.length === 0) return undefined;
  const what = missing ? `also reads ${missing.join(', ')}, which a replay would send as null` : 'reads whole records, of which a replay has only those';
  return `kept: its source record was read with only the fields the flow read then (${kept.join(', ')}), and the flow now ${what}; replay it through a flow that reads only those fields, or send it from the source again yourself`;
}
