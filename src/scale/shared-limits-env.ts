// `SLUICE_RATE_LIMIT_REDIS=redis://HOST:PORT`: this process counts its API requests in Redis with
// every other process that has the same setting (workers set it from --queue), so that several
// processes on one token keep to one rate limit and one daily budget. Unset: nothing changes, and
// neither Redis nor its client is loaded.
import { useSharedLimits } from '../runtime/http/shared-limit.js';
import { clearLimiters } from '../runtime/http/limiter.js';

export const SHARED_LIMIT_ENV = 'SLUICE_RATE_LIMIT_REDIS';

/** Installs the shared limits named by the environment (or `url`); answers how to close them. */
export async function installSharedLimits(env: Record<string, string | undefined>, url = env[SHARED_LIMIT_ENV], prefix = env.SLUICE_REDIS_PREFIX || 'sluice'): Promise<() => Promise<void>> {
  if (!url) return async () => {};
  const { redisLimits } = await import('./redis-limit.js');
  const limits = redisLimits(url, prefix);
  // Limiters made before this would not ask Redis.
  clearLimiters();
  useSharedLimits(limits.factory);
  return async () => {
    useSharedLimits(undefined);
    await limits.close();
  };
}
