// A connection test goes through the same rate limiter as a run on that company and token: tests
// and run requests together stay within the plan (no 429), and a 429 a test gets pauses the run too.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/connections/index.js';
import { probeConnection } from '../../../src/runtime/probe/connection.js';
import { clearLimiters, connectionLimiter } from '../../../src/runtime/http/limiter.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { client, pipedrive } from '../http/helpers.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ seed: 5, persons: 10, plan: 'lite' });
});
afterAll(() => sb.close());
beforeEach(() => {
  clearLimiters();
  sb.setPlan('lite');
  sb.resetRateLimits();
  sb.resetStats();
});

const target = () => ({ baseUrl: sb.url, apiVersion: 'v1' as const, token: new Secret(sb.token), plan: 'lite' });

describe('connection tests share the run\'s rate limiter', () => {
  it('30 tests beside 20 run requests at plan lite (20 per 2 s): all answered, zero 429s', async () => {
    const { client: c } = client(sb, { plan: 'lite' });
    const me = { method: 'GET', path: '/users/me', cost: 'get' } as const;
    const [runs, probes] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => c.request(me))),
      Promise.all(Array.from({ length: 30 }, () => probeConnection(target()))),
    ]);
    expect(runs.every((a) => a.status === 200 && a.attempts === 1)).toBe(true);
    expect(probes.every((p) => p.checked.length === 1)).toBe(true);
    expect(sb.stats().requests).toBe(50);
    expect(sb.stats().rateLimited).toBe(0);
    // One limiter for both: the probes waited in the run client's limiter.
    expect(c.limiter).toBe(connectionLimiter(pipedrive().http!.rateLimit, target()));
    expect(c.limiter.stats().waiting).toBe(0);
  }, 30_000);

  it('without the shared limiter the same load would have been refused (the test is not vacuous)', async () => {
    const { default: got } = await import('got');
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => got(`${sb.url}/api/v1/users/me`, { headers: { 'x-api-token': sb.token }, throwHttpErrors: false, retry: { limit: 0 } })),
    );
    expect(answers.filter((a) => a.statusCode === 429).length).toBeGreaterThan(0);
  });
});
