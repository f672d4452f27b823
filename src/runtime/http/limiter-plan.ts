// How many requests a limiter lets through per window: what the process's limiter (limiter.ts) and
// a limit shared with other processes (shared-limit.ts) are both made from. A leaf of its own, so
// that the two name it without importing each other.
import type { CostClass } from '../../apps/types.js';

export interface LimiterPlan {
  /** Requests per window. */
  burst: number;
  windowMs: number;
  /** Cost classes with a burst of their own, counted on top of the main window (Pipedrive search: 10). */
  classBursts?: Readonly<Partial<Record<CostClass, number>>>;
}

/** A plan without a rate limit (an infinite or absurdly large burst): there is no rate to keep busy. */
export const isUnlimited = (burst: number): boolean => !Number.isFinite(burst) || burst >= Number.MAX_SAFE_INTEGER;
