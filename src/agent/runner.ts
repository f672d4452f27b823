// Runs deployments: at most one run per deployment at a time, each through the same interpreter,
// state store, HTTP layer (one per process, so rate limiters are shared by every flow) and lookup
// cache as `sluice run`.
//
// "At most one" is kept here, in memory, because the agent is the only process that runs agent
// flows (agent.json is its lock); the state store's own refusal of a second live run (SL6010) is the
// backstop and is recorded the same way: a run that was due while the previous one was still going
// is recorded as `skipped`, with the reason, so the history shows every due time.
import type { Writable } from 'node:stream';
import type { AppRegistry } from '../apps/index.js';
import { SluiceError } from '../errors.js';
import { runFlow, type HttpIo, type RunSummary } from '../runtime/run-flow.js';
import { STATE_ERRORS, StateError, agentFlowKey, scrubSecrets, type RunError, type StateStore, type WebhookStore } from '../state/index.js';
import type { PathBounds } from './bounds.js';
import { RunMeter, currentMeter, detailsOf } from './run-details.js';
import type { FlowChecker } from './check.js';
import type { Deployment, DeploymentStore } from './deployments.js';
import { AGENT_ERRORS as E, AgentError } from './errors.js';
import { RUNTIME } from '../runtime/codes.js';

export interface RunOutcome {
  name: string;
  version: number;
  status: 'succeeded' | 'failed' | 'interrupted' | 'skipped';
  runId: number | null;
  summary?: RunSummary;
  error?: RunError;
}

export interface RunnerOptions {
  store: StateStore;
  deployments: DeploymentStore;
  registry: AppRegistry;
  checker: FlowChecker;
  http: HttpIo;
  env: Record<string, string | undefined>;
  /** `$SLUICE_HOME` of the agent. */
  home: string;
  /** Where `dest stdout` writes. */
  stdout: Writable;
  log: (line: string) => void;
  /** Where each run's pages, requests and waits are kept for the panel. */
  /** Told of every run that ended, skipped ones included (metrics, notifications). Must not throw. */
  onOutcome?: (dep: Deployment, outcome: RunOutcome) => void;
  /** The folders a deployment's file and SQLite paths may use (checked again at every run). */
  bounds: (dep: Deployment) => PathBounds;
  /** Where webhook sources find their events (state/events.ts). */
  webhooks?: WebhookStore;
  /** Aborted when the agent stops waiting for runs to finish: runs then stop at their next page. */
  hardStop: AbortSignal;
}

interface Running {
  version: number;
  startedAt: number;
  trigger: RunTriggerKind;
  done: Promise<RunOutcome>;
}

const MAX_DELAYS = 100_000;

/** What started a run: its schedule, someone (`sluice trigger`, the panel), or webhook events. */
export type RunTriggerKind = 'schedule' | 'manual' | 'event';

/** Counts of the runs since the agent started, and how late scheduled runs started (ms). */
export interface RunnerStats {
  running: number;
  started: number;
  skipped: number;
  succeeded: number;
  failed: number;
  interrupted: number;
  ticks: number;
  delay_ms: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
}

export class Runner {
  private readonly running = new Map<string, Running>();
  /** Scheduling delays (ms between a due time and the tick being handled), most recent last. */
  private readonly delays: number[] = [];
  private counts = { started: 0, skipped: 0, succeeded: 0, failed: 0, interrupted: 0 };

  constructor(private readonly o: RunnerOptions) {}

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  runningInfo(name: string): { version: number; startedAt: number; trigger: RunTriggerKind } | undefined {
    const r = this.running.get(name);
    return r ? { version: r.version, startedAt: r.startedAt, trigger: r.trigger } : undefined;
  }

  get active(): number {
    return this.running.size;
  }

  /** Webhook events arrived: starts a run unless one is going (the dispatcher runs it again after). */
  events(dep: Deployment): boolean {
    if (this.running.has(dep.name)) return false;
    void this.start(dep, 'event');
    return true;
  }

  /** A scheduled due time: starts a run, or records a skipped one when the last is still going. */
  tick(dep: Deployment, due: number): void {
    const now = Date.now();
    this.delays.push(Math.max(0, now - due));
    if (this.delays.length > MAX_DELAYS) this.delays.splice(0, this.delays.length - MAX_DELAYS);
    const current = this.running.get(dep.name);
    if (current) {
      const reason = `the previous run (version ${current.version}, started ${new Date(current.startedAt).toISOString()}) was still running when this one was due at ${new Date(due).toISOString()}`;
      void this.skip(dep, reason, new Date(due)).then((id) => this.tell(dep, { name: dep.name, version: dep.version, status: 'skipped', runId: id }));
      return;
    }
    void this.start(dep, 'schedule');
  }

  /**
   * Runs a deployment now (`sluice trigger`, the panel's "Run now"). Refused while it runs: a manual
   * run is asked for by someone who gets the answer, so it is not recorded as a skipped run.
   */
  trigger(dep: Deployment): Promise<RunOutcome> {
    const current = this.running.get(dep.name);
    if (current) {
      throw new AgentError(E.flowRunning, `\`${dep.name}\` is running (since ${new Date(current.startedAt).toISOString()}): it was not started again`, {
        hint: 'Wait for the run to finish; `sluice runs` shows it.',
      });
    }
    return this.start(dep, 'manual');
  }

  stats(): RunnerStats {
    const sorted = [...this.delays].sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : null);
    return {
      running: this.running.size,
      ...this.counts,
      ticks: this.delays.length,
      delay_ms: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted.length ? sorted[sorted.length - 1] : null },
    };
  }

  /** Waits up to `ms` for the runs in progress; answers the names of those still running. */
  async drain(ms: number): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled([...this.running.values()].map((r) => r.done)), timeout]);
    clearTimeout(timer);
    return [...this.running.keys()];
  }

  /**
   * Marks the runs still in progress as interrupted, for an agent that exits without them having
   * stopped (a run blocked on a read that the stop signal cannot cut short). The next start would
   * find them by their dead PID anyway; doing it now puts the reason in the history.
   */
  async abandon(waitedMs: number): Promise<void> {
    for (const name of [...this.running.keys()]) {
      const dep = await this.o.deployments.get(name);
      if (!dep) continue;
      for (const run of await this.o.store.runs(dep.stateKey, { status: 'running', limit: 10 })) {
        if (run.pid !== process.pid) continue;
        try {
          await this.o.store.finishRun(run.id, { status: 'interrupted', error: { code: E.interrupted, message: `the agent stopped before the run finished (it waited ${Math.round(waitedMs / 1000)} s)` } });
          this.counts.interrupted++;
        } catch {
          // It finished at this very moment: its own status stands.
        }
      }
    }
  }

  private start(dep: Deployment, trigger: RunTriggerKind): Promise<RunOutcome> {
    const entry: Running = { version: dep.version, startedAt: Date.now(), trigger, done: Promise.resolve(null as never) };
    this.running.set(dep.name, entry);
    this.counts.started++;
    entry.done = this.execute(dep)
      .catch((err: unknown) => this.failed(dep, err))
      .then((outcome) => {
        // Skips count themselves where they are recorded.
        if (outcome.status !== 'skipped') this.counts[outcome.status]++;
        this.logOutcome(dep, outcome, trigger);
        // A skip found by the state store (a hand run was running) is told here; tick's own in skip().
        this.tell(dep, outcome);
        return outcome;
      })
      .finally(() => {
        if (this.running.get(dep.name) === entry) this.running.delete(dep.name);
      });
    return entry.done;
  }

  private async execute(dep: Deployment): Promise<RunOutcome> {
    const checked = this.o.checker.check(dep.text, { fileName: dep.fileName, env: this.o.env, vars: dep.vars });
    const flow = checked.flows.find((f) => f.model.name === dep.flow);
    if (!flow) {
      const first = checked.diagnostics.find((d) => d.severity === 'error');
      const why = first ? `${dep.fileName}:${first.range.start.line}:${first.range.start.column}: ${first.code} ${first.message}` : `it has no flow named \`${dep.flow}\``;
      return this.failed(dep, new AgentError(E.doesNotCheck, `version ${dep.version} of \`${dep.name}\` no longer checks: ${why}`, { hint: 'Fix the flow and deploy it again (a connection it uses may have been removed).' }));
    }
    let summary: RunSummary;
    const meter = new RunMeter();
    try {
      summary = await currentMeter.run(meter, () => runFlow({
        flow: flow.model,
        file: dep.filePath ?? `${dep.baseDir}/${dep.fileName}`,
        registry: this.o.registry,
        store: this.o.store,
        http: this.o.http,
        io: { cwd: dep.baseDir, stdout: this.o.stdout, env: this.o.env, home: this.o.home, confine: (path, use) => this.o.bounds(dep).check(path, use) },
        vars: dep.vars,
        dryRun: false,
        trigger: 'agent',
        flowKey: dep.stateKey,
        legacyKeys: [agentFlowKey(dep.name)],
        ...(dep.filePath ? {} : { claimFile: null }),
        signal: this.o.hardStop,
        onProgress: (p) => meter.line(`page ${p.pages}: read ${p.read}, written ${p.written}, rejected ${p.rejected} so far`),
        ...(this.o.webhooks ? { webhooks: { store: this.o.webhooks, deployment: dep.name } } : {}),
      }));
    } catch (err) {
      if (err instanceof StateError && err.code === STATE_ERRORS.flowRunning) {
        const id = await this.skip(dep, err.message, new Date());
        return { name: dep.name, version: dep.version, status: 'skipped', runId: id, error: { code: err.code, message: err.message } };
      }
      throw err;
    }
    for (const w of summary.warnings) meter.line(`warning: ${w}`);
    meter.line(`${summary.status}: read ${summary.read}, written ${summary.written}, rejected ${summary.rejected}${summary.error ? `: ${summary.error.code} ${scrubSecrets(summary.error.message)}` : ''}`);
    if (summary.run_id !== null) {
      await this.o.deployments.tagRun(summary.run_id, dep.version);
      try {
        await this.o.store.saveRunDetails(summary.run_id, detailsOf(summary, meter));
      } catch (err) {
        this.o.log(`${dep.name}: could not keep the run's details: ${err instanceof Error ? scrubSecrets(err.message) : String(err)}`);
      }
    }
    return { name: dep.name, version: dep.version, status: summary.status, runId: summary.run_id, summary, ...(summary.error ? { error: summary.error } : {}) };
  }

  /** Records a run that failed before the interpreter could record it (does not check, bad `since`...). */
  private async failed(dep: Deployment, err: unknown): Promise<RunOutcome> {
    const e = err instanceof SluiceError ? err : new SluiceError(RUNTIME.internal, err instanceof Error ? err.message : String(err));
    const error: RunError = { code: e.code, message: scrubSecrets(e.message), ...(e.hint ? { hint: scrubSecrets(e.hint) } : {}) };
    let runId: number | null = null;
    try {
      runId = await this.o.store.startRun(dep.stateKey, { trigger: 'agent', file: dep.filePath, exclusive: false });
      await this.o.store.finishRun(runId, { status: 'failed', error });
      await this.o.deployments.tagRun(runId, dep.version);
    } catch (storeErr) {
      this.o.log(`${dep.name}: could not record the failed run: ${storeErr instanceof Error ? scrubSecrets(storeErr.message) : String(storeErr)}`);
    }
    return { name: dep.name, version: dep.version, status: 'failed', runId, error };
  }

  private async skip(dep: Deployment, reason: string, at: Date): Promise<number | null> {
    this.counts.skipped++;
    try {
      // Tagged with the version in the same transaction (one disk sync): skips come at every due time of a busy flow.
      const id = await this.o.store.recordSkipped(dep.stateKey, { trigger: 'agent', file: dep.filePath, reason, at, deploymentVersion: dep.version });
      this.o.log(`${dep.name} v${dep.version}: skipped: ${reason}`);
      return id;
    } catch (err) {
      this.o.log(`${dep.name}: could not record a skipped run: ${err instanceof Error ? scrubSecrets(err.message) : String(err)}`);
      return null;
    }
  }

  private tell(dep: Deployment, outcome: RunOutcome): void {
    try {
      this.o.onOutcome?.(dep, outcome);
    } catch (err) {
      this.o.log(`${dep.name}: ${err instanceof Error ? scrubSecrets(err.message) : String(err)}`);
    }
  }

  private logOutcome(dep: Deployment, o: RunOutcome, trigger: RunTriggerKind): void {
    if (o.status === 'skipped') return;
    const s = o.summary;
    const counts = s ? ` in ${(s.duration_ms / 1000).toFixed(1)} s: read ${s.read}, written ${s.written}, rejected ${s.rejected}` : '';
    const err = o.error ? `: ${o.error.code ? `${o.error.code} ` : ''}${o.error.message}` : '';
    this.o.log(`${dep.name} v${dep.version}${trigger === 'manual' ? ' (run now)' : trigger === 'event' ? ' (events)' : ''}: ${o.status}${counts}${err}`);
  }
}
