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
  /** What happened during the run, a line each (pages, retries, 429s, long waits, the outcome); absent in older runs. */
  log?: string[];
}

/** Lines kept per run: enough for the story of a run, bounded for one that retries all day. */
const MAX_LOG_LINES = 200;

export class RunMeter {
  readonly http: RunHttp = { requests: 0, retries: 0, status429: 0, rate_limit_waits: 0, waited_ms: 0 };
  readonly log: string[] = [];
  private dropped = 0;

  line(text: string, at = new Date()): void {
    if (this.log.length >= MAX_LOG_LINES) {
      this.dropped++;
      this.log[MAX_LOG_LINES - 1] = `… ${this.dropped} more line${this.dropped === 1 ? '' : 's'} not kept`;
      return;
    }
    this.log.push(`${at.toISOString().slice(11, 23)} ${text}`);
  }

  event(e: HttpEvent): void {
    if (e.type === 'request') this.http.requests++;
    else if (e.type === 'retry') {
      this.http.retries++;
      this.line(`retry ${e.method} ${e.path} (attempt ${e.attempt + 1}) in ${e.delayMs} ms: ${e.reason}`);
    } else if (e.type === '429') {
      this.http.status429++;
      this.line(`429 on ${e.method} ${e.path}: requests paused ${e.pauseMs} ms`);
    } else if (e.type === 'rate-limit-wait') {
      this.http.rate_limit_waits++;
      this.http.waited_ms += e.ms;
      if (e.ms >= 1000) this.line(`waited ${(e.ms / 1000).toFixed(1)} s for the rate limit before ${e.method} ${e.path}`);
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
    log: meter.log,
  };
}
