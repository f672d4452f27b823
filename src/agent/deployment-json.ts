// A deployment as the API answers it (`sluice deployments --format json`, the panel): one shape for
// the in-process agent and the queue-mode agent, which differ only in how they know what runs now,
// when it runs next and what its webhook is.
import { runJson, type StateStore, type WebhookStore } from '../state/index.js';
import type { Deployment } from './deployments.js';

export interface DeploymentView {
  store: StateStore;
  /** The run in progress, if any. */
  running(d: Deployment): Promise<{ since: string; version: number; trigger: string } | null>;
  nextRun(name: string): Promise<string | null>;
  /** The webhook registration and its events, or null for a polling flow. */
  webhook(name: string): Promise<unknown>;
}

/** A webhook deployment's registration and its events (never the credentials), or null for a polling flow. */
export async function webhookJson(store: WebhookStore, webhookUrl: string | null, name: string) {
  const reg = await store.registration(name);
  if (!reg) return null;
  return { event: reg.event, id: reg.remoteId, url: webhookUrl ? `${webhookUrl.replace(/\/$/, '')}/webhooks/${name}` : null, registered_at: reg.createdAt, reconciled_until: reg.reconciledUntil, events: await store.counts(name) };
}

export async function deploymentJson(view: DeploymentView, d: Deployment) {
  const [last] = await view.store.runs(d.stateKey, { limit: 1 });
  const versions = last ? await view.store.deployments.runVersions([last.id]) : new Map<number, number>();
  const sources = await view.store.sources(d.stateKey);
  return {
    name: d.name,
    version: d.version,
    flow: d.flow,
    file: d.filePath,
    base_dir: d.baseDir,
    schedule: d.schedule ? d.schedule.text : null,
    enabled: d.enabled,
    paused: d.paused,
    vars: Object.keys(d.vars),
    allow_paths: d.allowPaths,
    notify_url: d.notifyUrl,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    next_run: d.enabled ? await view.nextRun(d.name) : null,
    webhook: await view.webhook(d.name),
    running: await view.running(d),
    last_run: last ? runJson(last, versions.get(last.id) ?? null) : null,
    // Where the next run continues: the flow's state is shared with `sluice run` of the same flow.
    state: { key: d.stateKey, watermarks: Object.fromEntries(sources.map((w) => [w.source, w.value])) },
  };
}
