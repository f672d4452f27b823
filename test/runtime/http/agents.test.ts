// The keep-alive agents must not be a tighter bound on requests in flight than the ones Sluice
// sizes on purpose (the read window, time slices, writes in flight): a request beyond the agent's
// sockets waits for a socket unseen by the rate limiter and the latency estimate.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CONCURRENCY } from '../../../src/runtime/http/adaptive-concurrency.js';
import { agentsFor, destroyAgents } from '../../../src/runtime/http/agents.js';
import { MAX_READ_WINDOW, MAX_SLICES } from '../../../src/runtime/http/page-window.js';

afterEach(() => destroyAgents());

describe('keep-alive agents', () => {
  it('allow as many sockets to one origin as requests may be in flight', () => {
    for (const a of Object.values(agentsFor('https://company.pipedrive.com'))) {
      expect(a.maxSockets).toBeGreaterThanOrEqual(MAX_CONCURRENCY);
      expect(a.maxSockets).toBeGreaterThanOrEqual(Math.max(MAX_READ_WINDOW, MAX_SLICES));
    }
  });
});
