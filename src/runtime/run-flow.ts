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
import type { AppRegistry, ResolvedAction } from '../apps/index.js';
import type { FlowModel, ResolvedRef } from '../check/model.js';
import { declaredRecord } from '../check/model.js';
import { placeCondition } from '../check/plan.js';
import type * as A from '../language/ast.js';
import { printExpr } from '../language/printer.js';
import { SluiceError } from '../errors.js';
import type { Destination, Rejection, WriteHooks } from './dests/destination.js';
import { Boundary, SENDING, digestFields, recordKey, versionKey } from './boundary.js';
import { evaluate, getPath, type EvalContext, type Rec, type Value } from './eval.js';
import { builtinDestination, builtinSource, type IoContext, type LookupRunner, type OptionValues, type RunContext } from './io.js';
import type { HttpBudgetStats } from './http/budget.js';
import type { Source } from './sources/source.js';
import { flowFilePath, flowKey as legacyFileKey, normaliseCursor, projectFlowKey, templateValues, type Cursor, type StateStore } from '../state/index.js';
import { paramValue } from './params.js';
import { compileSteps, engineFilter } from './steps.js';
import { formatTime } from './time.js';
import { pageSpan, traceRun } from './tracing.js';
import { varValues } from './vars.js';
import type { UpsertOptions } from './http-io.js';
import { upsertSource } from '../check/rules/upsert.js';

export type RunStatus = 'succeeded' | 'failed' | 'interrupted';

export interface RunSummary {
  flow: string;
  status: RunStatus;
  read: number;
  written: number;
  rejected: number;
  /** Records dropped because an earlier run already wrote them (boundary dedupe). */
  skipped: number;
  /** Records the engine's `where` conditions or `filter`/`dedupe` steps left out. */
  filtered: number;
  /**
   * Records read but left for the next run: past a `take`, or never sent because the run stopped.
   * read = written + rejected + skipped + filtered + unsent.
   */
  unsent: number;
  pages: number;
  watermark: string | null;
  /** Whether the source was read to its end (else the watermark stays). */
  complete: boolean;
  destination: string;
  duration_ms: number;
  run_id: number | null;
  error?: { code: string; message: string; hint?: string };
  warnings: string[];
  http?: { requests: number; retries: number; rateLimitWaits: number; waitedMs: number; status429: number } & HttpBudgetStats;
}

export interface RateLimitWait {
  connection: string;
  app: string;
  plan: string;
  burst: number;
  windowSeconds: number;
  /** A 429 paused every request (else the window is full). */
  paused: boolean;
}

export interface ProgressEvent {
  read: number;
  written: number;
  rejected: number;
  pages: number;
}

/** What the interpreter needs of apps reached over HTTP (implemented in http-io.ts). */
export interface HttpIo {
  source(ref: ResolvedRef, action: ResolvedAction, query: Record<string, string | number | boolean>, opts: { limit?: number; signal: AbortSignal }): Source;
  /**
   * `explicit`: the fields the flow sets to a literal `null` or `""` (sent as such); any other
   * missing value leaves the field unchanged.
   */
  destination(ref: ResolvedRef, action: ResolvedAction, opts: { dryRun: boolean; log?: (line: string) => void; explicit?: ReadonlySet<string>; upsert?: UpsertOptions }): Destination;
  lookup(ref: ResolvedRef, action: ResolvedAction): (params: Record<string, Value>) => Promise<Rec | null>;
  stats(): RunSummary['http'];
  /** Whether requests are waiting on a rate limit now, and whose (for progress lines). */
  waiting?(): RateLimitWait | null;
  /** Before anything is read or written: throws when the flow cannot run as checked (a stale custom-field schema); returns warnings. */
  beforeRun?(flow: FlowModel): Promise<string[]>;
}

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
  /** The events a webhook source reads (the agent gives it for deployed flows; `sluice run` cannot). */
  events?: (action: ResolvedAction, query: Record<string, string | number | boolean>) => Source;
}

const sourceNameOf = (ref: ResolvedRef) => `${ref.ref.name}${ref.connection ? `@${ref.connection.name}` : ''}`;

/** `upsert by FIELD` as the destination runs it (the checker has made sure it is valid). */
export function upsertOptions(registry: AppRegistry, ref: ResolvedRef, action: ResolvedAction, field: A.Name | undefined): UpsertOptions | undefined {
  if (!field) return undefined;
  const def = action.upsert;
  const source = def ? upsertSource(def, ref.action?.custom, field.value) : undefined;
  const update = def ? registry.action(`${action.app}.${def.update}`, 'write', action.version) : undefined;
  if (!def || !source || !update) throw new SluiceError('SL7002', `cannot resolve \`${action.qualifiedName} upsert by ${field.value}\``);
  return { field: field.value, from: source.from, search: source.search, def, update };
}

export function resolveAction(registry: AppRegistry, ref: ResolvedRef | undefined): ResolvedAction {
  if (!ref?.action) throw new SluiceError('SL7002', `cannot resolve \`${ref?.ref.name ?? '?'}\``);
  const a = registry.action(ref.action.qualified, ref.role, ref.action.version ?? null);
  if (!a) throw new SluiceError('SL7002', `cannot resolve \`${ref.action.qualified}\``);
  return a;
}

export function evalOptions(options: A.Option[], ctx: EvalContext): OptionValues {
  const out: OptionValues = {};
  for (const o of options) out[o.key.value] = evaluate(o.value, {}, ctx);
  return out;
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

/** A `where` condition that sets the action's `since` parameter to the watermark template. */
function impliedSince(where: readonly A.Condition[], action: ResolvedAction): A.Expr | null {
  if (action.since?.kind !== 'param') return null;
  const param = action.since.param;
  const c = where.find((x) => x.key.length === 1 && x.key[0].value === param && x.op === '=' && x.value.kind === 'Template' && x.value.name === 'CreatedDate');
  return c?.value ?? null;
}

function cursorOf(rec: Rec, field: string | null): Cursor | null {
  if (!field) return null;
  const v = getPath(rec, field);
  if (v === null || (typeof v !== 'string' && typeof v !== 'number')) return null;
  try {
    return normaliseCursor(v);
  } catch {
    return null;
  }
}

export function runFlow(o: RunFlowOptions): Promise<RunSummary> {
  return traceRun(o.flow.name, { 'sluice.trigger': o.trigger, 'sluice.dry_run': o.dryRun }, () => runFlowUntraced(o), (s) => ({
    attrs: { 'sluice.status': s.status, 'sluice.read': s.read, 'sluice.written': s.written, 'sluice.rejected': s.rejected, 'sluice.pages': s.pages, ...(s.run_id !== null ? { 'sluice.run_id': s.run_id } : {}) },
    ...(s.error ? { error: `${s.error.code}: ${s.error.message}` } : {}),
  }));
}

async function runFlowUntraced(o: RunFlowOptions): Promise<RunSummary> {
  const started = o.now ?? new Date();
  const t0 = performance.now();
  const f = o.flow;
  const p = f.flow.pipeline!;
  const src = p.source!;
  const summary: RunSummary = {
    flow: f.name,
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
  };
  const srcRef = f.source!;
  const srcAction = resolveAction(o.registry, srcRef);
  const destAction = resolveAction(o.registry, f.dest);
  const srcApp = o.registry.app(srcAction.app)!;
  const destApp = o.registry.app(destAction.app)!;
  if (srcAction.webhook && !o.events) {
    throw new SluiceError('SL7050', `\`${srcAction.qualifiedName}\` receives ${srcApp.title} webhooks: only a deployed flow can run it`, {
      hint: 'Deploy it with `sluice deploy FILE` to an agent started with --webhook-port (and --webhook-url, the address the app can reach); the agent registers the webhook.',
    });
  }
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

  // ---- the source: what goes to the API, what the engine applies, and `since`.
  const engineConds: A.Condition[] = [];
  const query: Record<string, string | number | boolean> = {};
  let limit: number | undefined;
  const record = srcRef.action?.record ?? { kind: 'record' as const, fields: new Map(), open: true };
  for (const c of src.where) {
    const place = placeCondition(srcRef.action, record, c);
    const v = evaluate(c.value, {}, ectx);
    if (place.kind === 'limit') limit = typeof v === 'number' ? v : undefined;
    else if (place.kind === 'api' || place.kind === 'path') {
      if (v !== null && typeof v !== 'object') query[place.param.name] = paramValue(srcAction, place.param.name, v);
    } else engineConds.push(c);
  }
  // `where since_timestamp = ~{CreatedDate}~` (the seed's own filter) says what `since` says: read
  // from the watermark, and move it.
  const sinceExpr = src.since ?? impliedSince(src.where, srcAction);
  const since = sinceExpr && srcAction.since ? srcAction.since : null;
  let lower: Cursor | null = null;
  if (since && sinceExpr) {
    const v = evaluate(sinceExpr, {}, ectx);
    try {
      lower = v === null ? null : normaliseCursor(v as string);
    } catch {
      throw new SluiceError('SL7003', `\`since ${printExpr(sinceExpr)}\` is not a time: ${JSON.stringify(v)}`);
    }
    if (since.kind === 'param' && since.params) Object.assign(query, since.params);
    if (lower) {
      if (since.kind === 'param') query[since.param] = formatTime(lower.value, since.format);
      else if (since.kind === 'sort') Object.assign(query, since.params);
    }
    if (srcAction.app === 'pipedrive' && srcAction.name === 'recents' && lower && Date.parse(started.toISOString()) - Date.parse(lower.value) > 31 * 86400_000) {
      summary.warnings.push(
        `pipedrive.recents only reaches one month back: changes between ${lower.value} and a month ago are not returned. Use pipedrive.persons, deals, ... for a first full sync.`,
      );
    }
  }
  const wm = stateStore && since ? await stateStore.watermark(stateKey, sourceName) : null;
  const boundary = new Boundary(lower, wm);

  const rejects: Rejection[] = [];
  const onReject = (r: Rejection) => rejects.push(r);
  let source: Source;
  // With `since`, records already written are skipped, so `limit` counts the new ones (below) and
  // the reader is not capped; without it the reader stops at `limit` by itself.
  const readerLimit = since ? undefined : limit;
  if (srcAction.webhook && o.events) source = o.events(srcAction, query);
  else if (srcApp.kind === 'http') source = o.http.source(srcRef, srcAction, query, { ...(readerLimit !== undefined ? { limit: readerLimit } : {}), signal: o.signal });
  else source = builtinSource(srcApp, srcAction, evalOptions(src.options, ectx), src.recordType ? declaredRecord(src.recordType) : undefined, o.io, since ? { from: lower?.value ?? null } : null);
  // A database source reads the cursor and key columns the flow names (`cursor = "changed_at"`).
  const cursorField = source.cursorField ?? since?.field ?? srcAction.cursorField;
  const keyFields = source.keyFields ?? srcAction.key;
  // A record the source itself refuses (a CSV row that does not convert) was read too.
  source.onReject = (r) => {
    summary.read++;
    onReject(r);
  };

  // ---- the destination and the steps
  const runContext: RunContext = { incremental: since !== null, started, record: f.output, ...(f.output.open ? {} : { columns: [...f.output.fields.keys()] }) };
  let dest: Destination;
  const upsert = upsertOptions(o.registry, f.dest!, destAction, p.dest?.upsert);
  if (destApp.kind === 'http') dest = o.http.destination(f.dest!, destAction, { dryRun: o.dryRun, explicit: explicitFields(p.steps), ...(o.log ? { log: o.log } : {}), ...(upsert ? { upsert } : {}) });
  else if (o.dryRun) dest = dryDestination(destAction.qualifiedName, o.log);
  else dest = builtinDestination(destApp, destAction, evalOptions(p.dest!.options, ectx), o.io, runContext);
  summary.destination = dest.describe;
  // `on reject APP.ACTION`: refused records also go there (they are kept in the state store anyway).
  const rejectSetting = f.flow.settings.find((x): x is A.OnReject => x.kind === 'OnReject');
  let rejectDest: Destination | undefined;
  if (rejectSetting && f.onReject && !o.dryRun) {
    const ra = resolveAction(o.registry, f.onReject);
    const rapp = o.registry.app(ra.app)!;
    // Rejections of every run are kept, so a reject file is appended to unless the flow says otherwise.
    rejectDest = rapp.kind === 'http' ? o.http.destination(f.onReject, ra, { dryRun: false }) : builtinDestination(rapp, ra, evalOptions(rejectSetting.options, ectx), o.io, { ...runContext, incremental: true, columns: undefined });
  }

  const lookups = new Map<A.LookupStep, (params: Record<string, Value>) => Promise<Rec | null>>();
  for (const [step, ref] of f.lookups) lookups.set(step, o.http.lookup(ref, resolveAction(o.registry, ref)));
  const lookup: LookupRunner = (step, params) => lookups.get(step)!(params);
  const steps = compileSteps(p.steps, { eval: ectx, lookup, reject: onReject });
  const keep = engineFilter(engineConds, ectx);
  const digested = since ? digestFields(p.steps, engineConds) : null;

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
      if (o.store && runId !== null) await o.store.reject(runId, key, { destination: dest.describe, record: r.record, ...(r.source ? { source: r.source } : {}), reason: r.reason, code: r.code });
    }
    if (rejectDest && batch.length) {
      await rejectDest.write(batch.map((r) => ({ ...r.record, _rejected: { reason: r.reason, code: r.code, destination: dest.describe } })));
    }
  };

  let stoppedEarly = false;
  let fresh = 0;
  let span: ReturnType<typeof pageSpan> = null;
  const handledAtCommit: Rec[] = [];
  try {
    if (o.http.beforeRun) summary.warnings.push(...(await o.http.beforeRun(f)));
    try {
      outer: for await (const page of source.pages()) {
        summary.pages++;
        span?.end();
        span = pageSpan(summary.pages);
        const batch: Rec[] = [];
        // The boundary id of each record of `batch` (null without `since` or without a cursor).
        const batchKeys: (string | null)[] = [];
        // Records at or after the lower bound, in page order, with their index in `batch` (-1 for
        // those that do not go through the steps): noted once handled to the end.
        const seen: { k: string; c: Cursor; bi: number }[] = [];
        // Every record of the page this run looked at (a source keeping its own progress is told).
        const considered: Rec[] = [];
        let reachedWatermark = false;
        let limitReached = false;
        for (const rec of page) {
          if (limit !== undefined && fresh >= limit) {
            limitReached = true;
            break;
          }
          summary.read++;
          considered.push(rec);
          const c = since ? cursorOf(rec, cursorField) : null;
          const id = since && c ? recordKey(rec, keyFields) : '';
          const k = since && c ? versionKey(rec, id, c, digested) : null;
          const where = k && c ? boundary.classify(c, id, k) : 'new';
          if (where === 'older') {
            // Older than the watermark: with a newest-first source nothing after it is new either.
            if (since!.kind === 'sort') reachedWatermark = true;
            summary.skipped++;
            continue;
          }
          if (k && c && where === 'written') {
            summary.skipped++;
            seen.push({ k, c, bi: -1 });
            continue;
          }
          if (k && c && where === 'sending') {
            // An earlier run died while sending it: it may have been applied. Kept, not sent again.
            rejects.push({
              record: rec,
              source: rec,
              reason: 'an earlier run was stopped while this record was being sent: it may or may not have been applied (not sent again: `sluice replay` checks whether it arrived before sending it)',
              code: 'uncertain',
            });
            seen.push({ k, c, bi: -1 });
            continue;
          }
          fresh++;
          if (!keep(rec)) {
            summary.filtered++;
            if (k && c) seen.push({ k, c, bi: -1 });
            continue;
          }
          if (k && c) seen.push({ k, c, bi: batch.length });
          batch.push(rec);
          batchKeys.push(k);
        }
        const rejectedBefore = rejects.length;
        const out = await steps(batch);
        summary.filtered += Math.max(0, out.consumed - out.records.length - (rejects.length - rejectedBefore));
        const keyOf = (i: number) => batchKeys[out.origins[i]];
        // Writes accepted so far in this batch: the history of a run killed mid-batch shows them.
        let acceptedNow = 0;
        const progress = source.progress;
        const hooks: WriteHooks | undefined = progress && !o.dryRun
          ? {
              sending: (i) => progress.sending(batch[out.origins[i]]),
              accepted: (i) => {
                if (dest.durability === 'batch') progress.handled([batch[out.origins[i]]]);
              },
            }
          : saving
          ? {
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
        // Handled to the end: taken by the steps, and accepted or rejected if it reached the
        // destination. The rest (after a `take`'s count, or not attempted when interrupted) is left
        // for the next run.
        const finished = new Uint8Array(batch.length);
        finished.fill(1, 0, out.consumed);
        const handled = new Set<Rec>(result.accepted);
        for (const r of result.rejected) handled.add(r.record);
        let unattempted = false;
        out.records.forEach((r, i) => {
          if (!handled.has(r)) {
            finished[out.origins[i]] = 0;
            unattempted = true;
          }
        });
        for (const x of seen) if (x.bi < 0 || finished[x.bi]) boundary.note(x.k, x.c);
        if (progress && !o.dryRun) {
          const index = new Map(batch.map((r, i) => [r, i]));
          const done = considered.filter((r) => {
            const i = index.get(r);
            return i === undefined || finished[i] === 1;
          });
          // Written for good once the destination says so: per batch, or at its commit.
          if (dest.durability === 'batch') progress.handled(done);
          else handledAtCommit.push(...done);
        }
        for (const done of finished) if (!done) summary.unsent++;
        // A destination that is durable per batch lets the progress be saved per batch, so that a
        // crash repeats nothing already written.
        if (saving && dest.durability === 'batch' && boundary.pending) {
          await o.store!.commitProgress(runId!, key, sourceName, { watermark: boundary.startMark, boundaryIds: boundary.takeProcessed(), counts: counts(summary) });
        } else if (!o.dryRun && o.store && runId !== null && dest.durability === 'batch') {
          // What this run has made durable so far: the history of a run killed later shows it.
          await o.store.commitProgress(runId, key, sourceName, { watermark: null, counts: counts(summary) });
        }
        o.onProgress?.({ read: summary.read, written: summary.written, rejected: summary.rejected, pages: summary.pages });
        if (out.done || reachedWatermark || limitReached || unattempted || o.signal.aborted) {
          stoppedEarly = out.done || limitReached || unattempted || o.signal.aborted;
          break outer;
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
    if (limit !== undefined && fresh >= limit) stoppedEarly = true;
    await dest.commit();
    await rejectDest?.commit();
    if (!o.dryRun) source.progress?.handled(handledAtCommit);
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
    const e = err instanceof SluiceError ? err : new SluiceError('SL7000', err instanceof Error ? err.message : String(err));
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

/** A destination that writes nothing and says what it would have written (--dry-run). */
function dryDestination(name: string, log?: (line: string) => void): Destination {
  return {
    describe: `${name} (dry run)`,
    durability: 'batch',
    async write(batch) {
      for (const r of batch) log?.(`would write to ${name}: ${JSON.stringify(r)}`);
      return { accepted: batch, rejected: [] };
    },
    async commit() {},
    async abort() {},
  };
}

/** The first of `keys` that has state (a dry run reads an older key in place rather than adopting it). */
async function firstKeyWithState(store: StateStore, keys: readonly string[]): Promise<string | undefined> {
  for (const k of keys) if (await store.hasFlow(k)) return k;
  return undefined;
}
