// Webhook sources in queue mode. The queue agent (any of them, behind one public address) receives
// `POST /webhooks/DEPLOYMENT` on its listener (agent/webhooks/listener.ts, the same as the
// in-process agent's): each event is kept in PostgreSQL before the 200 and recognised by its id
// when it comes again. A run of the deployment then goes on the queue; the worker that takes it
// reads the events still open, in order, through the flow's webhook source, and marks them done.
//
// One events job per deployment at a time (BullMQ deduplication by `events-NAME`): events that
// arrive while it runs are taken by the next one, which the leader puts on the queue within a
// second while events are open. A failed run is retried by BullMQ (attempts with exponential
// backoff); when its attempts are spent the leader waits RETRY_AFTER_FAILED_MS before trying
// again, so that a destination that is down is not hammered. The leader also reads what changed
// every --reconcile-every seconds to find events the app did not deliver (reconcile.ts).
import type { Queue } from 'bullmq';
import type { AppRegistry } from '../apps/index.js';
import type { FlowChecker } from '../agent/check.js';
import type { DeployHooksContext } from '../agent/webhooks/deploy-hooks.js';
import { deployedWebhookSource } from '../agent/webhooks/deployed.js';
import { startListener, type WebhookListener } from '../agent/webhooks/listener.js';
import { readDelivery } from '../agent/webhooks/payload.js';
import { Reconciler } from '../agent/webhooks/reconcile.js';
import { webhookJson } from '../agent/deployment-json.js';
import { Registrar } from '../agent/webhooks/registrar.js';
import type { HttpIoProcess } from '../runtime/http-io.js';
import type { Deployment, StateStore } from '../state/index.js';
import type { RunJob } from './queue.js';
import { EVENT_ATTEMPTS, EVENT_BACKOFF_MS } from './worker-timing.js';

const RETRY_AFTER_FAILED_MS = 60_000;

export interface QueueWebhooksOptions {
  registry: AppRegistry;
  checker: FlowChecker;
  store: StateStore;
  queue: Queue<RunJob>;
  http: HttpIoProcess;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  signal: AbortSignal;
  /** The listener; none: webhook flows are refused at deploy (SL8017). */
  listen?: { host: string; port: number; publicUrl?: string; reconcileMs: number };
}

export interface QueueWebhooks {
  hooks: DeployHooksContext;
  /** The registration and its events, as the API shows them. */
  json(name: string): Promise<unknown>;
  /** Puts a run of the deployment's open events on the queue (one at a time per deployment). */
  enqueue(dep: Deployment, options?: { afterFailure?: boolean }): Promise<void>;
  /** The leader's pass: a run for every deployment with open events and none queued. */
  sweep(): Promise<void>;
  leading(isLeader: boolean): void;
  close(): Promise<void>;
}

export async function startQueueWebhooks(o: QueueWebhooksOptions): Promise<QueueWebhooks> {
  const store = o.store.webhooks;
  const registrar = new Registrar(o.http, store);
  const live = async (name: string) => {
    const d = await o.store.deployments.get(name);
    return d?.enabled && !d.paused ? d : undefined;
  };
  const sourceOf = (dep: Deployment) => deployedWebhookSource(o.checker, o.registry, o.env, dep);

  const enqueue = async (dep: Deployment, options: { afterFailure?: boolean } = {}) => {
    if (options.afterFailure) {
      // A run whose attempts are all spent: wait before the next, whatever is still open.
      const [last] = await o.store.runs(dep.stateKey, { limit: 1 });
      if (last?.status === 'failed' && Date.now() - Date.parse(last.finishedAt ?? last.startedAt) < RETRY_AFTER_FAILED_MS) return;
    }
    await o.queue.add(
      dep.name,
      { deployment: dep.name, version: dep.version },
      { deduplication: { id: `events-${dep.name}` }, attempts: EVENT_ATTEMPTS, backoff: { type: 'exponential', delay: EVENT_BACKOFF_MS }, removeOnComplete: 1000, removeOnFail: 1000 },
    );
  };

  let listener: WebhookListener | null = null;
  let reconciler: Reconciler | null = null;
  if (o.listen) {
    listener = await startListener({
      host: o.listen.host,
      port: o.listen.port,
      store,
      parse: async (name, body) => {
        const dep = await o.store.deployments.get(name);
        const def = dep?.enabled ? sourceOf(dep)?.action.webhook : undefined;
        return def ? readDelivery(def, body) : `\`${name}\` is not a deployed webhook flow`;
      },
      onEvent: (name, fresh) => {
        if (!fresh) return;
        void live(name)
          .then((dep) => (dep ? enqueue(dep) : undefined))
          .catch((err: Error) => o.log(`${name}: could not queue a run of its events (the leader tries again): ${err.message}`));
      },
      log: o.log,
    });
    reconciler = new Reconciler({
      registry: o.registry,
      http: o.http,
      store,
      actionOf: async (name) => {
        const dep = await live(name);
        return dep ? sourceOf(dep)?.action : undefined;
      },
      onFound: (name) => void live(name).then((dep) => (dep ? enqueue(dep) : undefined)),
      log: o.log,
      signal: o.signal,
    });
    o.log(`webhooks: listening on ${listener.url}${o.listen.publicUrl ? ` (the app posts to ${o.listen.publicUrl})` : ''}`);
  }
  const publicUrl = listener ? (o.listen?.publicUrl ?? listener.url) : null;

  return {
    hooks: {
      registry: o.registry,
      registrar,
      store,
      webhookUrl: publicUrl,
      listenerHint: 'Start the queue agent with --webhook-port PORT and --webhook-url URL (the public address that reaches that port), then deploy again.',
      log: o.log,
    },
    json: (name) => webhookJson(store, publicUrl, name),
    enqueue,
    async sweep() {
      for (const reg of await store.registrations()) {
        if (!(await store.hasOpen(reg.deployment))) continue;
        const dep = await live(reg.deployment);
        if (dep) await enqueue(dep, { afterFailure: true });
      }
    },
    leading(isLeader) {
      if (!reconciler || !o.listen) return;
      if (isLeader) reconciler.start(Math.max(500, o.listen.reconcileMs));
      else void reconciler.stop();
    },
    async close() {
      await reconciler?.stop();
      await listener?.close();
    },
  };
}
