// The Redis the tests run against: SLUICE_TEST_REDIS, else the machine's local service. Tests that
// need it are skipped, saying so, when it cannot be reached (nothing that runs on one machine may
// require Redis); in CI (CI or SLUICE_REQUIRE_SERVICES set) an unreachable Redis fails instead.
import { Redis } from 'ioredis';
import { requireServices } from './services.js';

export const REDIS_URL = process.env.SLUICE_TEST_REDIS || 'redis://127.0.0.1:6379';

async function reachable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export const redisAvailable = await reachable();
if (!redisAvailable) requireServices(`Redis tests: cannot reach ${REDIS_URL.replace(/:[^:@/]*@/, ':****@')} (set SLUICE_TEST_REDIS)`);

/** A key prefix (and queue name part) of its own for one test, so parallel runs never share keys. */
export function redisPrefix(name: string): string {
  return `sluicetest:${name}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
