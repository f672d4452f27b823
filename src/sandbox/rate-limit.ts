// Pipedrive's two limits (PIPEDRIVE.md, "Rate limits"): a burst limit per token over a rolling
// 2-second window, and a daily token budget per company where each request costs by kind.
// Time comes from the sandbox clock's monotonic reading, so `clock.advance(2000)` ends a window.

export type Plan = 'lite' | 'growth' | 'premium' | 'ultimate' | 'unlimited';
export const PLANS: readonly Plan[] = ['lite', 'growth', 'premium', 'ultimate', 'unlimited'];

/** Burst per 2 s for API tokens, and the daily-budget multiplier. */
export const PLAN_LIMITS: Record<Exclude<Plan, 'unlimited'>, { burst: number; multiplier: number }> = {
  lite: { burst: 20, multiplier: 1 },
  growth: { burst: 40, multiplier: 2 },
  premium: { burst: 100, multiplier: 5 },
  ultimate: { burst: 120, multiplier: 7 },
};

export const WINDOW_MS = 2000;
/** Search endpoints have their own, smaller burst on every plan. */
export const SEARCH_BURST = 10;
export const DAILY_BASE = 30_000;

export type CostKind = 'list' | 'get' | 'create' | 'update' | 'delete' | 'search';

/** v1 token costs; v2 costs about half (rounded up, never below 1). Creates cost like updates. */
const V1_COST: Record<CostKind, number> = { get: 2, list: 20, create: 10, update: 10, delete: 6, search: 40 };

export function requestCost(version: 'v1' | 'v2', kind: CostKind): number {
  const c = V1_COST[kind];
  return version === 'v1' ? c : Math.max(1, Math.ceil(c / 2));
}

/** A rolling window: timestamps of the requests it admitted in the last 2 seconds. */
class RollingWindow {
  private hits: number[] = [];
  private head = 0;

  private prune(now: number): void {
    while (this.head < this.hits.length && this.hits[this.head] <= now - WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.hits.length) {
      this.hits = this.hits.slice(this.head);
      this.head = 0;
    }
  }

  count(now: number): number {
    this.prune(now);
    return this.hits.length - this.head;
  }

  /** Seconds until the oldest request in the window leaves it (what `x-ratelimit-reset` says). */
  resetSeconds(now: number): number {
    this.prune(now);
    if (this.head >= this.hits.length) return Math.ceil(WINDOW_MS / 1000);
    return Math.max(1, Math.ceil((this.hits[this.head] + WINDOW_MS - now) / 1000));
  }

  add(now: number): void {
    this.hits.push(now);
  }
}

export interface LimitDecision {
  allowed: boolean;
  reason?: 'burst' | 'daily';
  headers: Record<string, string>;
}

export interface RateLimiterOptions {
  plan: Plan;
  /** Seats for the daily budget; a function because users can be added at run time. */
  seats: () => number;
  /** Epoch ms on the sandbox calendar (for the daily reset at midnight UTC). */
  now: () => number;
  /** Monotonic ms for the burst windows. */
  monotonic: () => number;
  /** Overrides 30,000 x multiplier x seats (tests use a small budget to see it run out). */
  dailyBudget?: number;
}

export class RateLimiter {
  private plan: Plan;
  private dailyOverride: number | undefined;
  private readonly windows = new Map<string, RollingWindow>();
  private spent = 0;
  private day = '';

  constructor(private readonly o: RateLimiterOptions) {
    this.plan = o.plan;
    this.dailyOverride = o.dailyBudget;
  }

  get currentPlan(): Plan {
    return this.plan;
  }

  setPlan(plan: Plan): void {
    this.plan = plan;
    this.windows.clear();
  }

  setDailyBudget(budget: number | undefined): void {
    this.dailyOverride = budget;
  }

  /** Forget every window and the day's spending. */
  reset(): void {
    this.windows.clear();
    this.spent = 0;
  }

  dailyBudget(): number {
    if (this.plan === 'unlimited') return Infinity;
    return this.dailyOverride ?? DAILY_BASE * PLAN_LIMITS[this.plan].multiplier * Math.max(1, this.o.seats());
  }

  dailyRemaining(): number {
    this.rollDay();
    return Math.max(0, this.dailyBudget() - this.spent);
  }

  private rollDay(): void {
    const day = new Date(this.o.now()).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.spent = 0;
    }
  }

  /** Admit or refuse one request, and say so in headers either way. */
  take(token: string, kind: CostKind, cost: number): LimitDecision {
    if (this.plan === 'unlimited') return { allowed: true, headers: {} };
    this.rollDay();
    const search = kind === 'search';
    const limit = search ? SEARCH_BURST : PLAN_LIMITS[this.plan].burst;
    const key = search ? `${token}\u0000search` : token;
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new RollingWindow()));
    const now = this.o.monotonic();
    const budget = this.dailyBudget();
    const used = w.count(now);
    const headers = (remaining: number, left: number): Record<string, string> => ({
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(w.resetSeconds(now)),
      'x-daily-requests-left': String(left),
      'x-daily-ratelimit-token-limit': String(budget),
      'x-daily-ratelimit-token-remaining': String(left),
    });
    const left = Math.max(0, budget - this.spent);
    if (used >= limit) return { allowed: false, reason: 'burst', headers: headers(0, left) };
    if (cost > left) return { allowed: false, reason: 'daily', headers: headers(limit - used, left) };
    w.add(now);
    this.spent += cost;
    return { allowed: true, headers: headers(limit - used - 1, left - cost) };
  }
}
