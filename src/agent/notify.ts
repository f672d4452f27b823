// Failure notifications: a deployment with a notify URL (`sluice deploy --notify-url URL`) gets one
// JSON POST when it starts failing and one when it recovers, never one per failed run: a flow that
// fails every minute overnight must not send hundreds of messages.
//
// A failing streak starts with a failed run after a success (or with the first run) and ends with
// the next succeeded run; skipped and interrupted runs neither start nor end one (they say nothing
// about the flow). The streak's first run is kept in the deployment row (notify_streak), written
// before the message is sent, so that concurrent outcomes and a restarted agent neither repeat the
// message nor forget that it was sent.
//
// Delivery: a POST with a 10 s timeout, tried 3 times (1 s, then 3 s apart) unless the receiver
// answers 2xx; a 4xx other than 408/429 is not retried (the receiver refuses the message itself).
// A message that could not be delivered is logged and not tried again later: the streak stays
// announced, and the run history keeps the failure either way.
import { scrubSecrets } from '../state/index.js';
import type { Deployment, DeploymentStore } from './deployments.js';
import type { RunOutcome } from './runner.js';

export interface NotifyPayload {
  event: 'failing' | 'recovered';
  /** One line for people (and for chat webhooks that show `text`). */
  text: string;
  deployment: string;
  version: number;
  flow: string;
  run: { id: number | null; status: string };
  error: { code: string | null; message: string; hint?: string } | null;
  /** The first failed run of the streak. */
  failing_since_run: number | null;
  /** The run in the agent's panel (the page asks for the token when it has none). */
  panel_url: string | null;
  at: string;
}

export interface NotifierOptions {
  deployments: DeploymentStore;
  /** The agent's base URL (http://127.0.0.1:PORT), for links to the panel. */
  url: () => string;
  log: (line: string) => void;
  /** Delays between attempts, in ms (tests shorten them). */
  retryDelaysMs?: number[];
  timeoutMs?: number;
}

const USER_AGENT = 'sluice-agent';

export class Notifier {
  private readonly pending = new Set<Promise<void>>();
  private readonly deciding = new Map<string, Promise<void>>();

  constructor(private readonly o: NotifierOptions) {}

  /** Called with every ended run of every deployment; sends at most one message. */
  outcome(dep: Deployment, outcome: RunOutcome): void {
    if (outcome.status === 'skipped' || outcome.status === 'interrupted') return;
    // Outcomes of one deployment are decided in the order they came (the streak is read, then written).
    const previous = this.deciding.get(dep.name) ?? Promise.resolve();
    const next = previous.then(() => this.decide(dep, outcome)).catch((err: unknown) => this.o.log(`${dep.name}: could not update the failure notice: ${err instanceof Error ? scrubSecrets(err.message) : String(err)}`));
    this.deciding.set(dep.name, next);
    this.track(next.finally(() => {
      if (this.deciding.get(dep.name) === next) this.deciding.delete(dep.name);
    }));
  }

  private async decide(dep: Deployment, outcome: RunOutcome): Promise<void> {
    const streak = await this.o.deployments.notifyStreak(dep.name);
    if (outcome.status === 'failed') {
      if (streak !== null) return;
      // 0 stands for a failed run that could not be recorded: the streak is still announced once.
      await this.o.deployments.setNotifyStreak(dep.name, outcome.runId ?? 0);
      if (dep.notifyUrl) this.send(dep.notifyUrl, this.payload(dep, outcome, 'failing', outcome.runId));
      return;
    }
    if (streak === null) return;
    await this.o.deployments.setNotifyStreak(dep.name, null);
    if (dep.notifyUrl) this.send(dep.notifyUrl, this.payload(dep, outcome, 'recovered', streak || null));
  }

  /** Waits (up to `ms`) for messages being delivered, so that a stopping agent does not drop them. */
  async drain(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(() => resolve(void (timedOut = true)), ms)));
    // A decision still reading the state may start a delivery: wait for that one too.
    while (this.pending.size > 0 && !timedOut) await Promise.race([Promise.allSettled([...this.pending]), timeout]);
    clearTimeout(timer);
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private payload(dep: Deployment, o: RunOutcome, event: NotifyPayload['event'], since: number | null): NotifyPayload {
    const base = this.o.url();
    const error = o.error ? { code: o.error.code ?? null, message: scrubSecrets(o.error.message), ...(o.error.hint ? { hint: scrubSecrets(o.error.hint) } : {}) } : null;
    const text =
      event === 'failing'
        ? `Sluice: ${dep.name} v${dep.version} is failing (run ${o.runId ?? '?'}): ${error?.code ? `${error.code} ` : ''}${error?.message ?? 'failed'}`
        : `Sluice: ${dep.name} v${dep.version} recovered (run ${o.runId ?? '?'} succeeded${since ? `; failing since run ${since}` : ''})`;
    return {
      event,
      text,
      deployment: dep.name,
      version: dep.version,
      flow: dep.flow,
      run: { id: o.runId, status: o.status },
      error: event === 'failing' ? error : null,
      failing_since_run: since,
      panel_url: base && o.runId !== null ? `${base}/#run=${o.runId}` : null,
      at: new Date().toISOString(),
    };
  }

  private send(url: string, body: NotifyPayload): void {
    const p = this.deliver(url, body).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async deliver(url: string, body: NotifyPayload): Promise<void> {
    const delays = this.o.retryDelaysMs ?? [1_000, 3_000];
    const shown = safeUrl(url);
    let last = '';
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
          body: JSON.stringify(body),
          redirect: 'error',
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.o.log(`${body.deployment}: notified ${shown} (${body.event})`);
          return;
        }
        last = `HTTP ${res.status}`;
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (err) {
        last = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      }
    }
    this.o.log(`${body.deployment}: could not notify ${shown} (${body.event}): ${scrubSecrets(last)}`);
  }
}

/** The URL for the log, without credentials or query (a webhook URL's secret is often there). */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(notify URL)';
  }
}
