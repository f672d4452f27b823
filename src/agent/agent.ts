// The agent: one long-running process per SLUICE_HOME that keeps deployed flows running on their
// schedules, with a small HTTP API (server.ts) for the CLI and the panel.
//
// Everything it knows lives in the state database (deployments, run history, watermarks), so a
// restart loses nothing: runs of the previous process that never finished are marked interrupted
// when the store opens, and their flows continue from the last committed watermark.
//
// Stopping (SIGTERM, `sluice agent stop`): no new runs are started; runs in progress get the stop
// timeout to finish; then they are told to stop (they end at their next page, as `interrupted`, with
// what they flushed committed); whatever still has not ended is marked interrupted and the process
// exits.
import { randomBytes } from 'node:crypto';
import { safeEqual } from '../util/safe-equal.js';
import { readFileSync } from 'node:fs';
import { loadRegistry, type AppRegistry } from '../apps/index.js';
import {
  Secret,
  checkApp,
  checkConnectionName,
  checkTokenFormat,
  listConnections,
  normaliseCompanyUrl,
  parseApiVersion,
  DEFAULT_API_VERSION,
  readStore,
  redact,
  savedConnection,
  ConnectionError,
} from '../connections/index.js';
import { schemasHome } from '../apps/custom-fields.js';
import { alreadySaved, saveConnection } from '../connections/save.js';
import { clearCache, existingLookupCache, generationFile, lookupCache, type ClearReport } from '../runtime/cache/index.js';
import { createHttpIo } from '../runtime/http-io.js';
import { openStateStore, scrubSecrets, type RunRecord, type StateStore } from '../state/index.js';
import { configDir } from '../util/paths.js';
import { PathBounds } from './bounds.js';
import { Metrics, hostLabel } from './metrics.js';
import { Notifier } from './notify.js';
import { currentMeter } from './run-details.js';
import { checkDeploy, claimDeployedFlows, notDeployed, storeDeployments, type DeployRequest } from './deploy-request.js';
import type { AgentApi, AgentOptions, AgentStatus, CacheClear, ConnectionInput, ConnectionReached, ConnectionSaved, ConnectionSummary, Deployed, Triggered, Undeployed } from './api.js';
import { acquireAgentFile, publishAgentFile, releaseAgentFile } from './agent-file.js';
import { FlowChecker } from './check.js';
import { checkDeploymentName, type Deployment, type DeploymentStore } from './deployments.js';
import { AGENT_ERRORS as E, AgentError } from './errors.js';
import { Runner } from './runner.js';
import { replayDeployment } from './replay.js';
import type { ReplaySummary } from '../runtime/replay.js';
import { Scheduler } from './scheduler.js';
import { checkListenHost, startServer, type AgentServer } from './server.js';
import type { WebhookStore } from '../state/index.js';
import { deployedWebhookSource, type WebhookSource } from './webhooks/deployed.js';
import { EventDispatcher } from './webhooks/dispatch.js';
import { startListener, type WebhookListener } from './webhooks/listener.js';
import { readDelivery } from './webhooks/payload.js';
import { Reconciler } from './webhooks/reconcile.js';
import { Registrar } from './webhooks/registrar.js';
import { currentRegistrations, dropWebhook, registerWebhooks, replaceWebhooks, type DeployHooksContext } from './webhooks/deploy-hooks.js';

export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** After the stop signal, how long runs get to reach their next page boundary. */
const ABORT_GRACE_MS = 2_000;
/** How often the agent looks whether `sluice cache clear` ran in another process. */
const GENERATION_POLL_MS = 500;
/** How often webhook deployments look for changes their webhook did not deliver. */
export const DEFAULT_RECONCILE_MS = 5 * 60_000;

export class Agent implements AgentApi {
  readonly startedAt = new Date();
  readonly deployments: DeploymentStore;
  readonly runner: Runner;
  readonly metrics: Metrics;
  private readonly notifier: Notifier;
  private readonly scheduler: Scheduler;
  private readonly hardStop = new AbortController();
  private readonly http: ReturnType<typeof createHttpIo>;
  private readonly registry: AppRegistry;
  private readonly checker: FlowChecker;
  private server: AgentServer | null = null;
  readonly webhooks: WebhookStore;
  private readonly registrar: Registrar;
  private readonly dispatcher: EventDispatcher;
  private readonly reconciler: Reconciler;
  private listener: WebhookListener | null = null;
  private generationTimer: NodeJS.Timeout | null = null;
  private generationSeen: string | null;
  private lastCacheClear: CacheClear | null = null;
  private stopPromise: Promise<void> | null = null;
  private resolveStopped!: () => void;
  /** Resolves when the agent has stopped (by `stop()`, SIGTERM or the API). */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  private constructor(
    readonly options: AgentOptions,
    readonly store: StateStore,
    private readonly token: string,
  ) {
    this.registry = loadRegistry();
    this.checker = new FlowChecker(this.registry, schemasHome(options.env));
    this.deployments = store.deployments;
    this.webhooks = store.webhooks;
    // One HTTP layer for the process: every flow on a connection shares its rate limiter.
    this.metrics = new Metrics({
      running: () => this.runner.active,
      hosts: () => this.http.limiters().map((l) => ({ host: hostLabel(l.baseUrl), queued: l.waiting, ...(l.dailyLeft !== undefined ? { dailyLeft: l.dailyLeft } : {}) })),
      deployments: async () => (await this.deployments.list()).length,
    });
    this.http = createHttpIo({ env: options.env, signal: this.hardStop.signal, home: options.home, onEvent: (e, baseUrl) => {
        this.metrics.http(e, hostLabel(baseUrl));
        currentMeter.getStore()?.event(e);
      },
    });
    this.runner = new Runner({
      store,
      deployments: this.deployments,
      registry: this.registry,
      checker: this.checker,
      http: this.http,
      env: options.env,
      home: options.home,
      stdout: options.stdout,
      log: options.log,
      hardStop: this.hardStop.signal,
      bounds: (dep) => this.boundsOf(dep.baseDir, dep.allowPaths),
      webhooks: this.webhooks,
      onOutcome: (dep, outcome) => {
        this.metrics.run(dep.name, outcome.status, outcome.summary);
        this.notifier.outcome(dep, outcome);
        void this.webhooks.registration(dep.name).then((reg) => {
          if (reg) this.dispatcher.outcome(dep, outcome);
        });
      },
    });
    this.notifier = new Notifier({ deployments: this.deployments, url: () => this.url, log: options.log });
    this.scheduler = new Scheduler({
      onDue: (name, due) => {
        void this.deployments.get(name).then(
          (dep) => {
            if (!dep?.enabled || dep.paused) return this.scheduler.remove(name);
            this.runner.tick(dep, due);
          },
          (err: unknown) => options.log(`${name}: could not read the deployment: ${err instanceof Error ? scrubSecrets(err.message) : String(err)}`),
        );
      },
    });
    this.registrar = new Registrar(this.http, this.webhooks);
    const live = async (name: string) => {
      const dep = await this.deployments.get(name);
      return dep?.enabled && !dep.paused ? dep : undefined;
    };
    this.dispatcher = new EventDispatcher({ store: this.webhooks, deployment: live, isRunning: (n) => this.runner.isRunning(n), start: (dep) => this.runner.events(dep) });
    this.reconciler = new Reconciler({
      registry: this.registry,
      http: this.http,
      store: this.webhooks,
      actionOf: async (name) => {
        const dep = await live(name);
        return dep ? this.webhookOf(dep)?.action : undefined;
      },
      onFound: (name) => void this.dispatcher.arrived(name),
      log: options.log,
      signal: this.hardStop.signal,
    });
    // The process-wide lookup cache, watching `sluice cache clear` of other processes.
    lookupCache({ home: options.home });
    this.generationSeen = readGeneration(options.home);
  }

  /** Takes the lock (agent.json), opens the state, schedules the deployments and listens. */
  static async start(options: AgentOptions): Promise<Agent> {
    // Before the lock: a wrong command line must not look like (or stand in for) a running agent.
    checkListenHost(options.host, options.allowRemote ?? false);
    acquireAgentFile(options.home);
    let store: StateStore | undefined;
    let agent: Agent | undefined;
    try {
      // Opening the store marks the runs of a previous agent that died as interrupted.
      store = await openStateStore(options.home);
      agent = new Agent(options, store, randomBytes(32).toString('base64url'));
      agent.server = await startServer(agent, { host: options.host, port: options.port, allowRemote: options.allowRemote ?? false, verbose: options.verbose ?? false, log: options.log });
      if (options.webhookPort !== undefined) await agent.listen(options.webhookPort, options.webhookHost ?? '127.0.0.1');
      publishAgentFile(options.home, { url: agent.url, token: agent.token, pid: process.pid, started_at: agent.startedAt.toISOString(), home: options.home });
      for (const dep of await agent.deployments.list()) if (!dep.paused) await agent.schedule(dep);
      agent.generationTimer = setInterval(() => agent!.followCacheClear(), GENERATION_POLL_MS);
      return agent;
    } catch (err) {
      if (agent?.generationTimer) clearInterval(agent.generationTimer);
      await agent?.server?.close();
      await agent?.listener?.close();
      await agent?.http.close().catch(() => undefined);
      await store?.close();
      releaseAgentFile(options.home);
      throw err;
    }
  }

  /** Starts the webhook listener, the runs of events kept while the agent was down, and reconciling. */
  private async listen(port: number, host: string): Promise<void> {
    checkListenHost(host, true);
    this.listener = await startListener({
      host,
      port,
      store: this.webhooks,
      parse: async (name, body) => {
        const dep = await this.deployments.get(name);
        const def = dep?.enabled ? this.webhookOf(dep)?.action.webhook : undefined;
        return def ? readDelivery(def, body) : `\`${name}\` is not a deployed webhook flow`;
      },
      onEvent: (name, fresh) => {
        if (fresh) void this.dispatcher.arrived(name);
      },
      log: this.options.log,
    });
    this.options.log(`webhooks: listening on ${this.listener.url}${this.options.webhookUrl ? ` (the app posts to ${this.options.webhookUrl})` : ''}`);
    for (const reg of await this.webhooks.registrations()) if (await this.webhooks.hasOpen(reg.deployment)) void this.dispatcher.arrived(reg.deployment);
    this.reconciler.start(Math.max(500, this.options.reconcileMs ?? DEFAULT_RECONCILE_MS));
  }

  /** Where the app posts this agent's webhooks, or null without a listener. */
  get webhookUrl(): string | null {
    return this.listener ? (this.options.webhookUrl ?? this.listener.url) : null;
  }

  private webhookOf(dep: Deployment): WebhookSource | undefined {
    return deployedWebhookSource(this.checker, this.registry, this.options.env, dep);
  }

  private hooks(): DeployHooksContext {
    return {
      registry: this.registry,
      registrar: this.registrar,
      store: this.webhooks,
      webhookUrl: this.webhookUrl,
      listenerHint: 'Start the agent with --webhook-port PORT and --webhook-url URL (the public address that reaches that port), then deploy again.',
      log: this.options.log,
    };
  }

  get url(): string {
    return this.server?.url ?? '';
  }

  get stopping(): boolean {
    return this.stopPromise !== null;
  }

  /** Constant-time comparison of a presented token with the agent's (server.ts calls it for every API request). */
  tokenMatches(presented: string): boolean {
    return safeEqual(presented, this.token);
  }

  // ---- deployments ----

  private async schedule(dep: Deployment): Promise<void> {
    const [last] = await this.store.runs(dep.stateKey, { limit: 1 });
    this.scheduler.set(dep.name, dep.schedule, last ? Date.parse(last.startedAt) : null);
  }

  async deploy(req: DeployRequest): Promise<Deployed> {
    this.refuseWhenStopping();
    const checked = checkDeploy(req, { registry: this.registry, checker: this.checker, env: this.options.env, boundsOf: (b, a) => this.boundsOf(b, a) });
    const { flows, names } = checked;
    await claimDeployedFlows(this.store, checked);
    const previous = await currentRegistrations(this.hooks(), names);
    const registered = await registerWebhooks(this.hooks(), flows, names);
    const deployed = await storeDeployments(this.store, checked);
    await replaceWebhooks(this.hooks(), previous, registered);
    for (const dep of deployed) {
      await this.schedule(dep);
      this.options.log(`deployed ${dep.name} v${dep.version} (${dep.schedule ? dep.schedule.text : 'no schedule: runs when triggered'})`);
    }
    return { deployed, warnings: checked.warnings };
  }

  /** The folders a deployment's files may be in: its own, the allowed ones, never the agent's data or credentials. */
  boundsOf(baseDir: string, allowPaths: readonly string[]): PathBounds {
    return new PathBounds([baseDir, ...allowPaths], [this.options.home, configDir(this.options.env)]);
  }

  async undeploy(name: string): Promise<Undeployed> {
    const dep = await this.deployments.get(name);
    if (!dep?.enabled || !(await this.deployments.undeploy(name))) throw await notDeployed(name, this.store);
    this.scheduler.remove(name);
    await dropWebhook(this.hooks(), name);
    this.options.log(`undeployed ${name} (v${dep.version})`);
    return { name, version: dep.version, running: this.runner.isRunning(name) };
  }

  /** The panel's Pause: stays deployed (Run now works), not scheduled until resumed, also across restarts. */
  async pause(name: string): Promise<Deployment> {
    if (!(await this.deployments.setPaused(name, true))) throw await notDeployed(name, this.store);
    this.scheduler.remove(name);
    this.options.log(`paused ${name}`);
    return (await this.deployments.get(name))!;
  }

  async resume(name: string): Promise<Deployment> {
    this.refuseWhenStopping();
    if (!(await this.deployments.setPaused(name, false))) throw await notDeployed(name, this.store);
    const dep = (await this.deployments.get(name))!;
    await this.schedule(dep);
    this.options.log(`resumed ${name}`);
    // Events kept while it was paused run now.
    if (await this.webhooks.hasOpen(name)) void this.dispatcher.arrived(name);
    return dep;
  }

  /** Starts a run now; resolves once it has started (a refusal rejects), with the run's end in `done`. */
  async trigger(name: string): Promise<Triggered> {
    this.refuseWhenStopping();
    const dep = await this.deployments.get(name);
    if (!dep?.enabled) throw await notDeployed(name, this.store);
    return { done: this.runner.trigger(dep) };
  }

  /** The panel's "Replay": the deployment's rejected records (all, or `ids`) through the flow as it is now. */
  async replay(name: string, ids: number[] | undefined): Promise<ReplaySummary> {
    this.refuseWhenStopping();
    const dep = await this.deployments.get(name);
    if (!dep?.enabled) throw await notDeployed(name, this.store);
    if (this.runner.isRunning(name)) throw new AgentError(E.flowRunning, `\`${name}\` is running: replay after the run`, { hint: 'Wait for the run to finish.' });
    const summary = await replayDeployment(
      {
        registry: this.registry,
        checker: this.checker,
        store: this.store,
        http: this.http,
        env: this.options.env,
        io: (d) => ({ cwd: d.baseDir, stdout: this.options.stdout, env: this.options.env, home: this.options.home, confine: (path, use) => this.boundsOf(d.baseDir, d.allowPaths).check(path, use) }),
        signal: this.hardStop.signal,
      },
      dep,
      ids,
    );
    this.options.log(`replayed ${name}: ${summary.considered} considered, ${summary.sent} sent, ${summary.arrived} had arrived, ${summary.refused} refused again, ${summary.kept} kept`);
    return summary;
  }

  nextRun(name: string): string | null {
    const t = this.scheduler.next(name);
    return t === null ? null : new Date(t).toISOString();
  }

  /** Runs of agent deployments, newest first (all of them, or one deployment's). */
  async runs(options: { name?: string; limit?: number }): Promise<RunRecord[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 50, 1000));
    if (options.name !== undefined) {
      checkDeploymentName(options.name);
      const dep = await this.deployments.get(options.name);
      return dep ? this.store.runs(dep.stateKey, { limit }) : [];
    }
    return this.store.runs(undefined, { trigger: 'agent', limit });
  }

  // ---- connections (the panel's App Configurations) ----

  /** Saved and environment connections, without any part of any token. */
  connections(): ConnectionSummary[] {
    return listConnections(this.options.env).map((c) => ({
      name: c.name,
      app: c.app,
      company_url: c.companyUrl ?? null,
      api_version: c.apiVersion,
      token_from: c.tokenSource.kind === 'file' ? 'saved' : c.tokenSource.kind === 'env' ? 'environment' : 'missing',
      origin: c.origin,
    }));
  }

  /**
   * The seed's "Validate": the same checks and request as `sluice connections add` (input rules,
   * then GET users/me). Nothing is saved. Errors come back without the token (redacted).
   */
  async validateConnection(input: ConnectionInput): Promise<ConnectionReached> {
    let token: Secret | undefined;
    try {
      const v = await this.probe(input, (t) => (token = t));
      return { name: v.name, app: v.app, company_url: v.url, api_version: v.apiVersion, ...v.reached };
    } catch (err) {
      throw safeConnectionError(err, [token, typeof input.token === 'string' ? input.token : undefined]);
    }
  }

  /** The seed's "Save": validates again (a save never stores credentials that did not validate), then saves. */
  async saveConnection(input: ConnectionInput): Promise<ConnectionSaved> {
    let token: Secret | undefined;
    try {
      const name = checkConnectionName(typeof input.name === 'string' && input.name !== '' ? input.name : 'pipedrive');
      const replaceHint = 'Tick "Replace" to replace it, or choose another name.';
      const existing = savedConnection(readStore(this.options.env), name);
      if (existing && input.replace !== true) throw alreadySaved(name, existing.company_url, replaceHint);
      const pacing = checkPacing(input);
      const v = await this.probe(input, (t) => (token = t));
      // Replaced with a new token, a connection keeps how it was paced unless told otherwise.
      const plan = pacing.plan ?? existing?.plan;
      const seats = pacing.seats ?? existing?.seats;
      const dailyBudget = pacing.dailyBudget ?? existing?.daily_budget;
      saveConnection(this.options.env, {
        name: v.name,
        app: v.app,
        url: { url: v.url, loopback: v.loopback },
        apiVersion: v.apiVersion,
        token: v.token,
        ...(plan !== undefined ? { plan } : {}),
        ...(seats !== undefined ? { seats } : {}),
        ...(dailyBudget !== undefined ? { dailyBudget } : {}),
        replace: input.replace === true,
        replaceHint,
      });
      this.options.log(`saved connection ${v.name} (${v.app}, ${v.url}, API ${v.apiVersion})`);
      return { name: v.name, app: v.app, company_url: v.url, api_version: v.apiVersion, saved: true, ...v.reached };
    } catch (err) {
      throw safeConnectionError(err, [token, typeof input.token === 'string' ? input.token : undefined]);
    }
  }

  private async probe(input: ConnectionInput, hold: (t: Secret) => void) {
    const app = checkApp(typeof input.app === 'string' && input.app !== '' ? input.app : 'pipedrive');
    const name = checkConnectionName(typeof input.name === 'string' && input.name !== '' ? input.name : app);
    const url = normaliseCompanyUrl(typeof input.company_url === 'string' ? input.company_url : '', { allowInsecure: input.allow_insecure === true });
    const apiVersion = parseApiVersion(typeof input.api_version === 'string' && input.api_version !== '' ? input.api_version : DEFAULT_API_VERSION);
    const token = new Secret(checkTokenFormat(typeof input.token === 'string' ? input.token : ''));
    hold(token);
    const { probeConnection } = await import('../runtime/probe/connection.js');
    // Paced as runs on this company are: by the plan asked for, else the one saved.
    const plan = checkPacing(input).plan ?? savedConnection(readStore(this.options.env), name)?.plan;
    const p = await probeConnection({ baseUrl: url.url, apiVersion, token, ...(plan !== undefined ? { plan } : {}) });
    const who = p.user.name ?? (p.user.id !== undefined ? `user ${p.user.id}` : 'the user');
    const company = p.company.name ?? p.company.domain ?? 'the company';
    return {
      app,
      name,
      url: url.url,
      loopback: url.loopback,
      apiVersion,
      token,
      reached: { message: 'Test Connection Successful', reached: `${who} at ${company}`, user: { name: p.user.name ?? null }, company: { name: p.company.name ?? null, domain: p.company.domain ?? null } },
    };
  }

  // ---- cache ----

  /** The panel's "Clear cache": the same as `sluice cache clear`, in this process. */
  clearCache(): ClearReport {
    const report = clearCache(this.options.home);
    this.generationSeen = readGeneration(this.options.home);
    this.lastCacheClear = { at: new Date().toISOString(), entries: report.entriesInMemory, by: 'api' };
    this.options.log(`cache cleared: ${report.removedFiles} files, ${report.entriesInMemory} lookups in memory`);
    return report;
  }

  /**
   * The lookup cache empties itself at its next use after `sluice cache clear` (lookup.ts); the
   * agent also looks on its own, so that a clear takes effect (and shows in the status) within a
   * second even when no flow is doing lookups.
   */
  private followCacheClear(): void {
    const g = readGeneration(this.options.home);
    if (g === this.generationSeen) return;
    this.generationSeen = g;
    const entries = existingLookupCache()?.clear() ?? 0;
    this.lastCacheClear = { at: new Date().toISOString(), entries, by: 'cli' };
    this.options.log(`cache cleared by \`sluice cache clear\`: ${entries} lookups dropped from memory`);
  }

  async status(): Promise<AgentStatus> {
    const memory = existingLookupCache()?.stats() ?? null;
    return {
      pid: process.pid,
      url: this.url,
      home: this.options.home,
      started_at: this.startedAt.toISOString(),
      uptime_s: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      stopping: this.stopping,
      deployments: (await this.deployments.list()).length,
      runs: this.runner.stats(),
      cache: { memory, last_clear: this.lastCacheClear },
      http: this.http.stats() ?? null,
    };
  }

  // ---- stopping ----

  private refuseWhenStopping(): void {
    if (this.stopping) throw new AgentError(E.stopping, 'the agent is stopping: no new runs or deployments are accepted', { hint: 'Start it again with `sluice agent start`.' });
  }

  /** Graceful stop; idempotent. Resolves when everything is closed and agent.json is removed. */
  stop(reason = 'asked to stop'): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopPromise = this.shutdown(reason).finally(() => this.resolveStopped());
    return this.stopPromise;
  }

  private async shutdown(reason: string): Promise<void> {
    const log = this.options.log;
    this.scheduler.stop();
    this.dispatcher.stop();
    await this.reconciler.stop();
    if (this.generationTimer) clearInterval(this.generationTimer);
    const timeout = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    if (this.runner.active > 0) log(`stopping (${reason}): waiting up to ${Math.round(timeout / 1000)} s for ${this.runner.active} run${this.runner.active === 1 ? '' : 's'} to finish`);
    else log(`stopping (${reason})`);
    let left = await this.runner.drain(timeout);
    if (left.length > 0) {
      log(`still running after ${Math.round(timeout / 1000)} s: ${left.join(', ')}; telling them to stop`);
      this.hardStop.abort();
      left = await this.runner.drain(ABORT_GRACE_MS);
      if (left.length > 0) {
        log(`not stopped: ${left.join(', ')}; recorded as interrupted (the next run continues from the last committed watermark)`);
        await this.runner.abandon(timeout + ABORT_GRACE_MS);
      }
    }
    // Failure messages of the last runs still being delivered get a moment, not the whole retry plan.
    await this.notifier.drain(ABORT_GRACE_MS);
    await this.server?.close();
    await this.listener?.close();
    await this.http.close().catch(() => undefined);
    releaseAgentFile(this.options.home);
    // Runs that did not stop may still hold the store; closing it under them would turn their last
    // writes into errors, and the process is about to exit anyway.
    if (left.length === 0) await this.store.close();
    log('stopped');
  }
}

function readGeneration(home: string): string | null {
  try {
    return readFileSync(generationFile(home), 'utf8');
  } catch {
    return null;
  }
}

function bad(message: string): AgentError {
  return new AgentError(E.badRequest, message);
}

/** The optional pacing fields of a saved connection, as the API takes them. */
function checkPacing(input: ConnectionInput): { plan?: string; seats?: number; dailyBudget?: number } {
  const out: { plan?: string; seats?: number; dailyBudget?: number } = {};
  if (input.plan !== undefined && input.plan !== null && input.plan !== '') {
    if (typeof input.plan !== 'string' || !/^[a-z][a-z0-9_-]{0,40}$/.test(input.plan.trim().toLowerCase())) throw bad('`plan` must be a plan name such as premium');
    out.plan = input.plan.trim().toLowerCase();
  }
  for (const [field, key] of [['seats', 'seats'], ['daily_budget', 'dailyBudget']] as const) {
    const v = input[field];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw bad(`\`${field}\` must be a whole number of at least 1`);
    out[key] = v;
  }
  return out;
}

/** A connection error with every form of the token removed; anything else becomes a plain message (never the original object). */
function safeConnectionError(err: unknown, secrets: (Secret | string | undefined)[]): Error {
  const known = secrets.filter((s): s is Secret | string => s !== undefined && s !== '');
  if (err instanceof ConnectionError) return new ConnectionError(err.code as never, redact(err.message, known), err.hint && redact(err.hint, known));
  if (err instanceof AgentError) return err;
  return new AgentError(E.badRequest, redact(err instanceof Error ? err.message : String(err), known));
}
