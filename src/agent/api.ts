// What the agent's HTTP face (server.ts) asks of the agent, and the shapes it gets back. A leaf of
// the agent: the Agent class (agent.ts) implements AgentApi and starts the server, the server knows
// only this interface, so neither module names the other's implementation.
import type { Writable } from 'node:stream';
import type { ApiVersion } from '../connections/index.js';
import type { Diagnostic } from '../diagnostics.js';
import type { ClearReport, LookupCacheStats } from '../runtime/cache/index.js';
import type { ReplaySummary } from '../runtime/replay.js';
import type { RunSummary } from '../runtime/run-summary.js';
import type { RunRecord, StateStore, WebhookStore } from '../state/index.js';
import type { DeployRequest } from './deploy-request.js';
import type { Deployment, DeploymentStore } from './deployments.js';
import type { RunOutcome, RunTriggerKind, RunnerStats } from './runner.js';

export interface AgentOptions {
  home: string;
  env: Record<string, string | undefined>;
  host: string;
  port: number;
  /** Allow a non-loopback --host (the API then travels unencrypted on the network). */
  allowRemote?: boolean;
  stopTimeoutMs?: number;
  /** Where `dest stdout` writes. */
  stdout: Writable;
  /** One line of the agent's log (stderr). Never given secrets. */
  log: (line: string) => void;
  /** Log each API request (method, path, status; never bodies or headers). */
  verbose?: boolean;
  /** The webhook listener's port (0: any); undefined: no listener, webhook flows cannot be deployed. */
  webhookPort?: number;
  /** The webhook listener's address (default 127.0.0.1). */
  webhookHost?: string;
  /** The address the app posts webhooks to (a tunnel or proxy in front of the listener); default the listener's own. */
  webhookUrl?: string;
  /** How often webhook deployments look for changes their webhook missed (default 5 minutes). */
  reconcileMs?: number;
}

/** A connection as the panel sends it: unchecked JSON fields, checked by the agent. */
export interface ConnectionInput {
  app?: unknown;
  name?: unknown;
  company_url?: unknown;
  api_version?: unknown;
  token?: unknown;
  allow_insecure?: unknown;
  replace?: unknown;
  plan?: unknown;
  seats?: unknown;
  daily_budget?: unknown;
}

export interface Deployed {
  deployed: Deployment[];
  warnings: Diagnostic[];
}

export interface Undeployed {
  name: string;
  version: number;
  /** A run in progress goes on to its end. */
  running: boolean;
}

/** A run started by `trigger`; `done` settles at the run's end. */
export interface Triggered {
  done: Promise<RunOutcome>;
}

export interface RunningRun {
  version: number;
  /** Epoch milliseconds. */
  startedAt: number;
  trigger: RunTriggerKind;
}

/** A saved or environment connection, without any part of any token. */
export interface ConnectionSummary {
  name: string;
  app: string;
  company_url: string | null;
  api_version: ApiVersion;
  token_from: 'saved' | 'environment' | 'missing';
  origin: 'file' | 'env';
}

/** A connection that answered GET users/me with its token. */
export interface ConnectionReached {
  name: string;
  app: string;
  company_url: string;
  api_version: ApiVersion;
  message: string;
  /** "<user> at <company>", for people. */
  reached: string;
  user: { name: string | null };
  company: { name: string | null; domain: string | null };
}

export interface ConnectionSaved extends ConnectionReached {
  saved: true;
}

export interface CacheClear {
  at: string;
  entries: number;
  /** The panel's "Clear cache", or `sluice cache clear` of another process. */
  by: 'api' | 'cli';
}

export interface AgentStatus {
  pid: number;
  url: string;
  home: string;
  started_at: string;
  uptime_s: number;
  stopping: boolean;
  deployments: number;
  runs: RunnerStats;
  cache: { memory: LookupCacheStats | null; last_clear: CacheClear | null };
  http: RunSummary['http'] | null;
}

/** The agent as its JSON API and panel use it. */
export interface AgentApi {
  readonly options: Readonly<Pick<AgentOptions, 'env' | 'log'>>;
  readonly store: StateStore;
  readonly deployments: DeploymentStore;
  readonly webhooks: WebhookStore;
  readonly runner: { readonly active: number; runningInfo(name: string): RunningRun | undefined };
  readonly metrics: { readonly contentType: string; text(): Promise<string> };
  /** Where the app posts this agent's webhooks, or null without a listener. */
  readonly webhookUrl: string | null;
  /** Constant-time comparison of a presented token with the agent's. */
  tokenMatches(presented: string): boolean;
  status(): Promise<AgentStatus>;
  deploy(req: DeployRequest): Promise<Deployed>;
  undeploy(name: string): Promise<Undeployed>;
  pause(name: string): Promise<Deployment>;
  resume(name: string): Promise<Deployment>;
  /** Resolves once the run has started (a refusal rejects). */
  trigger(name: string): Promise<Triggered>;
  replay(name: string, ids: number[] | undefined): Promise<ReplaySummary>;
  /** The next scheduled run (ISO time), or null. */
  nextRun(name: string): string | null;
  runs(options: { name?: string; limit?: number }): Promise<RunRecord[]>;
  connections(): ConnectionSummary[];
  validateConnection(input: ConnectionInput): Promise<ConnectionReached>;
  saveConnection(input: ConnectionInput): Promise<ConnectionSaved>;
  clearCache(): ClearReport;
  /** Graceful stop; idempotent. */
  stop(reason?: string): Promise<void>;
}
