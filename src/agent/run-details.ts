// What the panel shows of an agent run beyond the counts in the run history: pages, the HTTP
// requests, retries, 429s and rate-limit waits of that run alone, warnings and the destination.
//
// The agent's HTTP layer is shared by every run (one rate limiter per connection), so its counters
// mix all runs. Each run is given a RunMeter in an AsyncLocalStorage; the HTTP layer's events are
// emitted from the async functions that make the requests, which continue in the context of the run
// that called them, so each event reaches the meter of its own run.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { HttpEvent } from '../runtime/http/client.js';
import type { RunSummary } from '../runtime/run-flow.js';

export interface RunHttp {
  requests: number;
  retries: number;
  status429: number;
  rate_limit_waits: number;
  waited_ms: number;
}

export interface RunDetails {
  pages: number;
  skipped: number;
  filtered: number;
  unsent: number;
  complete: boolean;
  destination: string;
  watermark: string | null;
  warnings: string[];
  http: RunHttp;
}

export class RunMeter {
  readonly http: RunHttp = { requests: 0, retries: 0, status429: 0, rate_limit_waits: 0, waited_ms: 0 };

  event(e: HttpEvent): void {
    if (e.type === 'request') this.http.requests++;
    else if (e.type === 'retry') this.http.retries++;
    else if (e.type === '429') this.http.status429++;
    else if (e.type === 'rate-limit-wait') {
      this.http.rate_limit_waits++;
      this.http.waited_ms += e.ms;
    }
  }
}

export const currentMeter = new AsyncLocalStorage<RunMeter>();

export function detailsOf(s: RunSummary, meter: RunMeter): RunDetails {
  return {
    pages: s.pages,
    skipped: s.skipped,
    filtered: s.filtered,
    unsent: s.unsent,
    complete: s.complete,
    destination: s.destination,
    watermark: s.watermark,
    warnings: s.warnings,
    http: meter.http,
  };
}
