// Webhooks at deploy and undeploy, for both agents (in-process and queue mode): the flows being
// deployed that read webhooks are registered with their app before anything is stored (a refusal
// deploys nothing), the webhook a deployment had before is removed once the new one is in place,
// and an undeployed flow's webhook is removed at the app and forgotten.
import type { AppRegistry } from '../../apps/index.js';
import type { FlowModel } from '../../check/model.js';
import type { WebhookStore } from '../../state/index.js';
import { AGENT_ERRORS as E, AgentError } from '../errors.js';
import { webhookSource } from './deployed.js';
import type { Registrar } from './registrar.js';

export interface DeployHooksContext {
  registry: AppRegistry;
  registrar: Registrar;
  store: WebhookStore;
  /** Where the app posts this agent's webhooks, or null when it has no listener. */
  webhookUrl: string | null;
  /** How to start an agent that can receive them (for the error when it cannot). */
  listenerHint: string;
  log: (line: string) => void;
}

/** Registers the webhooks of `flows` (deployed as `names`); returns the names that have one. */
export async function registerWebhooks(ctx: DeployHooksContext, flows: { model: FlowModel }[], names: string[]): Promise<Set<string>> {
  const registered = new Set<string>();
  for (const [i, f] of flows.entries()) {
    const src = webhookSource(ctx.registry, f.model);
    if (!src) continue;
    if (!ctx.webhookUrl) {
      throw new AgentError(E.noWebhookListener, `\`${names[i]}\` reads ${src.action.app} webhooks, but this agent has no webhook listener: nothing was deployed`, { hint: ctx.listenerHint });
    }
    const r = await ctx.registrar.register({ deployment: names[i], connection: src.connection, action: src.action, event: src.event, publicUrl: ctx.webhookUrl });
    registered.add(names[i]);
    ctx.log(`${names[i]}: registered webhook ${r.remoteId} (${src.event}) with ${src.action.app}`);
  }
  return registered;
}

/** The registrations the deployments `names` have now (before a deploy replaces them). */
export async function currentRegistrations(ctx: DeployHooksContext, names: string[]) {
  return new Map(await Promise.all(names.map(async (n) => [n, await ctx.store.registration(n)] as const)));
}

/** After a deploy: each webhook a flow had before is replaced (a new one was registered) or no longer needed. */
export async function replaceWebhooks(ctx: DeployHooksContext, previous: Awaited<ReturnType<typeof currentRegistrations>>, registered: Set<string>): Promise<void> {
  for (const [name, old] of previous) {
    if (!old) continue;
    await removeWebhook(ctx, name, old.remoteId, old.connection);
    if (!registered.has(name)) await ctx.store.forget(name);
  }
}

/** At undeploy: the deployment's webhook is removed at the app and forgotten. */
export async function dropWebhook(ctx: DeployHooksContext, name: string): Promise<void> {
  const reg = await ctx.store.registration(name);
  if (!reg) return;
  await removeWebhook(ctx, name, reg.remoteId, reg.connection);
  await ctx.store.forget(name);
}

/** Removes a webhook at the app; a failure is logged (the registration is forgotten anyway only when asked). */
async function removeWebhook(ctx: DeployHooksContext, name: string, remoteId: string, connection: string): Promise<boolean> {
  const action = ctx.registry.action('pipedrive.events', 'read', null);
  try {
    await ctx.registrar.unregister({ connection, app: action?.app ?? 'pipedrive', remoteId, version: action?.version ?? 'v1', path: action?.path ?? '/webhooks' });
    ctx.log(`${name}: removed webhook ${remoteId}`);
    return true;
  } catch (err) {
    ctx.log(`${name}: could not remove webhook ${remoteId} at the app (remove it there by hand): ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
