// How many writes a destination keeps in flight. A fixed number is wrong both ways: against a
// distant server (200 ms an answer) four writes at a time reach 20 a second where the plan allows
// 50, and against a near one they would only wait in the limiter. What reaches the plan's rate is
// rate x latency requests in flight (Little's law), so the number follows the answers' observed
// latency; it never passes the burst, and the rate limiter still decides when each request goes,
// so the limit itself is never exceeded whatever this says.
import { isUnlimited } from './limiter-plan.js';

/**
 * Writes in flight before any answer has been timed, and at least: a request costs more than its
 * network time (the client's and the server's work), so a fast server still gets a few at once.
 */
export const START_CONCURRENCY = 4;
/** Above this, more in flight only fills memory: the rate limit is the bound long before. */
export const MAX_CONCURRENCY = 64;
/** A little more than rate x latency, so that a slower answer does not leave the rate unused. */
const HEADROOM = 1.25;

/** The observed latency of answers: an exponentially weighted mean, new answers weighing 1/5. */
export class LatencyEstimate {
  private mean: number | undefined;

  observe(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    this.mean = this.mean === undefined ? ms : this.mean * 0.8 + ms * 0.2;
  }

  get ms(): number | undefined {
    return this.mean;
  }
}

/** Requests in flight that keep `burst` per `windowMs` busy at `latencyMs` an answer: at least a few, within the burst. */
export function concurrencyFor(latencyMs: number | undefined, burst: number, windowMs: number): number {
  // Without a rate limit there is no rate to keep busy: a few at once, as against a near server.
  if (isUnlimited(burst)) return START_CONCURRENCY;
  const cap = Math.max(1, Math.min(MAX_CONCURRENCY, burst));
  if (latencyMs === undefined) return Math.min(START_CONCURRENCY, cap);
  const perMs = burst / Math.max(1, windowMs);
  return Math.min(cap, Math.max(START_CONCURRENCY, Math.ceil(perMs * latencyMs * HEADROOM) + 1));
}

/**
 * Runs `task(i)` for i = 0 .. n-1 in order of i, at most `limit()` at once (asked again each time a
 * task ends, so a limit that grows lets more start); no new task starts once `stop()` says so.
 * Resolves when every started task has ended; rejects with the first error a task threw.
 */
export function runAdaptive(n: number, limit: () => number, task: (i: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let active = 0;
    let failed: { error: unknown } | undefined;
    const pump = (): void => {
      while (next < n && !failed && !stop() && active < Math.max(1, limit())) {
        const i = next++;
        active++;
        task(i).then(
          () => {
            active--;
            pump();
          },
          (error: unknown) => {
            failed ??= { error };
            active--;
            pump();
          },
        );
      }
      if (active === 0) {
        if (failed) reject(failed.error);
        else resolve();
      }
    };
    pump();
  });
}
