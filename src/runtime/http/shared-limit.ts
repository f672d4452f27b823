// A rate limit held outside this process, for several processes (or machines) on one token: each
// keeps its own limiter (limiter.ts) and also asks the shared one before every request. The
// interface lives here so that the HTTP layer knows nothing of where the shared count is kept
// (src/scale/redis-limit.ts keeps it in Redis); with none installed, nothing changes.
import type { CostClass } from '../../apps/types.js';
import type { RateLimitInfo } from './headers.js';
import type { LimiterPlan } from './limiter-plan.js';
import type { RequestSite } from './errors.js';

export interface SharedTake {
  cost: CostClass | null;
  /** Daily-budget tokens the request costs. */
  tokens: number;
  /** The company's daily budget, when the connection has one. */
  daily?: { company: string; limit: number };
  site: RequestSite;
  attempt: number;
  signal?: AbortSignal;
}

export interface SharedLimit {
  /**
   * Resolves once the request may be sent under the shared window, any shared pause and the shared
   * daily budget; answers how long it waited. Throws BudgetStop when the budget would be passed.
   */
  take(request: SharedTake): Promise<number>;
  /** The server's headers: a changed burst, a window found full by someone else. */
  observe(info: RateLimitInfo): void;
  /** A 429: every process pauses for `ms`. */
  pause(ms: number): void;
  /** What the shared count holds now (for the panel). */
  stats(): SharedLimitStats;
}

export interface SharedLimitStats {
  backend: string;
  burst: number;
  /** The shared slice: `perSlice` requests every `sliceMs` (see redis-limit.ts). */
  sliceMs: number;
  perSlice: number;
  waits: number;
  pauses: number;
}

/** What a shared limit is made from: the plan of the limiter it serves, and the host it names. */
export type SharedLimitOptions = LimiterPlan & { host: string };

/** Makes the shared limit of one limiter key (base URL + token fingerprint, never the token). */
export type SharedLimitFactory = (key: string, options: SharedLimitOptions) => SharedLimit;

let factory: SharedLimitFactory | undefined;

/** Installs (or with undefined, removes) the process's shared limits: limiters made afterwards use them. */
export function useSharedLimits(f: SharedLimitFactory | undefined): void {
  factory = f;
}

export function sharedLimitFor(key: string, options: SharedLimitOptions): SharedLimit | undefined {
  return factory?.(key, options);
}
