// Reading what a server says about its rate limits. The header names come from the app definition
// (`http.rateLimit.headers`), each a list tried in order, so that a renamed or extra header is a
// JSON change; the defaults are Pipedrive's (PIPEDRIVE.md, "Rate limits").
import type { RateLimitDef } from '../../apps/types.js';

export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface RateLimitHeaderNames {
  limit: readonly string[];
  remaining: readonly string[];
  reset: readonly string[];
  dailyLeft: readonly string[];
  dailyLimit: readonly string[];
  retryAfter: readonly string[];
}

export const PIPEDRIVE_HEADER_NAMES: RateLimitHeaderNames = {
  limit: ['x-ratelimit-limit'],
  remaining: ['x-ratelimit-remaining'],
  reset: ['x-ratelimit-reset'],
  // The token header is unconfirmed (seen in the wild); both are read and the smaller wins.
  dailyLeft: ['x-daily-ratelimit-token-remaining', 'x-daily-requests-left'],
  dailyLimit: ['x-daily-ratelimit-token-limit'],
  retryAfter: ['retry-after'],
};

export function headerNames(def: RateLimitDef | null | undefined): RateLimitHeaderNames {
  const h = def?.headers ?? {};
  const pick = (k: keyof RateLimitHeaderNames): readonly string[] => (h[k]?.length ? h[k].map((n) => n.toLowerCase()) : PIPEDRIVE_HEADER_NAMES[k]);
  return { limit: pick('limit'), remaining: pick('remaining'), reset: pick('reset'), dailyLeft: pick('dailyLeft'), dailyLimit: pick('dailyLimit'), retryAfter: pick('retryAfter') };
}

/** What one answer said, in milliseconds relative to when it arrived. */
export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** Until the oldest request leaves the window (x-ratelimit-reset). */
  resetMs?: number;
  dailyLeft?: number;
  dailyLimit?: number;
  retryAfterMs?: number;
}

function first(headers: ResponseHeaders, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = headers[n];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s.trim() !== '') return s.trim();
  }
  return undefined;
}

function count(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Pipedrive documents x-ratelimit-reset as seconds until the window resets. Other APIs send an
 * epoch time in the same header; a value that can only be a date is read as one, so that a
 * different server cannot make us sleep for 50 years.
 */
function resetToMs(s: string | undefined, nowEpochMs: number): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n > 1e9) return Math.max(0, (n > 1e12 ? n : n * 1000) - nowEpochMs);
  return n * 1000;
}

/** `Retry-After`: delay-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(s: string | undefined, nowEpochMs: number = Date.now()): number | undefined {
  if (s === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - nowEpochMs) : undefined;
}

export function readRateLimitHeaders(headers: ResponseHeaders, names: RateLimitHeaderNames, nowEpochMs: number = Date.now()): RateLimitInfo {
  const info: RateLimitInfo = {};
  const limit = count(first(headers, names.limit));
  if (limit !== undefined && limit > 0) info.limit = limit;
  const remaining = count(first(headers, names.remaining));
  if (remaining !== undefined) info.remaining = remaining;
  const reset = resetToMs(first(headers, names.reset), nowEpochMs);
  if (reset !== undefined) info.resetMs = reset;
  // Several daily headers may be present; trusting the smallest cannot overspend.
  let daily: number | undefined;
  for (const n of names.dailyLeft) {
    const v = count(first(headers, [n]));
    if (v !== undefined) daily = daily === undefined ? v : Math.min(daily, v);
  }
  if (daily !== undefined) info.dailyLeft = daily;
  const dailyLimit = count(first(headers, names.dailyLimit));
  if (dailyLimit !== undefined) info.dailyLimit = dailyLimit;
  const retryAfter = parseRetryAfter(first(headers, names.retryAfter), nowEpochMs);
  if (retryAfter !== undefined) info.retryAfterMs = retryAfter;
  return info;
}
