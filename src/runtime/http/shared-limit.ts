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

/** The right to send one request under the shared limit. */
export interface SharedGrant {
  /** How long the request waited for the shared limit. */
  readonly waitedMs: number;
  /** The answer is in (or the attempt failed): the request's place ends one window from now. */
  done(): void;
}

export interface SharedLimit {
  /**
   * Resolves once the request may be sent under the shared window, any shared pause and the shared
   * daily budget. Throws BudgetStop when the budget would be passed.
   */
  take(request: SharedTake): Promise<SharedGrant>;
  /** The server's headers for the request of `grant`: a changed burst, requests of someone else. */
  observe(info: RateLimitInfo, grant?: SharedGrant): void;
  /** A 429: every process pauses for `ms`. */
  pause(ms: number): void;
  /** What the shared count holds now (for the panel). */
  stats(): SharedLimitStats;
}

export interface SharedLimitStats {
  backend: string;
  burst: number;
  /** Places this process holds in the shared window (see redis-limit.ts). */
  held: number;
  waits: number;
  pauses: number;
  /** Requests the headers showed from another user of the token. */
  external: number;
  /** Places of slow requests moved to a newer epoch (see redis-limit.ts). */
  moved: number;
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
