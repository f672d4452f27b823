// The Pipedrive sandbox: a local server that answers like Pipedrive's API (see
// ../../../shared/PIPEDRIVE.md and ./README.md). `startSandbox()` runs it in-process for tests and
// benchmarks; `sluice sandbox pipedrive` runs it from the command line.
//
// Independence: nothing here imports the connector side (stdlib/, src/check, src/apps,
// src/runtime, src/language). The sandbox is the reference the connector is tested against.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SandboxClock, type ClockMode } from './clock.js';
import { dataApi, type SandboxData } from './data-api.js';
import { loadData, readDataFile, type SandboxDataFile } from './data/file.js';
import { DEFAULT_SIZES, seedWorld, type SeedSizes } from './data/seed.js';
import { FaultInjector, type FaultKind, type FaultSettings } from './faults.js';
import { Prng, hash32, seedFrom } from './prng.js';
import { PLANS, RateLimiter, type Plan } from './rate-limit.js';
import { Router, type RouteSettings } from './router.js';
import { ROUTES } from './routes/index.js';
import { createHandler, type RequestLogEntry } from './server.js';
import { StatsCounter, type SandboxStats } from './stats.js';
import { Store } from './store.js';
import { DEFAULT_WEBHOOK_SETTINGS, Webhooks, type Registration, type WebhookSettings, type WebhookStats } from './webhooks.js';
import type { World } from './world.js';

/**
 * The token the sandbox accepts unless told otherwise. 40 lowercase hex characters like a real
 * Pipedrive API token; "5a1ce" repeated, so that it is recognisable in a config file and never
 * mistaken for a real one.
 */
export const DEFAULT_SANDBOX_TOKEN = '5a1ce5a1ce5a1ce5a1ce5a1ce5a1ce5a1ce5a1ce';

export const TOKEN_RE = /^[0-9a-f]{40}$/;

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback by default. */
  host?: string;
  /** The accepted API token (40 lowercase hex). */
  token?: string;
  /** More accepted tokens (each has its own burst window; all share the company's daily budget). */
  extraTokens?: string[];
  /** Same seed and sizes, same data, ids and timestamps. Default 1. */
  seed?: number | string;
  persons?: number;
  deals?: number;
  leads?: number;
  organizations?: number;
  users?: number;
  activities?: number;
  notes?: number;
  /** Rate-limit plan (default "premium": realistic limits that a normal test run stays under). */
  plan?: Plan;
  /** Override the daily token budget (30,000 x plan multiplier x seats). */
  dailyBudget?: number;
  /** Where the sandbox clock starts (default 2026-01-15T12:00:00Z). */
  now?: Date | string | number;
  /** "frozen" (default): time moves only by clock.advance()/set(); "ticking": it follows real time. */
  clock?: ClockMode;
  faults?: Partial<FaultSettings>;
  /** A data file's content or its path; replaces the generated data (see data/file.ts). */
  data?: SandboxDataFile | string;
  /** Where /v1/leads puts pagination: "nested" (additional_data.pagination, default) or "flat". */
  leadsPagination?: RouteSettings['leadsPagination'];
  /** Retry waits and timeout of webhook deliveries (default: 3 s, 30 s, 150 s; 10 s). */
  webhooks?: Partial<WebhookSettings>;
  /** Called after every answer (the CLI's -v log). The path never contains the token. */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Called with unexpected handler errors (answered as 500). Default: printed to stderr. */
  onError?: (err: unknown) => void;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:41234 (no trailing slash, no /api). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly seed: number;
  readonly clock: SandboxClock;
  /** Create, update and delete records between runs. */
  readonly data: SandboxData;
  readonly plan: Plan;
  setPlan(plan: Plan): void;
  setDailyBudget(budget: number | undefined): void;
  dailyRemaining(): number;
  /** Empty every burst window and the day's spending. */
  resetRateLimits(): void;
  readonly faults: FaultSettings;
  setFaults(faults: Partial<FaultSettings>): void;
  /** Force the next `count` API requests to fail this way (500, 502, 503, 'reset', 'malformed'). */
  failNext(kind: FaultKind, count?: number): void;
  /** Turn every fault off and restart the fault sequence numbering. */
  resetFaults(): void;
  stats(): SandboxStats;
  resetStats(): void;
  /** Webhook registrations (made through /v1/webhooks) and their deliveries. */
  readonly webhooks: {
    list(): Registration[];
    /** The next `count` events are not delivered at all (Pipedrive failing to send them). */
    dropNext(count?: number): void;
    stats(): WebhookStats;
    /** Deliveries under way or waiting for a retry. */
    readonly pending: number;
  };
  close(): Promise<void>;
}

export function buildWorld(options: SandboxOptions): { world: World; seed: number } {
  const seed = seedFrom(options.seed);
  let data: SandboxDataFile | undefined;
  if (typeof options.data === 'string') data = readDataFile(options.data);
  else data = options.data;
  const startRaw = options.now ?? data?.now;
  const start = startRaw === undefined ? undefined : startRaw instanceof Date ? startRaw.getTime() : typeof startRaw === 'number' ? startRaw : Date.parse(startRaw);
  if (start !== undefined && !Number.isFinite(start)) throw new RangeError(`invalid start time: ${String(startRaw)}`);
  const clock = new SandboxClock(start, options.clock ?? 'frozen');
  const world: World = { store: new Store(), clock, uuids: new Prng(hash32(seed, 'created-leads')) };
  if (data) {
    loadData(world, data, seed);
  } else {
    const sizes: SeedSizes = { ...DEFAULT_SIZES };
    for (const k of Object.keys(sizes) as (keyof SeedSizes)[]) {
      const v = options[k];
      if (v !== undefined) {
        if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer, got ${v}`);
        sizes[k] = v;
      }
    }
    seedWorld(world, seed, sizes);
  }
  return { world, seed };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const token = options.token ?? DEFAULT_SANDBOX_TOKEN;
  for (const t of [token, ...(options.extraTokens ?? [])]) {
    if (!TOKEN_RE.test(t)) throw new RangeError('a sandbox token must be 40 lowercase hex characters, like a Pipedrive API token');
  }
  const plan = options.plan ?? 'premium';
  if (!PLANS.includes(plan)) throw new RangeError(`unknown plan ${String(plan)}; use ${PLANS.join(', ')}`);
  const { world, seed } = buildWorld(options);
  // After the seed: generated records are not events.
  const hooks = new Webhooks(world, { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks });
  world.webhooks = hooks;
  world.changes = (c) => hooks.changed(c);
  const limiter = new RateLimiter({
    plan,
    seats: () => world.store.users.all().filter((u) => u.active_flag).length,
    now: () => world.clock.now(),
    monotonic: () => world.clock.monotonic(),
    dailyBudget: options.dailyBudget,
  });
  const faults = new FaultInjector(seed, options.faults);
  const stats = new StatsCounter();
  const handler = createHandler({
    world,
    router: new Router(ROUTES),
    limiter,
    faults,
    stats,
    tokens: new Set([token, ...(options.extraTokens ?? [])]),
    settings: { leadsPagination: options.leadsPagination ?? 'nested' },
    onRequest: options.onRequest,
    onError: options.onError ?? ((err) => process.stderr.write(`sandbox: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)),
  });

  const server: Server = createServer({ keepAliveTimeout: 10_000 }, handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    token,
    seed,
    clock: world.clock,
    data: dataApi(world),
    get plan() {
      return limiter.currentPlan;
    },
    setPlan: (p) => {
      if (!PLANS.includes(p)) throw new RangeError(`unknown plan ${String(p)}; use ${PLANS.join(', ')}`);
      limiter.setPlan(p);
    },
    setDailyBudget: (b) => limiter.setDailyBudget(b),
    dailyRemaining: () => limiter.dailyRemaining(),
    resetRateLimits: () => limiter.reset(),
    get faults() {
      return faults.current;
    },
    setFaults: (f) => faults.set(f),
    failNext: (kind, count) => faults.failNext(kind, count),
    resetFaults: () => {
      faults.set({ latencyMs: 0, failRate: 0, resetRate: 0, malformedRate: 0 });
      faults.reset();
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    webhooks: {
      list: () => hooks.list(),
      dropNext: (count) => hooks.dropNext(count),
      stats: () => ({ ...hooks.counts }),
      get pending() {
        return hooks.pending;
      },
    },
    close: () => {
      hooks.close();
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would hold close() open for their idle timeout.
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}

export { DEFAULT_START, SandboxClock, type ClockMode } from './clock.js';
export { customKey, FIELD_DEFS, type FieldDef } from './custom-fields.js';
export type { EntityApi, SandboxData } from './data-api.js';
export { readDataFile, type SandboxDataFile } from './data/file.js';
export { DEFAULT_SIZES, type SeedSizes } from './data/seed.js';
export { RATE_LIMITED_BODY, UNAUTHORIZED_BODY, ERROR_INFO } from './errors.js';
export { NO_FAULTS, type FaultKind, type FaultSettings } from './faults.js';
export type * from './model.js';
export { PLANS, PLAN_LIMITS, requestCost, type Plan, type CostKind } from './rate-limit.js';
export type { RequestLogEntry } from './server.js';
export type { SandboxStats } from './stats.js';
export type { Registration, WebhookSettings, WebhookStats } from './webhooks.js';
