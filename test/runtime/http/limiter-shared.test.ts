// A process's own limiter beside a shared one: the other processes on the token are counted in the
// shared limit, so the headers' count of them must not make this process pause or slow down too.
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/runtime/http/index.js';
import type { SharedGrant, SharedLimit } from '../../../src/runtime/http/shared-limit.js';

const site = { method: 'GET', path: '/api/v2/persons', host: 'acme.test' };

/** A shared limit that grants at once and records what it is told. */
function fakeShared() {
  const seen = { observed: 0, withGrant: 0, done: 0 };
  const shared: SharedLimit = {
    take: async (): Promise<SharedGrant> => ({ waitedMs: 0, done: () => void seen.done++ }),
    observe: (_info, grant) => {
      seen.observed++;
      if (grant) seen.withGrant++;
    },
    pause: () => {},
    stats: () => ({ backend: 'fake', burst: 20, held: 0, waits: 0, pauses: 0, external: 0, moved: 0 }),
  };
  return { shared, seen };
}

/** One request answered with a window the server says is full, 19 of its 20 requests not this process's. */
async function fullWindowSeenBy(limiter: RateLimiter) {
  let grant: Parameters<RateLimiter['observe']>[0] | undefined;
  await limiter.run(async (g) => {
    grant = g;
    g.sent();
  }, { site });
  limiter.observe(grant!, { limit: 20, remaining: 0, resetMs: 2000 });
}

describe('the own limiter beside a shared limit', () => {
  it('alone, a full window of others pauses it', async () => {
    const limiter = new RateLimiter({ burst: 20, windowMs: 2000, host: 'acme.test' });
    await fullWindowSeenBy(limiter);
    expect(limiter.isPaused).toBe(true);
    expect(limiter.stats().external).toBe(19);
  });

  it('with a shared limit, it leaves the others to it: no pause, no phantoms, and the shared limit hears of the grant and its end', async () => {
    const { shared, seen } = fakeShared();
    const limiter = new RateLimiter({ burst: 20, windowMs: 2000, host: 'acme.test', shared });
    await fullWindowSeenBy(limiter);
    expect(limiter.isPaused).toBe(false);
    expect(limiter.stats().external).toBe(0);
    expect(seen).toEqual({ observed: 1, withGrant: 1, done: 1 });
  });
});
