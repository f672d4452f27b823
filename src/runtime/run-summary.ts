// What a run reports: counts that add up (read = written + rejected + skipped + filtered + unsent),
// the watermark it reached, and what the HTTP stack did for it.
import type { HttpBudgetStats } from './http/budget.js';

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
