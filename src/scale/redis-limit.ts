// The per-(company, token) rate limit held in Redis, for workers on several processes or machines
// sharing one token. Counting, expiry and blocking are rate-limiter-flexible's (RateLimiterRedis:
// atomic increments with a TTL kept by the Redis server); what is ours is which keys are counted.
//
// Pipedrive counts a token's requests over a ROLLING 2-second window of arrivals, which we cannot
// see, only bound. So, as in each process's own limiter (runtime/http/limiter.ts), a request holds a
// PLACE from its grant until one window after its answer, and at most `burst` places are held at
// once across every process: any requests the server counts together were all holding places at the
// same moment (the last one's arrival), so the server never sees more than the burst from us, however
// late a request arrived after its grant (a busy machine, a slow network). This is what lets the
// shared limit reach the plan's ceiling: clock-aligned fixed windows would need a slack for that
// delay and lose a window's edge (about 90 % of the ceiling at lite), a place only loses the answer's
// latency once per window.
//
// Places are counted in keys named by EPOCH (2 s of the wall clock): a place is counted in the epoch
// it was taken in, and a request is granted when the places of the epochs from three behind to one
// ahead, its own included, are within the burst. A key expires (Redis's clock) after its epoch has
// left that range, so the places of a process that died (SIGKILL, a lost machine) are forgotten
// within about 8 s without any lease or sweeper; a place held longer than two epochs (a slow
// request) is moved to the current epoch before it would leave the range. Reading one epoch ahead
// keeps machines whose clocks differ by less than an epoch counting the same places.
//
// A grant: increment the own epoch's count (rate-limiter-flexible), THEN read the other epochs; if
// the sum passes the burst, give the place back and wait. Two processes racing each see at least the
// other's increment on one side (the later incrementer reads after the earlier's write), so they
// never both pass the burst; at worst both give back and try again.
//
// - The daily budget: one counter per company and UTC day, consumed by each request's token cost;
//   a request that would pass it fails with BudgetStop before it is sent, in every process.
// - A 429, or a window the headers say is full and not by our places, blocks a pause key for every
//   process. Requests the server counted beyond our places (another user of the token) take
//   places for one window, so every process slows down; `x-ratelimit-limit` changes the burst.
import { Redis } from 'ioredis';
import PQueue from 'p-queue';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createHash } from 'node:crypto';
import type { CostClass } from '../apps/types.js';
import { BudgetStop } from '../runtime/http/errors.js';
import type { RateLimitInfo } from '../runtime/http/headers.js';
import type { LimiterOptions } from '../runtime/http/limiter.js';
import type { SharedGrant, SharedLimit, SharedLimitFactory, SharedLimitStats, SharedTake } from '../runtime/http/shared-limit.js';
import { utcDay } from '../runtime/http/budget.js';
import { SluiceError } from '../errors.js';
import { SCALE_ERRORS, ScaleError } from './errors.js';

/** The length of an epoch, the unit in which places are counted and forgotten. */
const EPOCH_MS = 2000;
/** Epochs counted besides the current one: behind (places still held) and ahead (clocks a little ahead). */
const BEHIND = 3;
const AHEAD = 1;
/** A place still held this many epochs after its own is moved to the current one. */
const MOVE_AFTER = 2;
/** Seconds a key lives (from its first place): past the end of its range, plus a clock difference. */
const KEY_TTL_S = Math.ceil(((BEHIND + 1) * EPOCH_MS) / 1000) + 2;
/** How often a refused grant asks again, when no place of ours frees sooner (places of other processes free unseen). */
const POLL_MS = 8;
/** Requests the server may count before ours that took their place after ours: not taken for another user. */
const RACE_MARGIN = 1;

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

type BucketName = 'main' | CostClass;

interface Place {
  bucket: BucketName;
  epoch: number;
}

class Grant implements SharedGrant {
  constructor(
    readonly waitedMs: number,
    readonly places: Place[],
    /** Places held in the bucket whose headers the answer carries (its class's, else the main one) when this was granted, this one included. */
    readonly heldAtGrant: number,
    /** The count of grants (every process) once this one was granted. */
    readonly grantsAtGrant: Promise<number>,
    private readonly onDone: (g: Grant) => void,
  ) {}

  private closed = false;

  done(): void {
    if (this.closed) return;
    this.closed = true;
    this.onDone(this);
  }
}

export class RedisSharedLimit implements SharedLimit {
  private readonly bursts = new Map<BucketName, number>();
  private readonly places: RateLimiterRedis;
  private readonly grants: RateLimiterRedis;
  private readonly pauses: RateLimiterRedis;
  private readonly daily: RateLimiterRedis;
  /** One grant asks Redis at a time: waiting requests would only poll it together. */
  private readonly turn = new PQueue({ concurrency: 1 });
  private readonly held = new Set<Place>();
  /** A grant waiting for a place, woken when one of ours is given back. */
  private readonly wakers = new Set<() => void>();
  private readonly holdMs: number;
  private mover: NodeJS.Timeout | undefined;
  private readonly s = { waits: 0, pauses: 0, external: 0, moved: 0 };
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
    this.bursts.set('main', options.burst);
    for (const [cls, burst] of Object.entries(options.classBursts ?? {}) as [CostClass, number][]) this.bursts.set(cls, burst);
    this.holdMs = options.windowMs + (options.safetyMs ?? 20);
    // The count of each epoch; `points` is not used to refuse (the burst is compared with a sum of epochs).
    this.places = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:places`, points: Number.MAX_SAFE_INTEGER, duration: KEY_TTL_S });
    this.grants = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:grants`, points: Number.MAX_SAFE_INTEGER, duration: 3600 });
    this.pauses = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:pause`, points: 1, duration: 1 });
    // Keyed by UTC day; kept a little over a day so that a late request still finds its day's count.
    this.daily = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:daily`, points: Number.MAX_SAFE_INTEGER, duration: 26 * 3600 });
  }

  private epochKey(bucket: BucketName, epoch: number): string {
    return `${this.id}:${bucket}:${epoch}`;
  }

  async take(r: SharedTake): Promise<SharedGrant> {
    try {
      return await this.takeOrThrow(r);
    } catch (err) {
      // A budget stop or an abort is the caller's; anything else is Redis failing us.
      if (err instanceof SluiceError || r.signal?.aborted) throw err;
      throw new ScaleError(SCALE_ERRORS.redisUnreachable, `the shared rate limit's Redis does not answer: ${err instanceof Error ? err.message : String(err)}`, {
        hint: 'Check that Redis runs at the URL of SLUICE_RATE_LIMIT_REDIS (or --queue); a process may also run alone on its own limit with SLUICE_RATE_LIMIT_REDIS unset.',
      });
    }
  }

  private async takeOrThrow(r: SharedTake): Promise<SharedGrant> {
    const started = this.now();
    if (r.daily) await this.spend(r);
    const buckets: BucketName[] = ['main'];
    if (r.cost && this.bursts.has(r.cost)) buckets.push(r.cost);
    return this.turn.add(
      async () => {
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
          const granted = await this.tryGrant(buckets);
          if (granted) {
            const waited = this.now() - started;
            if (waited > 0) this.s.waits++;
            return new Grant(waited, granted.places, granted.held, granted.grants, (g) => this.answered(g));
          }
          await this.placeFreed(r.signal);
        }
      },
      r.signal ? { signal: r.signal } : {},
    );
  }

  /** One try: a place in every bucket, or none. */
  private async tryGrant(buckets: BucketName[]): Promise<{ places: Place[]; held: number; grants: Promise<number> } | undefined> {
    const epoch = Math.floor(this.now() / EPOCH_MS);
    await Promise.all(buckets.map((b) => this.places.penalty(this.epochKey(b, epoch), 1)));
    const keys: string[] = [];
    for (const b of buckets) for (let e = epoch - BEHIND; e <= epoch + AHEAD; e++) keys.push(this.places.getKey(this.epochKey(b, e)));
    // Every epoch's count, our own included, read with one MGET (rate-limiter-flexible keeps each as
    // a plain integer): one instant of all of them. A place being moved is counted in its new epoch
    // before it leaves the old, so at any instant it is counted; our own epoch read from the
    // increment and the others later could see it in neither, and grant a place over the burst.
    const values = await this.redis.mget(...keys);
    const per = BEHIND + AHEAD + 1;
    const sums = buckets.map((_, i) => values.slice(i * per, (i + 1) * per).reduce((n, v) => n + (v === null ? 0 : Number(v)), 0));
    if (sums.every((n, i) => n <= this.bursts.get(buckets[i])!)) {
      const places = buckets.map((bucket) => ({ bucket, epoch }));
      for (const p of places) this.held.add(p);
      this.armMover();
      // Not awaited: the request leaves now, and only an answer showing someone else's requests needs it.
      const grants = this.grants.penalty(this.id, 1).then((res) => res.consumedPoints);
      grants.catch(() => {});
      // The answer's headers speak of the class's window when there is one (Pipedrive's search).
      return { places, held: sums[sums.length - 1], grants };
    }
    await Promise.all(buckets.map((b) => this.places.reward(this.epochKey(b, epoch), 1)));
    return undefined;
  }

  /** Resolves when a place of this process is given back, or after POLL_MS (places of others free unseen). */
  private placeFreed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const woken = (): void => {
        clearTimeout(timer);
        this.wakers.delete(woken);
        signal?.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = (): void => {
        clearTimeout(timer);
        this.wakers.delete(woken);
        reject(signal!.reason);
      };
      const timer = setTimeout(woken, POLL_MS);
      this.wakers.add(woken);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /** The answer is in: each place of the grant is given back one window from now. */
  private answered(g: Grant): void {
    for (const p of g.places) this.hold(p, this.holdMs);
  }

  /** Gives `p` back after `ms` (its key's count goes down; a key already expired is out of every range). */
  private hold(p: Place, ms: number): void {
    // Unref'd: a process that exits leaves its places to expire with their epoch.
    setTimeout(() => {
      this.held.delete(p);
      this.places
        .reward(this.epochKey(p.bucket, p.epoch), 1)
        .then(() => {
          for (const wake of [...this.wakers]) wake();
        })
        .catch(() => {});
    }, Math.ceil(ms)).unref();
  }

  /** While places are held, moves those about to leave the counted range to the current epoch. */
  private armMover(): void {
    if (this.mover) return;
    this.mover = setInterval(() => {
      if (this.held.size === 0) {
        clearInterval(this.mover);
        this.mover = undefined;
        return;
      }
      const epoch = Math.floor(this.now() / EPOCH_MS);
      for (const p of this.held) {
        if (p.epoch > epoch - MOVE_AFTER) continue;
        const from = p.epoch;
        p.epoch = epoch;
        this.s.moved++;
        // Counted in the new epoch before it leaves the old: for a moment it counts twice, never zero times.
        this.places
          .penalty(this.epochKey(p.bucket, epoch), 1)
          .then(() => this.places.reward(this.epochKey(p.bucket, from), 1))
          .catch(() => {});
      }
    }, EPOCH_MS / 4);
    this.mover.unref();
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

  observe(info: RateLimitInfo, grant?: SharedGrant): void {
    // The headers are those of the bucket the request counted in last: its class's, else the main one.
    const bucket = grant instanceof Grant ? grant.places[grant.places.length - 1].bucket : 'main';
    if (info.limit !== undefined && info.limit < 1e9) this.bursts.set(bucket, info.limit);
    if (!(grant instanceof Grant) || info.limit === undefined || info.remaining === undefined) return;
    // What the server counted (this request included) beyond every place that can have been held
    // when this request arrived: the places at its grant and every grant since.
    const counted = info.limit - info.remaining;
    if (counted <= grant.heldAtGrant + RACE_MARGIN) return;
    Promise.all([grant.grantsAtGrant, this.grants.get(this.id)])
      .then(([atGrant, res]) => {
        const external = counted - grant.heldAtGrant - ((res?.consumedPoints ?? atGrant) - atGrant) - RACE_MARGIN;
        if (external <= 0) return;
        this.s.external += external;
        this.takeForOthers(bucket, external);
        // The window is full and not by our places: only the server knows when it empties.
        if (info.remaining === 0 && info.resetMs !== undefined) this.pause(info.resetMs);
      })
      .catch(() => {});
  }

  /** Places for requests of another user of the token, held for one window. */
  private takeForOthers(bucket: BucketName, n: number): void {
    const epoch = Math.floor(this.now() / EPOCH_MS);
    this.places
      .penalty(this.epochKey(bucket, epoch), n)
      .then(() => {
        for (let i = 0; i < n; i++) {
          const p: Place = { bucket, epoch };
          this.held.add(p);
          this.hold(p, this.holdMs);
        }
        this.armMover();
      })
      .catch(() => {});
  }

  pause(ms: number): void {
    const until = this.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.s.pauses++;
    this.pauses.block(this.id, Math.max(1, Math.ceil(ms / 1000))).catch(() => {});
  }

  stats(): SharedLimitStats {
    return { backend: 'redis', burst: this.bursts.get('main')!, held: this.held.size, ...this.s };
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
