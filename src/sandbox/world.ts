// What request handlers and the in-process data API share: the records, the clock, and the seeded
// source of new lead UUIDs (so that ids of created leads are reproducible too).
import type { SandboxClock } from './clock.js';
import type { Prng } from './prng.js';
import type { Store } from './store.js';
import type { Change, Webhooks } from './webhooks.js';

export interface World {
  store: Store;
  clock: SandboxClock;
  uuids: Prng;
  /** Told of every create, change and delete of the records webhooks report (webhooks.ts). */
  changes?: (c: Change) => void;
  /** Registrations made through /v1/webhooks and their deliveries. */
  webhooks?: Webhooks;
}
