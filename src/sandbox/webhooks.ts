// Webhooks v2 as Pipedrive sends them: registrations made through /v1/webhooks, and on every
// create, change and delete of a person, organization, deal or activity one POST per matching
// registration, JSON `{data, previous, meta}`, with the registration's HTTP basic auth. A delivery
// answered with anything but 2xx (or not answered) is tried again after each of `retryDelaysMs`,
// with the same `meta.id` and `meta.attempt` counting up; then it is given up.
//
// Tests make Pipedrive fail to deliver with `dropNext(n)`: the next n events are never sent (the
// agent's periodic `since` read has to find those changes).
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from './errors.js';
import type { Activity, Deal, Organization, Person } from './model.js';
import { activityV2, dealV2, organizationV2, personV2 } from './serialize/v2.js';
import { rfc3339 } from './time.js';
import type { SandboxClock } from './clock.js';
import type { Store } from './store.js';

export type WebhookEntity = 'person' | 'organization' | 'deal' | 'activity';
export type WebhookAction = 'create' | 'change' | 'delete';

/** What entity code reports after a change (`previous`: the record before a change, raw). */
export interface Change {
  entity: WebhookEntity;
  action: WebhookAction;
  record: Person | Organization | Deal | Activity;
  previous: Person | Organization | Deal | Activity | null;
}

export const EVENT_ACTIONS = ['create', 'change', 'delete', '*'] as const;
export const EVENT_OBJECTS = ['activity', 'deal', 'lead', 'note', 'organization', 'person', 'pipeline', 'product', 'stage', 'user', '*'] as const;

export interface Registration {
  id: number;
  company_id: number;
  owner_id: number;
  user_id: number;
  event_action: string;
  event_object: string;
  subscription_url: string;
  version: string;
  is_active: 0 | 1;
  add_time: string;
  remove_time: string | null;
  type: 'general';
  http_auth_user: string | null;
  http_auth_password: string | null;
  remove_reason: string | null;
  last_delivery_time: string | null;
  last_http_status: number | null;
  admin_id: number;
  name: string;
}

export interface WebhookStats {
  /** Events that matched a registration (one per registration). */
  events: number;
  /** POSTs made, retries included. */
  attempts: number;
  delivered: number;
  /** Events given up after the last retry. */
  gaveUp: number;
  /** Events dropped by dropNext(). */
  dropped: number;
}

export interface WebhookSettings {
  /** Waits before each retry of a failed delivery (default 3 s, 30 s, 150 s). */
  retryDelaysMs: number[];
  /** How long one delivery may take to be answered. */
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = { retryDelaysMs: [3_000, 30_000, 150_000], timeoutMs: 10_000 };

const SERIALIZE: Record<WebhookEntity, (r: never) => unknown> = {
  person: personV2 as (r: never) => unknown,
  organization: organizationV2 as (r: never) => unknown,
  deal: dealV2 as (r: never) => unknown,
  activity: activityV2 as (r: never) => unknown,
};

export class Webhooks {
  private readonly hooks = new Map<number, Registration>();
  private next = 1;
  private drop = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  readonly counts: WebhookStats = { events: 0, attempts: 0, delivered: 0, gaveUp: 0, dropped: 0 };

  constructor(
    /** What deliveries read of the sandbox's world (world.ts): the records and the clock. */
    private readonly world: { store: Store; clock: SandboxClock },
    readonly settings: WebhookSettings = DEFAULT_WEBHOOK_SETTINGS,
  ) {}

  list(): Registration[] {
    return [...this.hooks.values()].filter((h) => h.is_active === 1);
  }

  create(body: unknown): Registration {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const str = (k: string): string | undefined => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
    const url = str('subscription_url');
    if (!url) throw badRequest('subscription_url must be given.');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('subscription_url must be a valid URL.');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest('subscription_url must be a valid URL.');
    const action = str('event_action');
    if (!action || !(EVENT_ACTIONS as readonly string[]).includes(action)) throw badRequest(`Invalid value for field 'event_action': must be one of ${EVENT_ACTIONS.join(', ')}.`);
    const object = str('event_object');
    if (!object || !(EVENT_OBJECTS as readonly string[]).includes(object)) throw badRequest(`Invalid value for field 'event_object': must be one of ${EVENT_OBJECTS.join(', ')}.`);
    const name = str('name');
    if (!name) throw badRequest('name must be given.');
    const version = str('version') ?? '2.0';
    if (version !== '1.0' && version !== '2.0') throw badRequest("Invalid value for field 'version': must be one of 1.0, 2.0.");
    const user = this.world.store.tokenUserId;
    const hook: Registration = {
      id: this.next++,
      company_id: this.world.store.company.id,
      owner_id: user,
      user_id: typeof b.user_id === 'number' ? b.user_id : user,
      event_action: action,
      event_object: object,
      subscription_url: url,
      version,
      is_active: 1,
      add_time: rfc3339(this.world.clock.now()),
      remove_time: null,
      type: 'general',
      http_auth_user: str('http_auth_user') ?? null,
      http_auth_password: str('http_auth_password') ?? null,
      remove_reason: null,
      last_delivery_time: null,
      last_http_status: null,
      admin_id: user,
      name: name.slice(0, 255),
    };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  remove(id: number): void {
    const h = this.hooks.get(id);
    if (!h || h.is_active !== 1) throw notFound('Webhook not found');
    h.is_active = 0;
    h.remove_time = rfc3339(this.world.clock.now());
    h.remove_reason = 'user';
  }

  /** The next `count` events are not delivered at all (Pipedrive failing to send them). */
  dropNext(count = 1): void {
    this.drop += count;
  }

  /** Called by entity code after every create, change and delete. */
  changed(c: Change): void {
    if (this.closed) return;
    const matching = this.list().filter((h) => h.version === '2.0' && (h.event_action === '*' || h.event_action === c.action) && (h.event_object === '*' || h.event_object === c.entity));
    if (matching.length === 0) return;
    if (this.drop > 0) {
      this.drop--;
      this.counts.dropped++;
      return;
    }
    const serialize = SERIALIZE[c.entity];
    const current = serialize(c.record as never) as Record<string, unknown>;
    const before = c.previous ? (serialize(c.previous as never) as Record<string, unknown>) : null;
    const data = c.action === 'delete' ? null : current;
    // v2 sends in `previous` only what changed (a delete: the record as it was).
    let previous: Record<string, unknown> | null = null;
    if (c.action === 'delete') previous = before ?? current;
    else if (c.action === 'change' && before) {
      previous = {};
      for (const [k, v] of Object.entries(before)) if (JSON.stringify(v) !== JSON.stringify(current[k])) previous[k] = v;
    }
    const at = this.world.clock.now();
    for (const hook of matching) {
      this.counts.events++;
      const meta = {
        action: c.action,
        camel_action: c.action,
        change_source: 'api',
        company_id: String(hook.company_id),
        correlation_id: randomUUID(),
        entity_id: String(c.record.id),
        entity: c.entity,
        id: randomUUID(),
        is_bulk_edit: false,
        timestamp: new Date(at).toISOString(),
        type: 'general',
        user_id: String(this.world.store.tokenUserId),
        version: '2.0',
        webhook_id: String(hook.id),
        webhook_owner_id: String(hook.owner_id),
        attempt: 1,
        host: 'sandbox.pipedrive.test',
      };
      this.deliver(hook, { data, previous, meta }, 0);
    }
  }

  private deliver(hook: Registration, payload: { data: unknown; previous: unknown; meta: { attempt: number } }, retry: number): void {
    const attempt = (async () => {
      this.counts.attempts++;
      payload.meta.attempt = retry + 1;
      let status = 0;
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Pipedrive-Webhooks' };
        if (hook.http_auth_user !== null || hook.http_auth_password !== null) {
          headers.authorization = `Basic ${Buffer.from(`${hook.http_auth_user ?? ''}:${hook.http_auth_password ?? ''}`).toString('base64')}`;
        }
        const res = await fetch(hook.subscription_url, { method: 'POST', headers, body: JSON.stringify(payload), redirect: 'manual', signal: AbortSignal.timeout(this.settings.timeoutMs) });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch {
        status = 0;
      }
      hook.last_delivery_time = rfc3339(this.world.clock.now());
      hook.last_http_status = status || null;
      if (status >= 200 && status < 300) {
        this.counts.delivered++;
        return;
      }
      const wait = this.settings.retryDelaysMs[retry];
      if (wait === undefined || this.closed || hook.is_active !== 1) {
        this.counts.gaveUp++;
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.closed) this.deliver(hook, payload, retry + 1);
      }, wait);
      timer.unref();
      this.timers.add(timer);
    })();
    this.inFlight.add(attempt);
    void attempt.finally(() => this.inFlight.delete(attempt));
  }

  /** Whether deliveries are under way or waiting for a retry. */
  get pending(): number {
    return this.inFlight.size + this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
