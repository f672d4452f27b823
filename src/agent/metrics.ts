// Prometheus metrics (prom-client) for the agent's `/metrics` and for `sluice run --metrics-file`:
// the same names in both, so a dashboard built on the agent also reads a cron job's files (through
// node_exporter's textfile collector, which is what the atomic write is for).
//
// Counters only grow in a process, as Prometheus expects; a restart starts them over, which
// `rate()` and `increase()` handle. Each Metrics has its own registry (not prom-client's global
// one): tests and a `sluice run` of several flows never see another instance's numbers.
//
// HTTP numbers are labelled by host (the company's host, never a token or a path); they come from
// the HTTP layer's events. The agent has no run queue (a due run starts at once or is recorded as
// skipped), so "queue depth" is what is in progress: runs running, and requests waiting for a rate
// limiter.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import type { HttpEvent } from '../runtime/http/client.js';
import type { RunSummary } from '../runtime/run-flow.js';

export type RunStatusLabel = 'succeeded' | 'failed' | 'interrupted' | 'skipped';
const STATUSES: readonly RunStatusLabel[] = ['succeeded', 'failed', 'interrupted', 'skipped'];

/** What the metrics read when scraped (the agent's live numbers). */
export interface MetricsSources {
  /** Runs in progress now. */
  running?: () => number;
  /** Per host: requests waiting for the rate limiter, and the daily budget left when the API reported one. */
  hosts?: () => { host: string; queued: number; dailyLeft?: number }[];
  /** Deployments that are scheduled. */
  deployments?: () => number | Promise<number>;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'status'>;
  private readonly read: Counter<'flow'>;
  private readonly written: Counter<'flow'>;
  private readonly rejected: Counter<'flow'>;
  private readonly pages: Counter<'flow'>;
  private readonly requests: Counter<'host'>;
  private readonly tooMany: Counter<'host'>;
  private readonly retries: Counter<'host'>;
  private readonly waited: Counter<'host'>;

  constructor(sources: MetricsSources = {}) {
    const registers = [this.registry];
    this.runs = new Counter({ name: 'sluice_runs_total', help: 'Runs that ended, by status (skipped: due while the previous run still ran).', labelNames: ['status'], registers });
    for (const s of STATUSES) this.runs.inc({ status: s }, 0);
    this.read = new Counter({ name: 'sluice_records_read_total', help: 'Records read from the source, by flow (deployment name in the agent).', labelNames: ['flow'], registers });
    this.written = new Counter({ name: 'sluice_records_written_total', help: 'Records the destination accepted, by flow.', labelNames: ['flow'], registers });
    this.rejected = new Counter({ name: 'sluice_records_rejected_total', help: 'Records rejected (kept in the state store), by flow.', labelNames: ['flow'], registers });
    this.pages = new Counter({ name: 'sluice_pages_total', help: 'Source pages read, by flow.', labelNames: ['flow'], registers });
    this.requests = new Counter({ name: 'sluice_http_requests_total', help: 'HTTP requests sent (each attempt), by host.', labelNames: ['host'], registers });
    this.tooMany = new Counter({ name: 'sluice_http_429_total', help: 'HTTP 429 answers, by host.', labelNames: ['host'], registers });
    this.retries = new Counter({ name: 'sluice_http_retries_total', help: 'HTTP requests retried (429, 5xx, network errors), by host.', labelNames: ['host'], registers });
    this.waited = new Counter({
      name: 'sluice_rate_limit_wait_seconds_total',
      help: 'Seconds requests waited for the rate limiter, by host (summed over requests: concurrent waits each count).',
      labelNames: ['host'],
      registers,
    });
    const { running, hosts, deployments } = sources;
    if (running) {
      new Gauge({
        name: 'sluice_runs_in_progress',
        help: 'Runs running now.',
        registers,
        collect() {
          this.set(running());
        },
      });
    }
    if (hosts) {
      new Gauge({
        name: 'sluice_http_requests_queued',
        help: 'Requests waiting for the rate limiter now, by host.',
        labelNames: ['host'],
        registers,
        collect() {
          this.reset();
          for (const h of hosts()) this.set({ host: h.host }, h.queued);
        },
      });
      new Gauge({
        name: 'sluice_daily_budget_left',
        help: "The API's daily request/token budget left, as its last answer reported it, by host (absent until an API reports one).",
        labelNames: ['host'],
        registers,
        collect() {
          this.reset();
          for (const h of hosts()) if (h.dailyLeft !== undefined) this.set({ host: h.host }, h.dailyLeft);
        },
      });
    }
    if (deployments) {
      new Gauge({
        name: 'sluice_deployments',
        help: 'Deployments scheduled (enabled).',
        registers,
        async collect() {
          this.set(await deployments());
        },
      });
    }
  }

  /** An HTTP event of a connection to `host` (wired to the HTTP layer's events). */
  http(e: HttpEvent, host: string): void {
    if (e.type === 'request') this.requests.inc({ host });
    else if (e.type === 'retry') this.retries.inc({ host });
    else if (e.type === '429') this.tooMany.inc({ host });
    else if (e.type === 'rate-limit-wait') this.waited.inc({ host }, e.ms / 1000);
  }

  /** A run that ended: its status, and its counts when it got as far as reading. */
  run(flow: string, status: RunStatusLabel, summary?: Pick<RunSummary, 'read' | 'written' | 'rejected' | 'pages'>): void {
    this.runs.inc({ status });
    if (!summary) return;
    this.read.inc({ flow }, summary.read);
    this.written.inc({ flow }, summary.written);
    this.rejected.inc({ flow }, summary.rejected);
    this.pages.inc({ flow }, summary.pages);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Writes the metrics to `path` atomically (a temp file in the same folder, then rename): a
   * collector reading the file never sees half of it.
   */
  async writeFile(path: string): Promise<void> {
    const text = await this.text();
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  }
}

/** The host label of a connection's base URL. */
export function hostLabel(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'unknown';
  }
}
