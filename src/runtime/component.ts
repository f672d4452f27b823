// What the interpreter gives every source and destination component when it opens one (see
// sources/README.md and dests/README.md): the outside world, the HTTP stack shared by the process,
// and how the run goes.
import type { HttpIo } from './http-app/types.js';
import type { IoContext } from './io.js';
import type { WebhookStore } from '../state/index.js';

export interface ComponentContext {
  io: IoContext;
  /** Apps reached over HTTP: the process's clients, rate limiters and budgets. */
  http: HttpIo;
  signal: AbortSignal;
  /** Nothing may change anywhere: a destination that cannot preview is replaced by one that logs. */
  dryRun: boolean;
  /** Where a dry run describes what it would do. */
  log?: (line: string) => void;
  /** The deployment's received webhook events (the agent's runs only): what a webhook source reads. */
  webhooks?: { store: WebhookStore; deployment: string };
}
