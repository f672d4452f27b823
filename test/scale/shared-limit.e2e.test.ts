// One rate limit across processes: several `sluice run` processes on one token at the lite plan
// (20 requests per rolling 2 s), each creating persons one POST at a time. Counted in Redis
// (SLUICE_RATE_LIMIT_REDIS), they get no 429 between them; without it, the same load is refused.
import { describe, expect, it } from 'vitest';
import { project, sandboxesPerTest } from '../runtime/helpers/sandbox-run.js';
import { REDIS_URL, dropPrefix, redisAvailable, redisPrefix } from '../helpers/redis.js';

const sb = sandboxesPerTest();
const PROCESSES = 3;
const RECORDS = 30;

function flowProject(s: Parameters<typeof project>[0], i: number) {
  const lines = Array.from({ length: RECORDS }, (_, k) => JSON.stringify({ name: `P${i}-${k}` })).join('\n') + '\n';
  return project(s, { 'in.jsonl': lines, 'f.flow': 'source file.jsonl with path = "in.jsonl" as { name: string }\n  -> map { name: name }\n  -> dest pipedrive.persons.create\n' }, 'v2');
}

describe.skipIf(!redisAvailable)('one rate limit in Redis for every process on a token', () => {
  it(`${PROCESSES} processes at the lite plan: no 429 with the shared limit; the same load without it is refused`, async () => {
    const s = await sb({ persons: 0, deals: 0, leads: 0, activities: 0, notes: 0, organizations: 0, plan: 'lite', clock: 'ticking' });
    const prefix = redisPrefix('limit');
    try {
      const shared = Array.from({ length: PROCESSES }, (_, i) => flowProject(s, i));
      const env = { SLUICE_RATE_LIMIT_REDIS: REDIS_URL, SLUICE_REDIS_PREFIX: prefix, SLUICE_PIPEDRIVE_PLAN: 'lite' };
      const results = await Promise.all(shared.map((p) => p.run('f.flow', [], env)));
      for (const r of results) expect(r.summary).toMatchObject({ status: 'succeeded', written: RECORDS });
      expect(s.stats().rateLimited).toBe(0);
      expect(results.reduce((n, r) => n + (r.summary.http?.status429 ?? 0), 0)).toBe(0);

      // The control: the same three processes each with only their own limiter.
      s.resetStats();
      s.resetRateLimits();
      const alone = Array.from({ length: PROCESSES }, (_, i) => flowProject(s, i + PROCESSES));
      const free = await Promise.all(alone.map((p) => p.run('f.flow', [], { SLUICE_PIPEDRIVE_PLAN: 'lite' })));
      for (const r of free) expect(r.summary.written).toBe(RECORDS);
      expect(s.stats().rateLimited).toBeGreaterThan(0);
    } finally {
      await dropPrefix(prefix);
    }
  }, 120_000);
});
