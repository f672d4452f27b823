// What a source or destination component is, and what the interpreter gives every one when it opens
// it (see sources/README.md and dests/README.md): the outside world, the HTTP stack shared by the
// process, and how the run goes.
import type { DestRequest, Destination } from './dests/destination.js';
import type { HttpIo } from './http-app/types.js';
import type { IoContext } from './io.js';
import type { Source, SourceRequest } from './sources/source.js';
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

/** One kind of source (`sources/registry.ts` selects it by the app's kind). */
export interface SourceComponent {
  open(req: SourceRequest, ctx: ComponentContext): Source;
}

/** One kind of destination (`dests/registry.ts` selects it by the app's kind). */
export interface DestComponent {
  open(req: DestRequest, ctx: ComponentContext): Destination;
  /** The component previews a dry run itself (says what it would send); else the run logs the records. */
  readonly previews?: boolean;
}
