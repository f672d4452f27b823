// The per-(company, token) rate limit held in Redis, for workers on several processes or machines
// sharing one token. Counting, expiry and blocking are rate-limiter-flexible's (RateLimiterRedis:
// one atomic Lua call per request); what is ours is only the choice of windows, because of how
// Pipedrive counts:
//
// Pipedrive counts a token's requests over a ROLLING 2-second window, while rate-limiter-flexible
// counts fixed windows. A fixed window of 2 s allowing the whole burst would let twice the burst
// through around a window edge. So the 2 s are cut into short slices aligned to the clock (the slice
// index is part of the key), each allowing `perSlice` requests, chosen so that any 2 s of ARRIVALS
// holds at most the burst: a request is counted when granted and arrives up to ARRIVAL_SLACK_MS
// later, so 2 s of arrivals span at most ceil((2000 + slack) / slice) + 1 slices. Of the slice
// lengths that keep that product within the burst, the one with the highest rate is used (about
// 90 % of the plan's ceiling at lite and premium); each process's own rolling limiter still applies.
//
// - The daily budget: one counter per company and UTC day, consumed by each request's token cost;
//   a request that would pass it fails with BudgetStop before it is sent, in every process.
// - A 429 (or a window the headers say is full and not ours) blocks a pause key for every process;
//   `x-ratelimit-limit` changes the burst (the slices are recomputed).
//
// Clocks: slices are aligned to each machine's clock, so machines must keep time (NTP); a skew of a
// few milliseconds costs at most one slice's requests.
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { createHash } from 'node:crypto';
import type { CostClass } from '../apps/types.js';
import { BudgetStop } from '../runtime/http/errors.js';
import type { RateLimitInfo } from '../runtime/http/headers.js';
import type { LimiterOptions } from '../runtime/http/limiter.js';
import type { SharedLimit, SharedLimitFactory, SharedLimitStats, SharedTake } from '../runtime/http/shared-limit.js';
import { utcDay } from '../runtime/http/budget.js';

/** How much later than its grant a request may reach the server (network, event loop, a busy machine). */
export const ARRIVAL_SLACK_MS = 100;
const MIN_SLICE_MS = 20;

/** The slice length and requests per slice that give the highest rate within `burst` per `windowMs` of arrivals. */
export function slicePlan(burst: number, windowMs: number, slackMs = ARRIVAL_SLACK_MS): { sliceMs: number; perSlice: number } {
  if (!Number.isFinite(burst) || burst >= 1e9) return { sliceMs: windowMs, perSlice: Number.MAX_SAFE_INTEGER };
  // A burst of 1 cannot be kept by fixed slices (two slices always meet inside a window): it gets
  // one request per window plus slack, which is what a rolling window of 1 allows but for the slack.
  let best = { sliceMs: windowMs + slackMs, perSlice: 1, rate: 0 };
  for (let d = MIN_SLICE_MS; d <= windowMs + slackMs; d++) {
    const slices = Math.ceil((windowMs + slackMs) / d) + 1;
    const p = Math.floor(burst / slices);
    if (p >= 1 && p / d > best.rate) best = { sliceMs: d, perSlice: p, rate: p / d };
  }
  return { sliceMs: best.sliceMs, perSlice: best.perSlice };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, Math.max(1, Math.ceil(ms)));
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

interface Bucket {
  burst: number;
  sliceMs: number;
  perSlice: number;
  limiter: RateLimiterRedis;
}

export class RedisSharedLimit implements SharedLimit {
  private readonly buckets = new Map<'main' | CostClass, Bucket>();
  private readonly pauses: RateLimiterRedis;
  private readonly daily: RateLimiterRedis;
  private readonly s = { waits: 0, pauses: 0 };
  /** A pause already known here, so a paused process does not ask Redis before each request. */
  private pausedUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Names the token without revealing it (a hash of base URL + token fingerprint). */
    private readonly id: string,
    private readonly options: LimiterOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.setBurst('main', options.burst);
    for (const [cls, burst] of Object.entries(options.classBursts ?? {}) as [CostClass, number][]) this.setBurst(cls, burst);
    this.pauses = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:pause`, points: 1, duration: 1 });
    // Keyed by UTC day; kept a little over a day so that a late request still finds its day's count.
    this.daily = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:daily`, points: Number.MAX_SAFE_INTEGER, duration: 26 * 3600 });
  }

  private setBurst(name: 'main' | CostClass, burst: number): void {
    const { sliceMs, perSlice } = slicePlan(burst, this.options.windowMs);
    const limiter = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${this.prefix}:burst:${name}`,
      points: perSlice,
      // The key names its slice, so its own window only needs to outlive the slice.
      duration: Math.max(1, Math.ceil((2 * sliceMs) / 1000)),
    });
    this.buckets.set(name, { burst, sliceMs, perSlice, limiter });
  }

  async take(r: SharedTake): Promise<number> {
    const started = this.now();
    if (r.daily) await this.spend(r);
    const names: ('main' | CostClass)[] = ['main'];
    if (r.cost && this.buckets.has(r.cost)) names.push(r.cost);
    for (;;) {
      r.signal?.throwIfAborted();
      const now = this.now();
      if (this.pausedUntil > now) {
        await sleep(this.pausedUntil - now, r.signal);
        continue;
      }
      const paused = await this.pauses.get(this.id);
      if (paused && paused.consumedPoints > 1 && paused.msBeforeNext > 0) {
        this.pausedUntil = now + paused.msBeforeNext;
        continue;
      }
      let waitMs = 0;
      for (const name of names) {
        const b = this.buckets.get(name)!;
        const slice = Math.floor(now / b.sliceMs);
        try {
          await b.limiter.consume(`${this.id}:${slice}`, 1);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          waitMs = Math.max(waitMs, (slice + 1) * b.sliceMs - now);
        }
      }
      if (waitMs === 0) {
        const waited = this.now() - started;
        if (waited > 0) this.s.waits++;
        return waited;
      }
      // A place taken in one bucket while the other was full is lost: it only makes us slower.
      await sleep(waitMs, r.signal);
    }
  }

  private async spend(r: SharedTake): Promise<void> {
    const { company, limit } = r.daily!;
    const key = `${createHash('sha256').update(company).digest('hex').slice(0, 16)}:${utcDay(this.now())}`;
    const res = await this.daily.penalty(key, r.tokens);
    if (res.consumedPoints > limit) {
      await this.daily.reward(key, r.tokens);
      throw new BudgetStop(r.site, r.attempt, r.tokens, res.consumedPoints - r.tokens, limit);
    }
  }

  observe(info: RateLimitInfo): void {
    const main = this.buckets.get('main')!;
    if (info.limit !== undefined && info.limit !== main.burst && info.limit < 1e9) this.setBurst('main', info.limit);
    if (info.remaining === 0 && info.resetMs !== undefined) this.pause(info.resetMs);
  }

  pause(ms: number): void {
    const until = this.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.s.pauses++;
    this.pauses.block(this.id, Math.max(1, Math.ceil(ms / 1000))).catch(() => {});
  }

  stats(): SharedLimitStats {
    const b = this.buckets.get('main')!;
    return { backend: 'redis', burst: b.burst, sliceMs: b.sliceMs, perSlice: b.perSlice, ...this.s };
  }
}

export interface RedisLimits {
  factory: SharedLimitFactory;
  redis: Redis;
  close(): Promise<void>;
}

/** Shared limits on the Redis at `url`; keys start with `prefix` (one prefix per deployment of Sluice). */
export function redisLimits(url: string, prefix = 'sluice'): RedisLimits {
  const redis = new Redis(url, { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', () => {});
  const made = new Map<string, RedisSharedLimit>();
  return {
    redis,
    factory: (key, options) => {
      let l = made.get(key);
      if (!l) made.set(key, (l = new RedisSharedLimit(redis, `${prefix}:rl`, createHash('sha256').update(key).digest('hex').slice(0, 24), options)));
      return l;
    },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
