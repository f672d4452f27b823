// Runs one checked flow: reads the source page by page, pushes each page through the steps to the
// destination, and commits the watermark only once the destination has made the records durable.
//
// Incremental sync (DESIGN.md): the next run asks for records changed at or after the watermark
// (inclusive) and drops those already written at exactly it (boundary ids, kept as `id@cursor`).
// A run that stops early (take, limit, Ctrl-C) or dies keeps its watermark; the ids it processed are
// added to the boundary set at that same watermark, so the next run neither loses nor repeats them.
//
// A boundary id is `id@cursor#digest`: the digest of the record's content tells apart two versions
// of a record changed twice within one second (Pipedrive's times have 1-second resolution), so the
// second change is written rather than dropped as "already written". "Processed" means handled to
// the end: a record a `take` did not take, or a write never attempted (Ctrl-C part-way through a
// batch), is not, and the next run reads it again. A write that cannot be repeated (POST) is noted
// as `sending:<boundary id>` before it leaves and as its boundary id once accepted, each at once: if
// the process dies in between, the next run keeps the record as rejected `uncertain` instead of
// sending it a second time.
import type { AppRegistry } from '../apps/index.js';
import type { FlowModel } from '../check/model.js';
import type { DestPlan, ResolvedRef } from '../check/plan-types.js';
import type * as A from '../language/ast.js';
import { SluiceError } from '../errors.js';
import { RUNTIME } from './codes.js';
import type { ComponentContext } from './component.js';
import type { Destination, Rejection } from './dests/destination.js';
import { TeeDestination, type TeeHooks } from './dests/tee.js';
import type { WriteHooks } from './dests/destination.js';
import { openDestination } from './dests/registry.js';
import type { EvalContext, Rec, Value } from './eval.js';
import type { HttpIo } from './http-app/types.js';
import type { IoContext, LookupRunner, RunContext } from './io.js';
import { Admission } from './run/admit.js';
import { Boundary, SENDING } from './boundary.js';
import { evalOptions, planOf, resolveAction, upsertOptions } from './run/resolve.js';
import { settleBatch } from './run/settle.js';
import { sourceRead } from './run/source-read.js';
import type { ProgressEvent, RunSummary } from './run-summary.js';
import { openSource } from './sources/registry.js';
import { flowFilePath, flowKey as legacyFileKey, projectFlowKey, templateValues, type StateStore } from '../state/index.js';
import { compileSteps, engineFilter } from './steps.js';
import { pageSpan, traceRun } from './tracing.js';
import { varValues } from './vars.js';

export type { RunStatus, RunSummary, RateLimitWait, ProgressEvent } from './run-summary.js';
export type { HttpIo } from './http-app/types.js';

export interface RunFlowOptions {
  flow: FlowModel;
  /** The file the flow came from (its state identity is file + flow name). */
  file: string;
  registry: AppRegistry;
  store: StateStore | null;
  http: HttpIo;
  io: IoContext;
  since?: string;
  vars: Record<string, string>;
  dryRun: boolean;
  trigger: 'cli' | 'agent';
  /** The state key; defaults to the flow's identity (`flow:<id or name>`). */
  flowKey?: string;
  /** Older keys of this flow's state, adopted before the run (the file's own is always tried). */
  legacyKeys?: string[];
  /** The file that claims the flow's identity (default `file`); null: none (a deployment without a path). */
  claimFile?: string | null;
  /** Forget the flow's watermarks before running: read from `--since` or the beginning. */
  fresh?: boolean;
  signal: AbortSignal;
  onProgress?: (p: ProgressEvent) => void;
  /** Dry runs describe what they would do here. */
  log?: (line: string) => void;
  now?: Date;
  /** The deployment's received webhook events, which a webhook source reads (the agent gives them; `sluice run` cannot). */
  webhooks?: ComponentContext['webhooks'];
}

const sourceNameOf = (ref: ResolvedRef) => `${ref.ref.name}${ref.connection ? `@${ref.connection.name}` : ''}`;

const emptySummary = (flow: string): RunSummary => ({
  flow,
  status: 'succeeded',
  read: 0,
  written: 0,
  rejected: 0,
  skipped: 0,
  filtered: 0,
  unsent: 0,
  pages: 0,
  watermark: null,
  complete: false,
  destination: '',
  duration_ms: 0,
  run_id: null,
  warnings: [],
});

export function runFlow(o: RunFlowOptions): Promise<RunSummary> {
  return traceRun(o.flow.name, { 'sluice.trigger': o.trigger, 'sluice.dry_run': o.dryRun }, () => runFlowUntraced(o), (s) => ({
    attrs: { 'sluice.status': s.status, 'sluice.read': s.read, 'sluice.written': s.written, 'sluice.rejected': s.rejected, 'sluice.pages': s.pages, ...(s.run_id !== null ? { 'sluice.run_id': s.run_id } : {}) },
    ...(s.error ? { error: `${s.error.code}: ${s.error.message}` } : {}),
  }));
}

/** The top-level fields a run reads: the flow's, and the first segment of each path it keys records by. */
function readFields(reads: readonly string[], keys: readonly (string | null | undefined)[]): string[] {
  const out = new Set(reads);
  for (const k of keys) if (k) out.add(k.split('.')[0]);
  return [...out].sort();
}

async function runFlowUntraced(o: RunFlowOptions): Promise<RunSummary> {
  const started = o.now ?? new Date();
  const t0 = performance.now();
  const f = o.flow;
  const plan = planOf(f);
  const srcPlan = plan.source!;
  const destPlan = plan.dest!;
  const summary = emptySummary(f.name);
  const srcRef = srcPlan.ref;
  const srcAction = resolveAction(o.registry, srcRef);
  const destAction = resolveAction(o.registry, destPlan.ref);
  const srcApp = o.registry.app(srcAction.app)!;
  const key = o.flowKey ?? projectFlowKey(f.stateId);
  const legacy = [...(o.legacyKeys ?? []), legacyFileKey(o.file, f.name, o.io.cwd)];
  const sourceName = sourceNameOf(srcRef);
  // A dry run reads the state the real run would start from, and writes none: not even the
  // adoption of an older key, which it reads in place.
  let stateKey = key;
  if (o.dryRun) stateKey = o.store ? ((await firstKeyWithState(o.store, [key, ...legacy])) ?? key) : key;
  else if (o.store) {
    await o.store.claimFlow(key, { file: o.claimFile === undefined ? flowFilePath(o.file, o.io.cwd) : o.claimFile, legacyKeys: legacy });
    if (o.fresh) await o.store.reset(key);
  }
  const stateStore = o.dryRun && o.fresh ? null : o.store;

  const tpl = await templateValues(stateStore, stateKey, sourceName, { now: started, ...(o.since ? { since: o.since } : {}), vars: o.vars });
  const ectx: EvalContext = { templates: { ...tpl.values, ...varValues(f.vars, o.vars) }, now: started.toISOString(), env: o.io.env };

  // ---- the source: what goes to the API, what the engine applies, and `since` (the plan's).
  const read = sourceRead(srcPlan, srcAction, ectx, started);
  const { since, lower, limit } = read;
  summary.warnings.push(...read.warnings);
  const wm = stateStore && since ? await stateStore.watermark(stateKey, sourceName) : null;
  const boundary = new Boundary(lower, wm);

  const rejects: Rejection[] = [];
  const onReject = (r: Rejection) => rejects.push(r);
  const components: ComponentContext = { io: o.io, http: o.http, signal: o.signal, dryRun: o.dryRun, ...(o.log ? { log: o.log } : {}), ...(o.webhooks ? { webhooks: o.webhooks } : {}) };
  // With `since`, records already written are skipped, so `limit` counts the new ones (below) and
  // the reader is not capped; without it the reader stops at `limit` by itself.
  const readerLimit = since ? undefined : limit;
  // What of each record the run reads: the flow's fields (the plan's), and those the interpreter
  // keys, orders and bounds records by.
  const fields = plan.reads ? readFields(plan.reads, [since?.field, srcAction.cursorField, ...(srcAction.key ?? [])]) : undefined;
  const source = openSource(
    {
      app: srcApp,
      action: srcAction,
      ref: srcRef,
      options: evalOptions(srcPlan.options, ectx),
      query: read.query,
      ...(readerLimit !== undefined ? { limit: readerLimit } : {}),
      ...(fields ? { fields } : {}),
      ...(srcPlan.declared ? { declared: srcPlan.declared } : {}),
      since: since ? { from: lower?.value ?? null } : null,
    },
    components,
  );
  // A record the source itself refuses (a CSV row that does not convert) was read too.
  source.onReject = (r) => {
    summary.read++;
    onReject(r);
  };

  // ---- the destination and the steps
  const runContext: RunContext = { incremental: since !== null, started, record: f.output, ...(f.output.open ? {} : { columns: [...f.output.fields.keys()] }) };
  const openDest = (dp: DestPlan): Destination => {
    const action = dp === destPlan ? destAction : resolveAction(o.registry, dp.ref);
    const upsert = upsertOptions(o.registry, action, dp.upsert);
    const app = o.registry.app(action.app)!;
    return openDestination({ app, action, ref: dp.ref, options: evalOptions(dp.options, ectx), run: runContext, explicit: new Set(dp.explicit), ...(upsert ? { upsert } : {}) }, components);
  };
  // `tee { ... }`: each destination is opened through the registry; what each acknowledged is kept
  // with the flow's boundary ids (dests/tee.ts).
  const teeAcks = { has: (id: string) => boundary.has(id), save: (ids: string[]) => saveIds(ids) };
  const dest: Destination = plan.tee ? new TeeDestination(plan.tee.map(openDest), teeAcks) : openDest(destPlan);
  summary.destination = dest.describe;
  // `on reject APP.ACTION`: refused records also go there (they are kept in the state store anyway).
  let rejectDest: Destination | undefined;
  if (plan.onReject && !o.dryRun) {
    const ra = resolveAction(o.registry, plan.onReject.ref);
    // Rejections of every run are kept, so a reject file is appended to unless the flow says otherwise.
    const run = { ...runContext, incremental: true, columns: undefined };
    rejectDest = openDestination({ app: o.registry.app(ra.app)!, action: ra, ref: plan.onReject.ref, options: evalOptions(plan.onReject.options, ectx), run }, components);
  }

  const lookups = new Map<A.LookupStep, (params: Record<string, Value>) => Promise<Rec | null>>();
  const batchedSteps = new Set<A.LookupStep>();
  for (const [step, ref] of f.lookups) {
    const action = resolveAction(o.registry, ref);
    lookups.set(step, o.http.lookup(ref, action));
    if (action.batch) batchedSteps.add(step);
  }
  const lookup: LookupRunner = (step, params) => lookups.get(step)!(params);
  const steps = compileSteps(f.flow.pipeline!.steps, { eval: ectx, lookup, reject: onReject, lookupWidth: (step) => (batchedSteps.has(step) ? Infinity : undefined) });
  // A database source reads the cursor and key columns the flow names (`cursor = "changed_at"`).
  const admission = new Admission(
    {
      since,
      cursorField: source.cursorField ?? since?.field ?? srcAction.cursorField,
      keyFields: source.keyFields ?? srcAction.key,
      digest: since ? plan.digest : null,
      boundary,
      ...(limit !== undefined ? { limit } : {}),
      keep: engineFilter(srcPlan.engine, ectx),
    },
    summary,
    rejects,
  );

  const runId = o.dryRun || !o.store ? null : await o.store.startRun(key, { trigger: o.trigger, file: o.file, startedAt: started });
  summary.run_id = runId;
  const saving = !o.dryRun && o.store !== null && runId !== null && since !== null;
  /** Saves boundary ids at once, at the watermark the run started from (per-record progress). */
  const saveIds = async (ids: string[], written?: number) => {
    if (saving) await o.store!.commitProgress(runId!, key, sourceName, { watermark: boundary.startMark, boundaryIds: ids, ...(written !== undefined ? { counts: { written } } : {}) });
  };
  const flushRejects = async () => {
    const batch = rejects.splice(0);
    for (const r of batch) {
      summary.rejected++;
      // A source record read in part says which fields it has: a replay through a flow that now
      // reads more cannot make it whole.
      if (o.store && runId !== null) await o.store.reject(runId, key, { destination: dest.describe, record: r.record, ...(r.source ? { source: r.source, ...(source.fields ? { sourceFields: source.fields } : {}) } : {}), reason: r.reason, code: r.code });
    }
    if (rejectDest && batch.length) {
      await rejectDest.write(batch.map((r) => ({ ...r.record, _rejected: { reason: r.reason, code: r.code, destination: dest.describe } })));
    }
  };

  let stoppedEarly = false;
  let span: ReturnType<typeof pageSpan> = null;
  // A source keeping its own progress (webhook events) is told what is handled for good; with a
  // destination durable only at commit, that is after the commit.
  const progress = o.dryRun ? undefined : source.progress;
  const handledAtCommit: Rec[] = [];
  try {
    if (o.http.beforeRun) summary.warnings.push(...(await o.http.beforeRun(f)));
    try {
      for await (const page of source.pages()) {
        summary.pages++;
        span?.end();
        span = pageSpan(summary.pages);
        const admitted = admission.page(page);
        const { batch } = admitted;
        const rejectedBefore = rejects.length;
        const out = await steps(batch);
        summary.filtered += Math.max(0, out.consumed - out.records.length - (rejects.length - rejectedBefore));
        const keyOf = (i: number) => admitted.keys[out.origins[i]];
        // Writes accepted so far in this batch: the history of a run killed mid-batch shows them.
        let acceptedNow = 0;
        const hooks: WriteHooks | TeeHooks | undefined = progress
          ? {
              sending: (i) => progress.sending(batch[out.origins[i]]),
              accepted: async (i) => {
                if (dest.durability === 'batch') await progress.handled([batch[out.origins[i]]]);
              },
            }
          : saving
          ? {
              key: keyOf,
              sending: async (i) => {
                const k = keyOf(i);
                if (k) await saveIds([SENDING + k]);
              },
              accepted: async (i) => {
                const k = keyOf(i);
                acceptedNow++;
                if (k) await saveIds([k], summary.written + acceptedNow);
              },
            }
          : undefined;
        const result = await dest.write(out.records, hooks);
        summary.written += result.accepted.length;
        if (result.rejected.length) {
          const sourceOf = new Map(out.records.map((r, i) => [r, batch[out.origins[i]]]));
          for (const r of result.rejected) rejects.push({ ...r, source: sourceOf.get(r.record) ?? r.record });
        }
        await flushRejects();
        const settled = settleBatch(batch.length, out, result, admitted.seen, boundary);
        summary.unsent += settled.unsent;
        if (progress) {
          const index = new Map(batch.map((r, i) => [r, i]));
          const done = admitted.considered.filter((r) => {
            const i = index.get(r);
            return i === undefined || settled.finished[i] === 1;
          });
          if (dest.durability === 'batch') await progress.handled(done);
          else handledAtCommit.push(...done);
        }
        // A destination that is durable per batch lets the progress be saved per batch, so that a
        // crash repeats nothing already written.
        if (saving && dest.durability === 'batch' && boundary.pending) {
          await o.store!.commitProgress(runId!, key, sourceName, { watermark: boundary.startMark, boundaryIds: boundary.takeProcessed(), counts: counts(summary) });
        } else if (!o.dryRun && o.store && runId !== null && dest.durability === 'batch') {
          // What this run has made durable so far: the history of a run killed later shows it.
          await o.store.commitProgress(runId, key, sourceName, { watermark: null, counts: counts(summary) });
        }
        o.onProgress?.({ read: summary.read, written: summary.written, rejected: summary.rejected, pages: summary.pages });
        if (out.done || admitted.reachedWatermark || admitted.limitReached || settled.unattempted || o.signal.aborted) {
          stoppedEarly = out.done || admitted.limitReached || settled.unattempted || o.signal.aborted;
          break;
        }
      }
    } catch (err) {
      // Interrupted while a page was being read or a lookup was in flight: the run stops there, as
      // after a page (what was handled is committed below); it has not failed.
      if (!o.signal.aborted) throw err;
      stoppedEarly = true;
    } finally {
      span?.end({ 'sluice.read': summary.read, 'sluice.written': summary.written });
      span = null;
    }
    // Without `since` the reader itself stopped at `limit`; whether more existed is unknown.
    if (limit !== undefined && admission.fresh >= limit) stoppedEarly = true;
    await dest.commit();
    await rejectDest?.commit();
    await progress?.handled(handledAtCommit);
    summary.complete = !stoppedEarly;
    if (!o.dryRun && o.store && runId !== null) {
      if (since) {
        const r = await o.store.commitProgress(runId, key, sourceName, { ...boundary.final(summary.complete), counts: counts(summary) });
        summary.watermark = r.watermark;
      }
      summary.status = o.signal.aborted ? 'interrupted' : 'succeeded';
      await o.store.finishRun(runId, { status: summary.status, ...counts(summary) });
    } else if (o.signal.aborted) summary.status = 'interrupted';
  } catch (err) {
    await dest.abort().catch(() => undefined);
    // What reached the reject destination is kept: those records were refused whatever happens next.
    await rejectDest?.commit().catch(() => undefined);
    summary.status = 'failed';
    const e = err instanceof SluiceError ? err : new SluiceError(RUNTIME.internal, err instanceof Error ? err.message : String(err));
    summary.error = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    if (o.store && runId !== null) {
      await flushRejects().catch(() => undefined);
      await o.store.finishRun(runId, { status: 'failed', ...counts(summary), error: summary.error });
    }
  }
  if (since && summary.watermark === null) summary.watermark = wm?.value ?? null;
  const httpStats = o.http.stats();
  if (httpStats) {
    const { warnings: budgetWarnings = [], ...http } = httpStats;
    summary.http = http;
    summary.warnings.push(...budgetWarnings);
  }
  summary.duration_ms = Math.round(performance.now() - t0);
  return summary;
}

const counts = (s: RunSummary) => ({ read: s.read, written: s.written, rejected: s.rejected });

/** The first of `keys` that has state (a dry run reads an older key in place rather than adopting it). */
async function firstKeyWithState(store: StateStore, keys: readonly string[]): Promise<string | undefined> {
  for (const k of keys) if (await store.hasFlow(k)) return k;
  return undefined;
}
