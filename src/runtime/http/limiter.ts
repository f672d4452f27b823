// One rate limiter per (base URL, token), shared by every flow and client in the process
// (DESIGN.md, "Rate limits, retries, cache").
//
// Pipedrive counts requests per token in a ROLLING 2-second window, so the window here is rolling
// too: a request may start when fewer than `burst` requests hold a place in it. p-queue
// holds the requests that wait (FIFO, a concurrency cap, removal on abort, pause/start); the
// window itself is counted here rather than with p-queue's `intervalCap`, because that cap is fixed
// when the queue is built, and the burst must follow `x-ratelimit-limit` as answers arrive (a
// connection that does not say its plan starts at the safest one, lite, and learns it is premium
// from the first answer). Its fixed-window mode would also let 2 x burst through around a window
// edge, which a rolling window on the server answers with 429s (and `carryoverIntervalCount` only
// matters to that mode).
//
// A request holds its place from when it is granted until one window after its answer (see
// Window): the server counts arrivals, which we cannot see, only bound. An earlier version counted
// from the send and needed a safety margin that a busy machine outgrew (a process descheduled for
// 100 ms between writing a request and the server reading it). A cost class with its own burst
// (search) counts in its window and in the main one: whether the server counts it in both is not
// documented, and counting it twice can only make us slower, never refused.
//
// What the server says is used as follows:
// - `x-ratelimit-limit`: the burst of the bucket the request counted in (search has its own).
// - `x-ratelimit-remaining`: compared with what this process sent in the window; the excess is
//   someone else using the same token (another process, another machine) and is counted as
//   "phantom" requests, so that we slow down before the server refuses. When nothing remains and
//   the excess is not ours, the limiter pauses until `x-ratelimit-reset`. With a shared limit
//   (shared-limit.ts), the other processes are counted there and so is the excess: not here.
// - a 429 pauses the WHOLE limiter until `Retry-After` (if any) or `x-ratelimit-reset`, and fills
//   the window, so that the requests waiting behind it do not rush out together when it resumes.
// - the daily budget headers: once a request would cost more than what is left, every request
//   fails at once with DailyBudgetExhausted instead of being sent to collect a 429.
import { SluiceError } from '../../errors.js';
import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import type { CostClass, RateLimitDef } from '../../apps/types.js';
import type { Secret } from '../../connections/index.js';
import { DailyBudgetExhausted, type RequestSite } from './errors.js';
import type { RateLimitInfo } from './headers.js';
import type { LimiterPlan } from './limiter-plan.js';
import { sharedLimitFor, type SharedGrant, type SharedLimit } from './shared-limit.js';

/**
 * Requests in flight before the server has said its limit: a plan given too high (premium on a lite
 * account) then costs a few 429s, not a storm.
 */
const UNCONFIRMED_CONCURRENCY = 8;
/** Requests in flight at most once the server has said its limit (a slow server needs rate x latency). */
const MAX_CONCURRENCY = 64;

export interface LimiterOptions extends LimiterPlan {
  /** Shown in messages (the company host); never the token. */
  host: string;
  /** When the daily budget resets, for the error message. */
  dailyResets?: string;
  /**
   * Requests in flight at once. Default: 8 until an answer says the limit (`x-ratelimit-limit`),
   * then that burst (at most 64): requests in flight hold places in the window, so the burst bounds
   * them anyway, and against a slow server the plan's rate needs rate x latency of them.
   */
  concurrency?: number;
  /**
   * Added to the window, for clocks and timers that are not exact (a timer may fire a little early,
   * the server may round). Arrival times need no margin: places end after the answer. Default 20 ms.
   */
  safetyMs?: number;
  /** Follow `x-ratelimit-limit` (default true); off only to test a misconfigured limiter. */
  adaptive?: boolean;
  /**
   * After this long without an answer, a remembered "daily budget spent" is forgotten and requests
   * are tried again: the budget resets at midnight in a time zone we do not know. Default 5 min.
   */
  dailyRecheckMs?: number;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
  /** A limit shared with other processes on the same token (shared-limit.ts), asked after this one. */
  shared?: SharedLimit;
}

export interface AcquireOptions {
  cost?: CostClass | null;
  /** Daily-budget tokens the request costs. */
  tokens?: number;
  signal?: AbortSignal;
  /** For the DailyBudgetExhausted message. */
  site: RequestSite;
  /** The attempt this is (for errors). */
  attempt?: number;
  /** The company's daily budget, for a shared limit that counts it across processes. */
  daily?: { company: string; limit: number };
}

/** The right to send one request, handed to the function that sends it. */
export interface Grant {
  /** How long the request waited in the limiter: for a pause, the window or a concurrency slot. */
  readonly waitedMs: number;
  /** Call when the request has been written (for telling our requests from others' in the headers). */
  sent(): void;
}

interface Tick {
  /** When the request was answered (or failed); while `open`, when it was granted. */
  t: number;
  /** Granted and not answered yet: the server may count it from any moment until the answer. */
  open: boolean;
  phantom: boolean;
}

/**
 * A rolling window of requests, with a burst that can change. A request occupies its place from
 * when it is granted until one window after its ANSWER: the server counted it when it arrived,
 * which lies somewhere between the two and cannot be known here (event loop, network, a process
 * descheduled on a busy machine). Ending the place one window after the answer is late enough
 * whatever happened in between, so a server with a rolling window never sees more than the burst
 * from us; the cost is the answer's latency, once per window, not per request.
 */
class Window {
  private ticks: Tick[] = [];

  constructor(
    public cap: number,
    private readonly spanMs: number,
  ) {}

  /**
   * Answered ticks are kept for two spans, not one: an answer read late (a big page, a GC pause)
   * must still be compared with the requests that were in the window when it was sent.
   */
  private prune(now: number): void {
    const from = now - 2 * this.spanMs;
    if (this.ticks.some((k) => !k.open && k.t <= from)) this.ticks = this.ticks.filter((k) => k.open || k.t > from);
  }

  /** Requests in the window ending now. */
  count(now: number): number {
    return this.countSince(now - this.spanMs, now);
  }

  /** Requests open, or answered after `from`. */
  countSince(from: number, now: number): number {
    this.prune(now);
    let n = 0;
    for (const k of this.ticks) if (k.open || k.t > from) n++;
    return n;
  }

  /** The earliest time a new request fits: now, when enough answered ones leave, or never (all open). */
  freeAt(now: number): number {
    this.prune(now);
    const from = now - this.spanMs;
    let open = 0;
    const times: number[] = [];
    for (const k of this.ticks) {
      if (k.open) open++;
      else if (k.t > from) times.push(k.t);
    }
    if (open + times.length < this.cap) return now;
    // Places held by open requests free up only after their answer: done() pumps again then.
    const leaving = open + times.length - this.cap + 1;
    if (leaving > times.length) return Infinity;
    times.sort((a, b) => a - b);
    return times[leaving - 1] + this.spanMs;
  }

  add(t: number, open: boolean, phantom = false): Tick {
    const tick = { t, open, phantom };
    this.ticks.push(tick);
    return tick;
  }
}

class GrantImpl implements Grant {
  sentAt: number | undefined;
  /** The place of this request in the shared limit, when there is one. */
  shared: SharedGrant | undefined;
  private closed = false;

  constructor(
    private readonly now: () => number,
    private readonly ticks: readonly Tick[],
    public waitedMs: number,
    /** The window whose headers the answer carries (the class window for search). */
    readonly bucket: Window,
    private readonly onDone: () => void,
  ) {}

  sent(): void {
    this.sentAt ??= this.now();
  }

  /** The answer is in (or the attempt failed): the request's place ends one window from now. */
  done(): void {
    if (this.closed) return;
    this.closed = true;
    const t = this.now();
    this.sentAt ??= t;
    for (const tick of this.ticks) {
      tick.t = t;
      tick.open = false;
    }
    this.onDone();
  }
}

interface Waiter extends AcquireOptions {
  enqueuedAt: number;
  resolve: (g: GrantImpl) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

export interface LimiterStats {
  /** Current burst of the main window (after adjustments from headers). */
  burst: number;
  windowMs: number;
  /** Requests (ours and others' we inferred) in the window now. */
  inWindow: number;
  /** Waiting for a concurrency slot, the window or a pause. */
  waiting: number;
  inFlight: number;
  paused: boolean;
  /** Requests granted. */
  granted: number;
  /** Milliseconds requests spent waiting in the limiter (pause, window, concurrency), summed. */
  waitMs: number;
  /** Pauses started by 429s or by an exhausted window that was not ours. */
  pauses: number;
  /** 429 answers reported to this limiter. */
  rateLimited: number;
  /** Requests inferred from headers to come from another user of the token. */
  external: number;
  /** Changes of the burst made from `x-ratelimit-limit`. */
  adjustments: number;
  dailyLeft?: number;
  dailyExhausted: boolean;
}

export class RateLimiter {
  private readonly queue: PQueue;
  private readonly main: Window;
  private readonly classes = new Map<CostClass, Window>();
  private readonly now: () => number;
  private readonly adaptive: boolean;
  private readonly spanMs: number;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pausedUntil = 0;
  private daily: { left?: number; at: number; exhausted: boolean } = { at: 0, exhausted: false };
  private readonly s = { granted: 0, waitMs: 0, pauses: 0, rateLimited: 0, external: 0, adjustments: 0 };

  constructor(readonly options: LimiterOptions) {
    if (!(options.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
    if (!(options.windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${options.windowMs}`);
    this.now = options.now ?? (() => performance.now());
    this.adaptive = options.adaptive ?? true;
    this.spanMs = options.windowMs + (options.safetyMs ?? 20);
    this.main = new Window(options.burst, this.spanMs);
    for (const [cls, burst] of Object.entries(options.classBursts ?? {}) as [CostClass, number][]) {
      this.classes.set(cls, new Window(burst, this.spanMs));
    }
    this.queue = new PQueue({ concurrency: options.concurrency ?? UNCONFIRMED_CONCURRENCY });
  }

  /**
   * Runs `send` when the window, any pause and the daily budget allow. `send` receives the grant,
   * should call `grant.sent()` once the request is written, and must return only once the answer
   * is in (its place in the window is then fixed); report the answer with `observe()` or
   * `rateLimited()` afterwards.
   */
  run<T>(send: (grant: Grant) => Promise<T>, options: AcquireOptions): Promise<T> {
    // Waiting counts from here: a pause holds requests in the queue before they reach acquire().
    const enqueuedAt = this.now();
    const task = async (): Promise<T> => {
      const grant = await this.acquire(options, enqueuedAt);
      try {
        // Our own place is held while the shared limit is asked, so the request leaves as soon as it allows.
        if (this.options.shared) {
          grant.shared = await this.options.shared.take({ cost: options.cost ?? null, tokens: options.tokens ?? 1, site: options.site, attempt: options.attempt ?? 0, ...(options.daily ? { daily: options.daily } : {}), ...(options.signal ? { signal: options.signal } : {}) });
          grant.waitedMs += grant.shared.waitedMs;
          this.s.waitMs += grant.shared.waitedMs;
        }
        return await send(grant);
      } finally {
        grant.done();
        grant.shared?.done();
      }
    };
    const done = this.queue.add(task, options.signal ? { signal: options.signal } : {});
    // Someone waits now: the timer that ends a pause must keep the process alive.
    this.timer?.ref();
    return done;
  }

  /** Adjusts from the rate-limit headers of any answer (success or error). */
  observe(grant: Grant, info: RateLimitInfo): void {
    const g = grant as GrantImpl;
    const now = this.now();
    const w = g.bucket;
    if (info.limit !== undefined && this.adaptive && info.limit !== w.cap) {
      w.cap = info.limit;
      this.s.adjustments++;
    }
    // The server has said the main burst: as many requests may be in flight as it allows.
    if (info.limit !== undefined && this.adaptive && w === this.main && this.options.concurrency === undefined) {
      this.queue.concurrency = Math.max(UNCONFIRMED_CONCURRENCY, Math.min(MAX_CONCURRENCY, w.cap));
    }
    // With a shared limit, the other processes on the token are counted there, and so is what the
    // server counts beyond them (shared-limit.ts): taking them for another user here too would
    // count every other process's request twice and pause at each full window.
    if (!this.options.shared && info.limit !== undefined && info.remaining !== undefined && g.sentAt !== undefined) {
      // The server counted the requests in the window before this one arrived. Of ours, that can be
      // any granted from one window before this one was sent until now (requests sent together
      // arrive in any order), phantoms included; whatever it counted beyond that is not ours.
      const external = info.limit - info.remaining - w.countSince(g.sentAt - this.spanMs, now);
      if (external > 0) {
        for (let i = 0; i < external; i++) w.add(now, false, true);
        this.s.external += external;
        // The window is full and not by our doing: only the server knows when it empties.
        if (info.remaining === 0 && info.resetMs !== undefined) this.pause(info.resetMs);
      }
    }
    if (info.dailyLeft !== undefined) this.daily = { left: info.dailyLeft, at: now, exhausted: false };
    this.options.shared?.observe(info, g.shared);
    this.pump();
  }

  /**
   * A 429. Answers `daily` when the daily budget is what ran out (the caller fails with
   * DailyBudgetExhausted), else pauses the whole limiter and answers `burst` (the caller retries).
   */
  rateLimited(grant: Grant, info: RateLimitInfo, tokens: number): 'daily' | 'burst' {
    const g = grant as GrantImpl;
    const now = this.now();
    this.s.rateLimited++;
    if (info.dailyLeft !== undefined && info.dailyLeft < tokens) {
      this.daily = { left: info.dailyLeft, at: now, exhausted: true };
      this.pump();
      return 'daily';
    }
    // Only the burst is learnt here; the window is then filled whoever filled it on the server.
    if (info.limit !== undefined) this.observe(grant, { limit: info.limit });
    const w = g.bucket;
    const inWindow = w.count(now);
    for (let i = inWindow; i < w.cap; i++) w.add(now, false, true);
    const ms = info.retryAfterMs ?? info.resetMs ?? this.options.windowMs;
    this.pause(ms);
    this.options.shared?.pause(ms);
    return 'burst';
  }

  /** Stops granting until `ms` from now (or later, if already paused longer). */
  pause(ms: number): void {
    const now = this.now();
    const until = now + Math.max(0, ms);
    if (until <= this.pausedUntil) return;
    // Extending a pause in progress (several 429s answered together) is still one pause.
    if (this.pausedUntil <= now) this.s.pauses++;
    this.pausedUntil = until;
    this.queue.pause();
    this.pump();
  }

  get isPaused(): boolean {
    return this.pausedUntil > this.now();
  }

  /** The daily budget error a request of `tokens` would get now, if any (without waiting). */
  dailyRefusal(options: AcquireOptions): DailyBudgetExhausted | undefined {
    const d = this.daily;
    if (d.left === undefined) return undefined;
    if (this.now() - d.at > (this.options.dailyRecheckMs ?? 300_000)) {
      // Possibly past the reset: forget, and let the next answers tell again.
      this.daily = { at: 0, exhausted: false };
      return undefined;
    }
    const tokens = options.tokens ?? 1;
    if (!d.exhausted && d.left >= tokens) return undefined;
    return new DailyBudgetExhausted(options.site, options.attempt ?? 0, tokens, this.options.dailyResets ?? 'midnight', d.left);
  }

  stats(): LimiterStats {
    const now = this.now();
    return {
      burst: this.main.cap,
      windowMs: this.options.windowMs,
      inWindow: this.main.count(now),
      waiting: this.queue.size + this.waiters.length,
      inFlight: this.queue.pending - this.waiters.length,
      paused: this.pausedUntil > now,
      ...this.s,
      ...(this.daily.left !== undefined ? { dailyLeft: this.daily.left } : {}),
      dailyExhausted: this.daily.exhausted,
    };
  }

  private acquire(options: AcquireOptions, enqueuedAt: number): Promise<GrantImpl> {
    return new Promise<GrantImpl>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(signal.reason);
      // Its own properties first: a literal that begins with a spread and then defines more gets new
      // hidden classes at every call on Node 20 (ARCHITECTURE.md, Invariants).
      const waiter: Waiter = { enqueuedAt, resolve, reject, cleanup: () => undefined, ...options };
      if (signal) {
        const onAbort = (): void => {
          this.waiters = this.waiters.filter((x) => x !== waiter);
          reject(signal.reason);
          this.pump();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /**
   * Grants to waiters in order while the window allows; otherwise arms one timer for when it will.
   * Also ends a pause: with nobody inside the limiter yet, only this timer restarts the queue.
   */
  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = this.now();
    if (now < this.pausedUntil) return this.arm(this.pausedUntil - now);
    while (this.waiters.length > 0) {
      const w = this.waiters[0];
      const refusal = this.dailyRefusal(w);
      if (refusal) {
        this.waiters.shift();
        w.cleanup();
        w.reject(refusal);
        continue;
      }
      const cls = w.cost ? this.classes.get(w.cost) : undefined;
      const at = Math.max(this.main.freeAt(now), cls ? cls.freeAt(now) : now);
      if (at > now) {
        // Infinity: every place is held by a request in flight; its answer pumps again.
        if (at !== Infinity) this.arm(at - now);
        break;
      }
      this.waiters.shift();
      w.cleanup();
      const ticks = [this.main.add(now, true)];
      if (cls) ticks.push(cls.add(now, true));
      const waited = now - w.enqueuedAt;
      this.s.granted++;
      this.s.waitMs += waited;
      w.resolve(new GrantImpl(this.now, ticks, waited, cls ?? this.main, () => this.pump()));
    }
    // Last: starting the queue runs tasks that enter acquire() and so pump() again.
    if (this.queue.isPaused) this.queue.start();
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    // A little late rather than early: timers may fire a millisecond ahead of their delay.
    this.timer = setTimeout(() => this.pump(), Math.ceil(ms) + 1);
    // A pause with nobody waiting must not keep a finished program from exiting.
    if (this.waiters.length === 0 && this.queue.size === 0) this.timer.unref();
  }
}

// ---- The process-wide registry ----------------------------------------------------------------

const registry = new Map<string, RateLimiter>();

/** `${baseUrl}#${fingerprint}`: the token itself never becomes part of a key. */
export function limiterKey(baseUrl: string, token: Secret): string {
  return `${baseUrl.replace(/\/+$/, '')}#${token.fingerprint()}`;
}

/**
 * The limiter for `key`, created with `options` on first use. Later callers share it whatever
 * plan they pass: the server's headers correct the burst for everyone at once.
 */
export function limiterFor(key: string, options: LimiterOptions): RateLimiter {
  let l = registry.get(key);
  if (!l) {
    const shared = options.shared ?? sharedLimitFor(key, options);
    registry.set(key, (l = new RateLimiter(shared ? { ...options, shared } : options)));
  }
  return l;
}

/**
 * The limiter of one (company, token) for an app: what every request to that company goes
 * through, a run's or a connection test's, so that together they stay within the plan.
 */
export function connectionLimiter(
  rl: RateLimitDef | null,
  connection: { baseUrl: string; token: Secret; plan?: string },
  extra: { concurrency?: number; adaptive?: boolean } = {},
): RateLimiter {
  return limiterFor(limiterKey(connection.baseUrl, connection.token), {
    ...limiterPlan(rl, connection.plan),
    host: new URL(connection.baseUrl).host,
    dailyResets: rl?.daily?.resets ?? 'midnight',
    ...extra,
  });
}

/** Forgets every limiter (tests, or an agent reloading its connections). */
export function clearLimiters(): void {
  registry.clear();
}

/** The limiter plan of an app's rate-limit definition for a plan name (default: the app's). */
export function limiterPlan(def: RateLimitDef | null, planName?: string): LimiterPlan {
  // An app without limits still goes through a limiter, for the concurrency cap and 429 pauses.
  if (!def) return { burst: Number.MAX_SAFE_INTEGER, windowMs: 1000 };
  const name = planName ?? def.defaultPlan;
  // `unlimited`: no pacing (the sandbox's plan of that name, or a server without limits). A 429
  // still pauses the limiter, and announced limits still apply when the server sends them.
  if (name === 'unlimited') return { burst: Number.MAX_SAFE_INTEGER, windowMs: def.windowSeconds * 1000 };
  const plan = Object.hasOwn(def.plans, name) ? def.plans[name] : undefined;
  if (!plan) {
    throw new SluiceError('SL6509', `unknown rate-limit plan \`${name}\``, {
      hint: `Plans: ${[...Object.keys(def.plans).filter((p) => !def.plans[p].legacy), 'unlimited'].join(', ')} (set with \`sluice connections add --plan\` or SLUICE_<NAME>_PLAN).`,
    });
  }
  const classBursts: Partial<Record<CostClass, number>> = {};
  for (const [cls, c] of Object.entries(def.classes) as [CostClass, { burst: number } | undefined][]) if (c) classBursts[cls] = c.burst;
  return { burst: plan.burst, windowMs: def.windowSeconds * 1000, classBursts };
}
