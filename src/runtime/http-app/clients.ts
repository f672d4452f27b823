// The process's HTTP clients: one ApiClient per connection (one rate limiter per base URL and token,
// see ../http), the daily budget of each company shared by every connection to it, and the counts a
// run reports (requests, retries, time waited on rate limits).
import type { AppDef, AppRegistry, ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import { resolveAppConnection, usesDefinedFields } from '../../connections/app-connection.js';
import { resolveConnection, type ResolvedConnection } from '../../connections/index.js';
import { concurrencyFor, LatencyEstimate } from '../http/adaptive-concurrency.js';
import { BudgetLedger, DailyBudget, dailyLimit } from '../http/budget.js';
import { readWindowFor, sliceCountFor, streamTooSlow as streamTooSlowAt } from '../http/page-window.js';
import { ApiClient, type HttpEvent } from '../http/index.js';
import type { RateLimitWait, RunSummary } from '../run-summary.js';
import { traceHttp } from '../tracing.js';

export interface HttpClientsOptions {
  env: Record<string, string | undefined>;
  /** $SLUICE_HOME: where the daily-budget ledger is shared with other processes. */
  home?: string;
  /** Every HTTP event with its connection's base URL (metrics count them by host). */
  onEvent?: (event: HttpEvent, baseUrl: string) => void;
}

export class HttpClients {
  private readonly clients = new Map<string, ApiClient>();
  private readonly counts = { requests: 0, retries: 0, rateLimitWaits: 0, waitedMs: 0, status429: 0 };
  // Wall time spent waiting: concurrent requests waiting together count once. A wait is reported
  // when it ends, so it covered [now - ms, now]; the union of those intervals is what a person waited.
  private waitedUntil = 0;
  private readonly budgets = new Map<string, DailyBudget>();
  private ledger: BudgetLedger | undefined;
  private readonly reported = new Map<DailyBudget, number>();
  // The latency of each client's answers, which sets how many requests it keeps in flight.
  private readonly latencies = new Map<ApiClient, LatencyEstimate>();

  constructor(
    readonly registry: AppRegistry,
    private readonly o: HttpClientsOptions,
  ) {}

  private readonly count = (e: HttpEvent): void => {
    if (e.type === 'request') this.counts.requests++;
    else if (e.type === 'retry') this.counts.retries++;
    else if (e.type === 'rate-limit-wait') {
      this.counts.rateLimitWaits++;
      const end = performance.now();
      const start = Math.max(end - e.ms, this.waitedUntil);
      if (end > start) this.counts.waitedMs += Math.round(end - start);
      this.waitedUntil = Math.max(this.waitedUntil, end);
    } else if (e.type === '429') this.counts.status429++;
  };

  /** The daily budget of the company (host) of `conn`, when its app has one. */
  private budgetFor(conn: ResolvedConnection, app: AppDef): DailyBudget | undefined {
    const limit = dailyLimit(app.http?.rateLimit, conn);
    if (limit === undefined) return undefined;
    const company = new URL(conn.baseUrl).host;
    let b = this.budgets.get(company);
    if (!b) {
      this.ledger ??= this.o.home ? BudgetLedger.open(this.o.home) : undefined;
      b = new DailyBudget(company, limit, this.ledger);
      this.budgets.set(company, b);
    }
    return b;
  }

  /** The client of connection `name` of `app`, opened on first use. */
  readonly named = (name: string, app: string): ApiClient => {
    let client = this.clients.get(name);
    if (!client) {
      const def = this.registry.app(app)!;
      // An app whose definition says what a connection holds (auth, base URL) resolves it from that.
      const conn = usesDefinedFields(def) ? resolveAppConnection(name, def, this.o.env) : resolveConnection(name, app, this.o.env);
      const budget = this.budgetFor(conn, def);
      const onEvent = this.o.onEvent;
      const latency = new LatencyEstimate();
      // Every attempt is counted, timed (answers' latency sizes read windows and writes in flight),
      // traced (a span when tracing is on) and reported.
      const events = (e: HttpEvent) => {
        if (e.type === 'response') latency.observe(e.ms);
        this.count(e);
        traceHttp(e, conn.baseUrl);
        onEvent?.(e, conn.baseUrl);
      };
      client = new ApiClient(def, conn, { onEvent: events, ...(conn.plan ? { plan: conn.plan } : {}), ...(budget ? { budget } : {}) });
      this.clients.set(name, client);
      this.latencies.set(client, latency);
    }
    return client;
  };

  /** The client an action of a flow uses: its connection, or the app's default one. */
  for(ref: ResolvedRef, action: ResolvedAction): ApiClient {
    return this.named(ref.connection?.name ?? action.app, action.app);
  }

  /** Writes `client` keeps in flight: what keeps its rate busy at the observed latency (adaptive-concurrency.ts). */
  writeConcurrency(client: ApiClient): number {
    const l = client.limiter.stats();
    return concurrencyFor(this.latencies.get(client)?.ms, l.burst, l.windowMs);
  }

  /**
   * Offset pages in flight at most while reading (the window grows to it while pages come back
   * full, page-window.ts): what keeps the rate busy at the observed latency, within a quarter of
   * the burst. Against a server too slow for one stream (streamTooSlow), the quarter of the burst
   * itself: a read that fits in the burst ends sooner the more of it is in flight, and the rate
   * limiter still decides when each request goes.
   */
  readWindow(client: ApiClient): number {
    const l = client.limiter.stats();
    const window = readWindowFor(l.burst, l.windowMs);
    return this.streamTooSlow(client) ? window : Math.min(window, concurrencyFor(this.latencies.get(client)?.ms, l.burst, l.windowMs));
  }

  /** Whether one request after another leaves most of `client`'s rate unused at the observed latency (page-window.ts). */
  streamTooSlow(client: ApiClient): boolean {
    const l = client.limiter.stats();
    return streamTooSlowAt(this.latencies.get(client)?.ms, l.burst, l.windowMs);
  }

  /**
   * Time slices a cursor read starts at once: half the plan's burst (page-window.ts,
   * `sliceCountFor`), not rate x latency. A slice costs a request only when it is read, the rate
   * limiter still decides when each goes, and a read that fits in the burst ends sooner the more of
   * it is in flight at once; pages read ahead are bounded across slices on their own
   * (SLICED_READ_AHEAD).
   */
  sliceCount(client: ApiClient): number {
    const l = client.limiter.stats();
    return sliceCountFor(l.burst, l.windowMs);
  }

  limiters(): { baseUrl: string; waiting: number; dailyLeft?: number }[] {
    return [...this.clients.values()].map((c) => {
      const l = c.limiter.stats();
      return { baseUrl: c.connection.baseUrl, waiting: l.waiting, ...(l.dailyLeft !== undefined ? { dailyLeft: l.dailyLeft } : {}) };
    });
  }

  /** Whether requests are waiting on a rate limit now, and whose. */
  waiting(): RateLimitWait | null {
    for (const [name, client] of this.clients) {
      const l = client.limiter.stats();
      if (l.waiting > 0 && (l.paused || l.inWindow >= l.burst)) {
        const app = this.registry.app(client.connection.app);
        const plan = client.connection.plan ?? app?.http?.rateLimit?.defaultPlan ?? 'unknown';
        return { connection: name, app: app?.title ?? client.connection.app, plan, burst: l.burst, windowSeconds: l.windowMs / 1000, paused: l.paused };
      }
    }
    return null;
  }

  /** Called once at the end of each run: tokens and budget warnings are those since the last call. */
  stats(): RunSummary['http'] {
    const list = [...this.budgets.values()];
    if (list.length === 0) return { ...this.counts };
    let tokens = 0;
    const warnings: string[] = [];
    for (const b of list) {
      // Never below zero: a request of an earlier run aborted after its summary gives its tokens
      // back (budget.ts `refund`), which is not this run's saving.
      const since = Math.max(0, b.spentHere - (this.reported.get(b) ?? 0));
      this.reported.set(b, b.spentHere);
      tokens += since;
      const w = since > 0 ? b.warning() : undefined;
      if (w) warnings.push(w);
    }
    return { ...this.counts, tokens, budget: list.map((b) => b.status()), ...(warnings.length ? { warnings } : {}) };
  }

  close(): void {
    this.clients.clear();
    this.ledger?.close();
    this.ledger = undefined;
  }
}
