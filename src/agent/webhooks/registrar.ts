// Registering a deployment's webhook with its app (`POST /v1/webhooks` for Pipedrive, the path the
// action names) and removing it. The basic-auth password is generated here, sent once in the
// registration and kept only as a hash (state/events.ts): it is never printed or logged.
import { randomBytes } from 'node:crypto';
import type { ResolvedAction } from '../../apps/index.js';
import type { HttpIoProcess } from '../../runtime/http-io.js';
import type { WebhookStore } from '../../state/index.js';
import { scrubSecrets } from '../../state/index.js';
import { AGENT_ERRORS as E, AgentError } from '../errors.js';
import { parseEventName } from './event-name.js';

export interface Registered {
  remoteId: string;
  /** The app's time of the registration: where the first reconciling read starts. */
  addTime: string | null;
}

export class Registrar {
  constructor(
    private readonly http: HttpIoProcess,
    private readonly store: WebhookStore,
  ) {}

  /** Registers `deployment`'s webhook; throws SL8018 with the app's reason when it refuses. */
  async register(o: { deployment: string; connection: string; action: ResolvedAction; event: string; publicUrl: string }): Promise<Registered> {
    const def = o.action.webhook!;
    const want = parseEventName(def, o.event);
    const user = 'sluice';
    const password = randomBytes(24).toString('base64url');
    const subscription = `${o.publicUrl.replace(/\/$/, '')}/webhooks/${o.deployment}`;
    let body: unknown;
    try {
      const res = await this.http.request(o.connection, o.action.app, {
        method: o.action.method ?? 'POST',
        path: o.action.path ?? '/webhooks',
        version: o.action.version,
        cost: o.action.cost,
        ...(o.action.tokens !== null ? { tokens: o.action.tokens } : {}),
        idempotent: false,
        body: { subscription_url: subscription, event_action: want.action, event_object: want.object, name: `sluice ${o.deployment}`.slice(0, 255), http_auth_user: user, http_auth_password: password, version: '2.0' },
      });
      body = res.body;
    } catch (err) {
      throw new AgentError(E.webhookRegistration, `could not register the webhook of \`${o.deployment}\` with ${o.action.app}: ${scrubSecrets(err instanceof Error ? err.message.replaceAll(password, '***') : String(err))}`, {
        hint: `The app must accept ${subscription} (a public http(s) address: --webhook-url), and the connection's user must be allowed to manage webhooks.`,
      });
    }
    const data = (body as { data?: { id?: unknown; add_time?: unknown } } | null)?.data;
    if (data?.id === undefined || data.id === null) throw new AgentError(E.webhookRegistration, `${o.action.app} answered the webhook registration of \`${o.deployment}\` without an id`);
    const remoteId = String(data.id);
    await this.store.register({
      deployment: o.deployment,
      connection: o.connection,
      baseUrl: this.http.baseUrl(o.connection, o.action.app),
      remoteId,
      event: o.event,
      authUser: user,
      password,
      createdAt: new Date().toISOString(),
      reconciledUntil: typeof data.add_time === 'string' ? data.add_time : null,
    });
    return { remoteId, addTime: typeof data.add_time === 'string' ? data.add_time : null };
  }

  /** Removes a registration at the app (a webhook already gone there counts as removed). */
  async unregister(o: { connection: string; app: string; remoteId: string; version: string | null; path: string }): Promise<void> {
    try {
      await this.http.request(o.connection, o.app, { method: 'DELETE', path: `${o.path}/${encodeURIComponent(o.remoteId)}`, version: o.version, cost: 'delete' });
    } catch (err) {
      if ((err as { status?: number }).status === 404) return;
      throw err;
    }
  }
}
