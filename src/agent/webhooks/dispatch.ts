// When a webhook deployment runs: at once when an event arrives (or, when a run is going, right after
// it), and again after a failed run while events are left, with a growing wait (1 s, 2 s, 4 s, ... at
// most 5 minutes) so that a destination that is down is not hammered.
import type { WebhookStore } from '../../state/index.js';
import type { Deployment } from '../deployments.js';
import type { RunOutcome } from '../runner.js';

const MAX_RETRY_MS = 5 * 60_000;

export interface DispatcherOptions {
  store: WebhookStore;
  /** The deployment, when it is deployed and not paused. */
  deployment: (name: string) => Promise<Deployment | undefined>;
  isRunning: (name: string) => boolean;
  /** Starts a run (not awaited); false when it could not start. */
  start: (dep: Deployment) => boolean;
  retryBaseMs?: number;
}

export class EventDispatcher {
  /** Deployments that got events while running: they run again when the run ends. */
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly o: DispatcherOptions) {}

  /** Events were kept for `name`. */
  async arrived(name: string): Promise<void> {
    if (this.stopped) return;
    const dep = await this.o.deployment(name);
    if (!dep) return;
    if (this.o.isRunning(name)) {
      this.again.add(name);
      return;
    }
    // A retry waiting is overtaken: the new event runs now, and the old ones with it.
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
    if (!this.o.start(dep)) this.again.add(name);
  }

  /** A run of a webhook deployment ended. */
  outcome(dep: Deployment, outcome: RunOutcome): void {
    if (this.stopped) return;
    if (outcome.status === 'succeeded') this.failures.delete(dep.name);
    // Told before the runner has let go of the run: the next one starts once it has.
    if (this.again.delete(dep.name)) {
      setImmediate(() => void this.arrived(dep.name));
      return;
    }
    if (outcome.status === 'failed' || outcome.status === 'interrupted') void this.retryLater(dep.name);
  }

  /** Events a failed or interrupted run left are tried again after a growing wait. */
  private async retryLater(name: string): Promise<void> {
    if (!(await this.o.store.hasOpen(name)) || this.stopped) return;
    const n = (this.failures.get(name) ?? 0) + 1;
    this.failures.set(name, n);
    const wait = Math.min(MAX_RETRY_MS, (this.o.retryBaseMs ?? 1000) * 2 ** (n - 1));
    const timer = setTimeout(() => {
      this.timers.delete(name);
      void this.arrived(name);
    }, wait);
    timer.unref();
    this.timers.set(name, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
