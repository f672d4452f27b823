// `check --explain`: the plan of each flow (the one the runtime runs, src/check/flow-plan.ts) in
// words (what is asked of the API, what the engine does), and as data for --format json.
import type { ActionInfo } from '../check/env.js';
import type { ProgramModel } from '../check/model.js';
import { planFlow } from '../check/flow-plan.js';
import { describePlacement } from '../check/plan.js';
import { printExpr } from '../language/printer.js';
import { START_CONCURRENCY } from '../runtime/http/adaptive-concurrency.js';
import { MAX_READ_WINDOW, MAX_SLICES, SLICED_READ_AHEAD } from '../runtime/http/page-window.js';

export interface FlowPlan {
  flow: string;
  source?: { action: string; version?: string; method?: string; path?: string; connection?: string };
  conditions: { condition: string; placement: string; explanation: string }[];
  since?: string;
  steps: string[];
  dest?: { action: string; version?: string; method?: string; path?: string; upsert?: { field: string; search: string; update: string } };
  /** `tee { ... }`: every destination in order (the first is also `dest`). */
  tee?: { action: string; version?: string; method?: string; path?: string }[];
  /** Daily-budget tokens: per page read (and its size), per lookup request, per record written. */
  cost?: { sourcePage?: number; pageSize?: number; lookups?: { name: string; tokens: number; batch?: number }[]; destRecord?: number };
  /** How pages are read: several offsets at once (a growing window), parallel time slices, or one after another. */
  reading?: { mode: 'window' | 'slices' | 'sequential'; text: string };
  /** How records are written to an API: as many at once as keep the plan's rate busy at the latency seen. */
  writing?: { mode: 'adaptive'; text: string };
  /** The only fields of each record the source parses (those the flow reads); absent: whole records. */
  fields?: string[];
  /** Lookups answered many ids a request: the step's name and the most ids a request. */
  batched?: { name: string; through: string; max: number }[];
  text: string;
}

const query = (params: Record<string, string | number | boolean>): string =>
  `\`${Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('&')}\``;

/** How records go to an API (see src/runtime/http/adaptive-concurrency.ts and src/runtime/http-app/writer.ts). */
const WRITING = `as many at once as the plan's rate x the observed latency (at least ${START_CONCURRENCY}, within the burst; ${START_CONCURRENCY} against an API without a rate limit), the rate limiter deciding when each goes; a record's own requests one after another`;

/** How the pages of a read go out (see src/runtime/http/page-window.ts and src/runtime/sources/time-slices.ts). */
function readingPlan(action: ActionInfo, since: boolean): FlowPlan['reading'] | undefined {
  if (action.pagination === 'offset') {
    return { mode: 'window', text: `several at once: one, then once it comes back full as many as the window allows, up to rate x observed latency (at most a quarter of the plan's burst per 2 s, ${MAX_READ_WINDOW} pages); in order, each committed only after those before it; pages asked for past the end count in the daily budget` };
  }
  if (action.pagination === 'cursor') {
    const param = action.since?.param;
    const until = param && /since$/.test(param) ? param.replace(/since$/, 'until') : undefined;
    const slices = `as many slices at once as half the plan's burst per 2 s (at most ${MAX_SLICES}), a dense slice cut again as slots free up, at most ${SLICED_READ_AHEAD} pages read ahead; a slice that fails leaves the rest to one stream`;
    if (since && until && action.params.has(until)) {
      return { mode: 'slices', text: `cursor pages, in parallel time slices once the first page is full (\`${param}\` / \`${until}\`, ${slices}), handed on oldest first; the watermark moves only over finished slices` };
    }
    if (!since && until && action.params.has(until) && action.since?.kind === 'param') {
      return { mode: 'slices', text: `cursor pages oldest first, the first and the newest page asked at once (one request more than a read of one page); when they do not meet and one stream would use half the plan's rate or less, the range between them in parallel time slices cut by the density at both ends (\`${param}\` / \`${until}\`, ${slices})` };
    }
    return { mode: 'sequential', text: 'cursor pages, one after another (the next cursor comes with each answer), the next requested while the current one is processed' };
  }
  return undefined;
}

export function explainFlows(model: ProgramModel): FlowPlan[] {
  return model.flows.map((f) => {
    const run = f.plan ?? planFlow(f);
    const src = f.flow.pipeline?.source;
    const action = f.source?.action;
    const lines = [`flow ${f.name}:`];
    const plan: FlowPlan = { flow: f.name, conditions: [], steps: [], text: '' };
    if (src && action) {
      plan.source = {
        action: action.qualified,
        ...(action.version ? { version: action.version } : {}),
        ...(action.method ? { method: action.method } : {}),
        ...(action.path ? { path: action.path } : {}),
        ...(f.source?.connection ? { connection: f.source.connection.name } : {}),
      };
      lines.push(
        `  source ${action.qualified}${action.method ? `: ${action.method} ${action.path}` : ''}${action.version ? ` (API ${action.version}` : ''}${f.source?.connection ? `${action.version ? ', ' : ' ('}connection ${f.source.connection.name})` : action.version ? ')' : ''}`,
      );
      for (const { condition: c, placement: p } of run.source?.conditions ?? []) {
        const text = `${c.key.map((k) => k.value).join('.')} ${c.op} ${printExpr(c.value)}`;
        const explanation = describePlacement(p, c);
        plan.conditions.push({ condition: text, placement: p.kind, explanation });
        lines.push(`    where ${text}: ${explanation}`);
      }
      if (action.tokens !== undefined) {
        plan.cost = { sourcePage: action.tokens, ...(action.pageSize ? { pageSize: action.pageSize } : {}) };
        lines.push(`    cost: ${action.tokens} tokens of the daily budget ${action.pageSize ? `per page (up to ${action.pageSize} records)` : 'per request'}`);
      }
      const reading = readingPlan(action, Boolean(run.source?.since));
      if (reading) {
        plan.reading = reading;
        lines.push(`    pages: ${reading.text}`);
      }
      // Only an API's pages are read in part (a file or database source gives whole rows, and so
      // does an action answering one object).
      if (run.reads && action.path !== undefined && action.pagination !== undefined) {
        plan.fields = run.reads;
        lines.push(`    fields: only ${run.reads.map((r) => `\`${r}\``).join(', ')} of each record (and those the read is keyed and ordered by) are parsed, the rest skipped as it arrives`);
      }
      if (run.source?.since && action.since) {
        const s = action.since;
        plan.since =
          s.kind === 'param'
            ? `sent as the API parameter \`${s.param}\`${s.params ? ` with ${query(s.params)} (oldest change first: a record changed during the run moves behind what was read)` : ''}; records at or after the watermark of \`${s.field}\``
            : s.kind === 'sort'
              ? `the API sorts by \`${s.field}\`, newest first, and reading stops at the watermark`
              : `every record is read and those with \`${s.field}\` at or after the watermark are kept`;
        lines.push(`    since ${printExpr(run.source.since.expr)}: ${plan.since}`);
      }
    }
    for (const step of f.flow.pipeline?.steps ?? []) {
      const looked = step.kind === 'Lookup' ? f.lookups.get(step)?.action : undefined;
      const tokens = looked?.tokens;
      const batch = looked?.batch;
      if (step.kind === 'Lookup' && batch) (plan.batched ??= []).push({ name: step.name.value, through: batch.list, max: batch.max });
      if (step.kind === 'Lookup' && tokens !== undefined) (plan.cost ??= {}).lookups = [...(plan.cost?.lookups ?? []), { name: step.name.value, tokens, ...(batch ? { batch: batch.max } : {}) }];
      const d =
        step.kind === 'Lookup'
          ? batch
            ? `lookup ${step.name.value} = ${step.action.name} (batched: the ids of a page go ${batch.max} a request through ${batch.list} with \`${batch.param}=\`, cached per id)`
            : `lookup ${step.name.value} = ${step.action.name} (once per distinct request, cached${tokens !== undefined ? `; ${tokens} tokens a request` : ''})`
          : step.kind.toLowerCase();
      plan.steps.push(d);
      lines.push(`  -> ${d}`);
    }
    const dest = f.dest?.action;
    if (dest) {
      const upsert = run.dest?.upsert;
      plan.dest = {
        action: dest.qualified,
        ...(dest.version ? { version: dest.version } : {}),
        ...(dest.method ? { method: dest.method } : {}),
        ...(dest.path ? { path: dest.path } : {}),
        ...(upsert ? { upsert: { field: upsert.field, search: upsert.search, update: `${dest.app}.${upsert.update}` } } : {}),
      };
      if (dest.tokens !== undefined) (plan.cost ??= {}).destRecord = dest.tokens;
      lines.push(
        `  -> dest ${dest.qualified}${dest.method ? `: ${dest.method} ${dest.path}` : ''}${dest.version ? ` (API ${dest.version}${dest.tokens !== undefined ? `; ${dest.tokens} tokens a record` : ''})` : ''}`,
      );
      if (upsert) lines.push(`    upsert by ${upsert.field}: searches ${dest.upsert?.path ?? ''} (fields=${upsert.search}, exact) for the value of \`${upsert.from}\`; one hit is updated with ${dest.app}.${upsert.update}, none is created, several reject the record`);
    }
    if (f.tee && f.tee.length > 1) {
      // The first destination's line above stands for the whole tee: replace it with all of them.
      const at = lines.findIndex((l) => l.startsWith('  -> dest '));
      const parts = f.tee.flatMap((r) => (r.action ? [r.action] : []));
      plan.tee = parts.map((a) => ({ action: a.qualified, ...(a.version ? { version: a.version } : {}), ...(a.method ? { method: a.method } : {}), ...(a.path ? { path: a.path } : {}) }));
      const teeLines = ['  -> tee: every record to each destination; written once all have accepted it', ...parts.map((a) => `     dest ${a.qualified}${a.method ? `: ${a.method} ${a.path}` : ''}${a.version ? ` (API ${a.version}${a.tokens !== undefined ? `; ${a.tokens} tokens a record` : ''})` : ''}`)];
      if (at >= 0) lines.splice(at, 1, ...teeLines);
      else lines.push(...teeLines);
    }
    const writers = f.tee && f.tee.length > 1 ? f.tee.map((r) => r.action) : [dest];
    if (writers.some((a) => a?.method)) {
      plan.writing = { mode: 'adaptive', text: WRITING };
      lines.push(`    writes: ${WRITING}`);
    }
    plan.text = lines.join('\n');
    return plan;
  });
}
