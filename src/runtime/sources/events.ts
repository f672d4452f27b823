// A webhook source (`source pipedrive.events where event = "create.person"`): the events the agent
// received for a deployment and kept in the state store, oldest change first, as pages. Each event
// is handed out until a run has handled it (see state/events.ts): a run that fails or dies leaves
// its events for the next one, so each is retried, and one handled is never handed out again.
import { SluiceError } from '../../errors.js';
import { RUNTIME } from '../codes.js';
import type { Rec } from '../eval.js';
import type { StoredEvent, WebhookStore } from '../../state/index.js';
import type { Source, SourceProgress } from './source.js';
import type { SourceComponent } from '../component.js';

const EVENT_PAGE = 100;

const UNCERTAIN =
  'an earlier run was stopped while this event was being sent: it may or may not have been applied (not sent again: `sluice replay` checks whether it arrived before sending it)';

export class EventSource implements Source {
  readonly describe: string;
  onReject?: Source['onReject'];
  private readonly ids = new WeakMap<Rec, number>();
  /** Events an earlier run was sending when it stopped: kept as rejections, done once those are. */
  private uncertain: number[] = [];

  constructor(
    private readonly store: WebhookStore,
    private readonly deployment: string,
    event: string,
  ) {
    this.describe = `webhook events ${event} of ${deployment}`;
  }

  async *pages(): AsyncIterable<Rec[]> {
    let after: { occurredAt: string; id: number } | null = null;
    for (;;) {
      const events: StoredEvent[] = await this.store.openAfter(this.deployment, after, EVENT_PAGE);
      if (events.length === 0) return;
      after = { occurredAt: events[events.length - 1].occurredAt, id: events[events.length - 1].id };
      await this.store.counted(events.map((e) => e.id));
      const page: Rec[] = [];
      for (const e of events) {
        const rec = e.payload as Rec;
        if (e.status === 'sending') {
          this.uncertain.push(e.id);
          this.onReject?.({ record: rec, source: rec, reason: UNCERTAIN, code: 'uncertain' });
          continue;
        }
        this.ids.set(rec, e.id);
        page.push(rec);
      }
      yield page;
    }
  }

  readonly progress: SourceProgress = {
    sending: async (rec) => {
      const id = this.ids.get(rec);
      if (id !== undefined) await this.store.sending(id);
    },
    handled: async (recs) => {
      const ids = recs.map((r) => this.ids.get(r)).filter((x): x is number => x !== undefined);
      ids.push(...this.uncertain.splice(0));
      if (ids.length) await this.store.done(ids);
    },
  };
}

/** Every action fed by webhooks: only a deployment's runs have events to read. */
export const webhookSource: SourceComponent = {
  open(req, ctx) {
    if (!ctx.webhooks) {
      throw new SluiceError(RUNTIME.webhookOnly, `\`${req.action.qualifiedName}\` receives ${req.app.title} webhooks: only a deployed flow can run it`, {
        hint: 'Deploy it with `sluice deploy FILE` to an agent started with --webhook-port (and --webhook-url, the address the app can reach); the agent registers the webhook.',
      });
    }
    return new EventSource(ctx.webhooks.store, ctx.webhooks.deployment, String(req.query[req.action.webhook!.param] ?? ''));
  },
};
