// Finding the changes a webhook did not deliver: every few minutes, and when the agent starts, each
// webhook deployment reads the records of its event's objects changed since the last such read (the
// object's own `since` read, e.g. /v2/persons?updated_since=...) and keeps an event for each
// create or change it has no event for. A change the webhook delivered too is recognised by its
// key (state/events.ts), so it is processed once whichever copy came first. Deletes are not found
// this way: the lists leave deleted records out.
import type { AppRegistry, ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import type { Rec } from '../../runtime/eval.js';
import type { HttpIoProcess } from '../../runtime/http-io.js';
import type { WebhookRegistration, WebhookStore } from '../../state/index.js';
import { formatTime } from '../../runtime/time.js';
import { matches, parseEventName } from './event-name.js';

export interface ReconcilerOptions {
  registry: AppRegistry;
  http: HttpIoProcess;
  store: WebhookStore;
  /** The webhook action of a deployment still deployed (and not paused), or undefined. */
  actionOf: (deployment: string) => Promise<ResolvedAction | undefined>;
  /** Told when a read found changes that had no event. */
  onFound: (deployment: string, count: number) => void;
  log: (line: string) => void;
  signal: AbortSignal;
}

const toIso = (v: unknown): string | null => {
  if (typeof v !== 'string' || v === '') return null;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v) ? `${v.replace(' ', 'T')}Z` : v);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
};

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly o: ReconcilerOptions) {}

  start(everyMs: number): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), everyMs);
    this.timer.unref();
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.running ?? Promise.resolve();
  }

  /** One pass over every webhook deployment (a pass still going is not started twice). */
  runOnce(): Promise<void> {
    this.running ??= (async () => {
      for (const reg of await this.o.store.registrations()) {
        if (this.o.signal.aborted) break;
        const action = await this.o.actionOf(reg.deployment);
        if (!action?.webhook) continue;
        try {
          const found = await this.reconcile(reg, action);
          if (found > 0) {
            this.o.log(`${reg.deployment}: ${found} change${found === 1 ? '' : 's'} found that no webhook delivered`);
            this.o.onFound(reg.deployment, found);
          }
        } catch (err) {
          if (!this.o.signal.aborted) this.o.log(`${reg.deployment}: could not look for changes webhooks missed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async reconcile(reg: WebhookRegistration, action: ResolvedAction): Promise<number> {
    const def = action.webhook!;
    const want = parseEventName(def, reg.event);
    const since = reg.reconciledUntil ?? reg.createdAt;
    let latest = toIso(since) ?? since;
    let found = 0;
    for (const [object, readName] of Object.entries(def.objects)) {
      if (!readName || !(want.object === '*' || want.object === object)) continue;
      if (!(matches(want, 'create', object) || matches(want, 'change', object))) continue;
      const read = this.o.registry.action(`${action.app}.${readName}`, 'read', null);
      if (!read?.since || read.since.kind !== 'param') continue;
      const query: Record<string, string | number | boolean> = { ...(read.since.params ?? {}), [read.since.param]: formatTime(toIso(since) ?? since, read.since.format) };
      const ref = { ref: { kind: 'ActionRef', parts: [], name: read.qualifiedName }, role: 'read', connection: { name: reg.connection, explicit: true } } as unknown as ResolvedRef;
      const source = this.o.http.source(ref, read, query, { signal: this.o.signal });
      for await (const page of source.pages()) {
        for (const rec of page) {
          const n = await this.keep(reg, object, want, rec);
          found += n.added;
          if (n.updated && n.updated > latest) latest = n.updated;
        }
      }
    }
    await this.o.store.setReconciledUntil(reg.deployment, latest);
    return found;
  }

  private async keep(reg: WebhookRegistration, object: string, want: { action: string; object: string }, rec: Rec): Promise<{ added: number; updated: string | null }> {
    const id = rec.id;
    if (typeof id !== 'number' && typeof id !== 'string') return { added: 0, updated: null };
    const added = toIso(rec.add_time);
    const updated = toIso(rec.update_time);
    const since = toIso(reg.reconciledUntil ?? reg.createdAt) ?? '';
    let n = 0;
    const keep = async (action: 'create' | 'change', at: string) => {
      const eventId = `reconcile:${action}:${object}:${String(id)}${action === 'change' ? `@${updated}` : ''}`;
      const meta = { action, entity: object, entity_id: String(id), id: eventId, timestamp: at, version: '2.0', change_source: 'reconcile' };
      const fresh = await this.o.store.add(reg.deployment, { eventId, entity: object, entityId: String(id), action, occurredAt: at, version: updated, origin: 'reconcile', payload: { meta, data: rec, previous: null } });
      if (fresh) n++;
    };
    if (matches(want as never, 'create', object) && added && added >= since) await keep('create', added);
    if (matches(want as never, 'change', object) && updated && added && updated > added && updated >= since) await keep('change', updated);
    return { added: n, updated };
  }
}
