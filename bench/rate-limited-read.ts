// Benchmark 1, rate-limited read: 200 pages of 500 persons from the sandbox at plan premium
// (100 requests per rolling 2 s), read with Sluice's client, against the ideal of
// pages / allowed requests per second; then the same job the way a user would write it with the
// official client (`pipedrive@31`, a loop over v1 pages, no rate limiting of its own, a fixed 1 s
// sleep after a 429).
//
// A second part adds latency to every answer (a distant server; 50 ms by default) and runs the
// three again, Sluice also with several offset pages in flight (`ahead`): sequential paging is then
// bound by latency, not by the rate limit.
//
// `node scripts/run.mjs bench/rate-limited-read.ts` runs it; `main()` is exported for bench/run.ts.
// Env: BENCH_PAGES (default 200), BENCH_PLAN (default premium), BENCH_LATENCY_MS (default 50; 0
// skips the second part), BENCH_AHEAD (default 8).
//
// The sandbox runs in this process: paging is sequential (each page's answer says where the next
// starts), so the client and the server never compete for the CPU at the same moment. Its record
// cache is warmed first (on plan unlimited), so that neither contender pays the first
// serialisation of 100,000 persons and the comparison is about request pacing alone.
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fmt } from './common.js';
import { v1 as pipedriveV1 } from 'pipedrive-v31';
import { loadRegistry } from '../src/apps/index.js';
import { Secret, type ResolvedConnection } from '../src/connections/index.js';
import { ApiClient, clearLimiters, limiterPlan, pages, type PageableAction } from '../src/runtime/http/index.js';
import { startSandbox, type Plan, type Sandbox } from '../src/sandbox/index.js';

const PER_PAGE = 500;

export interface RunResult {
  name: string;
  /** Added to every answer by the sandbox. */
  latencyMs: number;
  ms: number;
  /** ideal / actual: 1 is the ideal pace, above 1 is faster (a rolling window allows a first burst). */
  ratio: number;
  records: number;
  requests: number;
  /** 429 answers the server gave. */
  rateLimited: number;
}

export interface RateLimitedReadResult {
  pages: number;
  plan: string;
  burst: number;
  windowMs: number;
  idealMs: number;
  runs: RunResult[];
}

export interface Options {
  pages?: number;
  plan?: Exclude<Plan, 'unlimited'>;
  latencyMs?: number;
  ahead?: number;
  log?: (line: string) => void;
}


export async function main(options: Options = {}): Promise<RateLimitedReadResult> {
  const nPages = options.pages ?? Number(process.env.BENCH_PAGES ?? 200);
  const planName = options.plan ?? ((process.env.BENCH_PLAN as Exclude<Plan, 'unlimited'> | undefined) ?? 'premium');
  const log = options.log ?? ((line: string) => console.log(line));
  const latencyMs = options.latencyMs ?? Number(process.env.BENCH_LATENCY_MS ?? 50);
  const ahead = options.ahead ?? Number(process.env.BENCH_AHEAD ?? 8);
  const registry = loadRegistry();
  const app = registry.app('pipedrive')!;
  const plan = limiterPlan(app.http!.rateLimit, planName);
  const idealMs = (nPages / (plan.burst / (plan.windowMs / 1000))) * 1000;
  const persons = nPages * PER_PAGE;

  let t = performance.now();
  const sb = await startSandbox({ seed: 1, persons, plan: 'unlimited' });
  try {
    log(`rate-limited read: ${nPages} pages x ${PER_PAGE} persons (${fmt(persons)} generated in ${fmt(performance.now() - t)} ms); sandbox plan ${planName}: ${plan.burst} requests per ${plan.windowMs / 1000} s rolling window`);
    t = performance.now();
    await warm(sb, nPages);
    log(`sandbox cache warmed in ${fmt(performance.now() - t)} ms (plan unlimited)`);
    sb.setPlan(planName);
    log(`ideal: ${nPages} requests / ${fmt(plan.burst / (plan.windowMs / 1000))} per s = ${fmt(idealMs / 1000, 2)} s (a rolling window lets the first ${plan.burst} go at once, so up to ${fmt((Math.ceil(nPages / plan.burst) - 1) * (plan.windowMs / 1000), 1)} s is possible)`);

    const action = registry.action('pipedrive.persons', 'read', 'v1')!;
    const pageable: PageableAction = { path: action.path!, method: action.method, pagination: action.pagination, extract: action.extract, cost: action.cost, version: action.version };
    const connection: ResolvedConnection = { name: 'bench', app: 'pipedrive', baseUrl: sb.url, apiVersion: 'v1', token: new Secret(sb.token), tokenSource: { kind: 'env', variable: 'SLUICE_BENCH_TOKEN' }, origin: 'env' };

    const runs: RunResult[] = [];
    let latency = 0;
    const measure = async (name: string, job: () => Promise<{ records: number }>): Promise<void> => {
      // Each contender starts with an empty server window and a fresh limiter.
      sb.resetRateLimits();
      sb.resetStats();
      clearLimiters();
      const started = performance.now();
      const { records } = await job();
      const ms = performance.now() - started;
      const s = sb.stats();
      const r: RunResult = { name, latencyMs: latency, ms, ratio: idealMs / ms, records, requests: s.requests, rateLimited: s.rateLimited };
      runs.push(r);
      log(`${name.padEnd(44)} ${fmt(ms / 1000, 2).padStart(6)} s   ideal/actual ${fmt(r.ratio, 2)}   429s ${r.rateLimited}   requests ${r.requests}   records ${fmt(records)}`);
    };

    const sluice = (clientPlan: string | undefined, pagesAhead = 1) => async (): Promise<{ records: number }> => {
      const client = new ApiClient(app, connection, clientPlan ? { plan: clientPlan } : {});
      let records = 0;
      for await (const page of pages(client, pageable, {}, { limit: persons, ahead: pagesAhead })) records += page.length;
      return { records };
    };
    await measure(`sluice (connection plan ${planName})`, sluice(planName));
    await measure('sluice (plan not given: lite, then headers)', sluice(undefined));
    await measure('official pipedrive@31 loop, 1 s sleep on 429', () => officialLoop(sb, nPages));

    if (latencyMs > 0) {
      latency = latencyMs;
      sb.setFaults({ latencyMs });
      log(`with ${latencyMs} ms added to every answer (a distant server):`);
      await measure(`sluice, one page ahead (default)`, sluice(planName));
      await measure(`sluice, ${ahead} offset pages ahead`, sluice(planName, ahead));
      await measure('official pipedrive@31 loop, 1 s sleep on 429', () => officialLoop(sb, nPages));
      sb.setFaults({ latencyMs: 0 });
    }

    const [best] = runs;
    log(`target: ideal/actual >= 0.95 with zero 429s: ${best.ratio >= 0.95 && best.rateLimited === 0 ? 'met' : 'NOT met'}`);
    return { pages: nPages, plan: planName, burst: plan.burst, windowMs: plan.windowMs, idealMs, runs };
  } finally {
    await sb.close();
  }
}

/** Serialises every page once, so that both contenders read from the sandbox's cache. */
async function warm(sb: Sandbox, nPages: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < nPages) {
        const res = await fetch(`${sb.url}/api/v1/persons?start=${next++ * PER_PAGE}&limit=${PER_PAGE}`, { headers: { 'x-api-token': sb.token } });
        await res.arrayBuffer();
      }
    }),
  );
}

/** What a user writes with the official client: a loop over pages; after a 429, sleep 1 s and ask again. */
async function officialLoop(sb: Sandbox, nPages: number): Promise<{ records: number }> {
  const api = new pipedriveV1.PersonsApi(new pipedriveV1.Configuration({ apiKey: sb.token, basePath: `${sb.url}/api/v1` }));
  let records = 0;
  let start: number | undefined = 0;
  let read = 0;
  while (start !== undefined && read < nPages) {
    try {
      const res = await api.getPersons({ start, limit: PER_PAGE });
      records += res.data?.length ?? 0;
      read++;
      const p = res.additional_data?.pagination;
      start = p?.more_items_in_collection ? p.next_start : undefined;
    } catch (err) {
      // The client rejects with the body; a 429 is `{ errorCode: 429, error: "request over limit" }`.
      if ((err as { errorCode?: unknown })?.errorCode !== 429) throw err;
      await sleep(1000);
    }
  }
  return { records };
}

// Run when executed directly (also from the bundle scripts/run.mjs writes), not when imported.
if (process.argv[1] && basename(process.argv[1]).startsWith('rate-limited-read')) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
