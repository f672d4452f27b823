// How many offset pages a read keeps in flight. Against a distant server a read that waits for one
// page after another is bound by round trips, far below what the rate limit allows; a read that asks
// for many pages at once wastes the pages past the end of a small collection (each costs a request
// against the rate limit and tokens of the daily budget). So the window starts at one page, and once
// a page has come back full (the collection goes on past it) opens whole, up to `max`: a collection
// of one page costs no speculation at all, and a large one is read at the full window from the
// second round trip. Growing step by step instead would cost a round trip per step, which against a
// slow server is most of a read that fits in the burst.
// The speculation is bounded: at most `max - 1` pages are ever asked for past the end.

import { isUnlimited } from './limiter-plan.js';

/** The most pages in flight for a plan's burst: a quarter of it, so writes and lookups still get through. */
export function readWindowFor(burst: number, windowMs: number): number {
  // Without a rate limit the answers come as fast as the server makes them, and the consumer is the
  // slower side: more pages at once would only hold more of them in memory.
  if (isUnlimited(burst)) return UNLIMITED_READ_WINDOW;
  // A burst per window longer than 2 s spreads over more time: fewer pages at once are needed.
  const perTwoSeconds = burst * Math.min(1, 2000 / Math.max(1, windowMs));
  return Math.max(1, Math.min(MAX_READ_WINDOW, Math.floor(perTwoSeconds / 4)));
}

/** Above this many pages at once a read only fills memory: the rate limit is the bound long before. */
export const MAX_READ_WINDOW = 32;

/**
 * Time slices a cursor read has at once: half the plan's burst per 2 s. More than the offset window:
 * a slice costs a request only when it is read (never one past the end of anything), and the slices
 * are cut where about half a page each is expected, so that with as many slices as the read has
 * pages most finish in their first page and the read takes one round trip fewer. The other half of
 * the burst is left to writes and lookups on the same token.
 */
export function sliceCountFor(burst: number, windowMs: number): number {
  if (isUnlimited(burst)) return UNLIMITED_READ_WINDOW;
  const perTwoSeconds = burst * Math.min(1, 2000 / Math.max(1, windowMs));
  return Math.max(1, Math.min(MAX_SLICES, Math.floor(perTwoSeconds / 2)));
}

/** The most time slices at once, whatever the plan. */
export const MAX_SLICES = 64;
/**
 * Pages answered ahead of the one being handed on, across all the time slices of one read (each
 * slice holds at most a few of them): a bound on memory whoever is the slower side, large enough
 * that every slice a plan's burst allows can keep one page ready.
 */
export const SLICED_READ_AHEAD = MAX_SLICES;
/** Pages at once against a server without a rate limit. */
export const UNLIMITED_READ_WINDOW = 2;

/** Requests in flight the rate allows at the observed latency from which one stream is too slow. */
const SLOW_STREAM = 2;

/**
 * Whether one request after another leaves most of the rate unused at `latencyMs` an answer: one
 * stream reads a page per latency, the plan allows `burst` per `windowMs`, and at SLOW_STREAM times
 * that spacing or more a stream uses half the rate or less. A read that fits in the burst gains even
 * more than that ratio from pages at once (a 50 ms server at 50 a second: one stream takes 4-5
 * times as long), so the line is drawn low; reading in parallel where one stream would have kept
 * up costs requests, never time. Unknown latency, or no rate limit: no (the consumer is the bound).
 */
export function streamTooSlow(latencyMs: number | undefined, burst: number, windowMs: number): boolean {
  if (latencyMs === undefined || !(latencyMs >= 0) || isUnlimited(burst)) return false;
  return (latencyMs * burst) / Math.max(1, windowMs) >= SLOW_STREAM;
}

export class PageWindow {
  private current = 1;
  private readonly limit: () => number;

  /** `max`: the most pages at once, or a function read again at each page (it may follow the latency). */
  constructor(max: number | (() => number)) {
    this.limit = typeof max === 'number' ? () => max : max;
    if (!(this.max >= 1)) throw new RangeError(`a page window must allow at least one page, got ${this.max}`);
  }

  get max(): number {
    return Math.max(1, Math.floor(this.limit()));
  }

  /** Pages that may be in flight now. */
  get size(): number {
    return Math.min(this.current, this.max);
  }

  /** A page came back full and the next one starts where predicted: the collection goes on, so open the window whole. */
  full(): void {
    this.current = Number.POSITIVE_INFINITY;
  }

  /** The prediction failed (the server answered fewer than asked): back to one page at a time. */
  reset(): void {
    this.current = 1;
  }

  /** The most pages that can be asked for past the end of the collection. */
  get speculation(): number {
    return this.max - 1;
  }
}
