// The Redis-held limit itself, between two limits standing for two processes on one token.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { BudgetStop } from '../../src/runtime/http/errors.js';
import { RedisSharedLimit } from '../../src/scale/redis-limit.js';
import { REDIS_URL, dropPrefix, redisAvailable, redisPrefix } from '../helpers/redis.js';

const site = { method: 'GET', path: '/api/v2/persons', host: 'acme.test' };
const plan = { burst: 20, windowMs: 2000, host: 'acme.test' };

describe.skipIf(!redisAvailable)('RedisSharedLimit', () => {
  async function two() {
    const prefix = redisPrefix('rl');
    const redis = new Redis(REDIS_URL);
    const a = new RedisSharedLimit(redis, prefix, 'token1', plan);
    const b = new RedisSharedLimit(redis, prefix, 'token1', plan);
    return { a, b, close: async () => (redis.disconnect(), await dropPrefix(prefix)) };
  }

  it('a 429 seen by one process pauses the other', async () => {
    const { a, b, close } = await two();
    try {
      a.pause(1500);
      const t = Date.now();
      await b.take({ cost: null, tokens: 1, site, attempt: 1 });
      expect(Date.now() - t).toBeGreaterThanOrEqual(900);
    } finally {
      await close();
    }
  });

  it('the daily budget is one count for both: the request that would pass it fails with BudgetStop', async () => {
    const { a, b, close } = await two();
    try {
      const daily = { company: 'acme.test', limit: 25 };
      await a.take({ cost: null, tokens: 10, site, attempt: 1, daily });
      await b.take({ cost: null, tokens: 10, site, attempt: 1, daily });
      await expect(a.take({ cost: null, tokens: 10, site, attempt: 1, daily })).rejects.toBeInstanceOf(BudgetStop);
      // The refused request spent nothing: 5 tokens are still there.
      await b.take({ cost: null, tokens: 5, site, attempt: 1, daily });
    } finally {
      await close();
    }
  });

  it('two processes asking as fast as they can get no more than the burst in any 2 s', async () => {
    const { a, b, close } = await two();
    try {
      const times: number[] = [];
      const hammer = async (l: RedisSharedLimit) => {
        for (let i = 0; i < 25; i++) {
          await l.take({ cost: null, tokens: 1, site, attempt: 1 });
          times.push(Date.now());
        }
      };
      await Promise.all([hammer(a), hammer(b)]);
      times.sort((x, y) => x - y);
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= 2000) j++;
        expect(i - j + 1).toBeLessThanOrEqual(20);
      }
    } finally {
      await close();
    }
  }, 20_000);
});
