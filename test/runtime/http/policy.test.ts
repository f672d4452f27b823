// The small pure parts: reading rate-limit headers, backoff, classifying network failures, and the
// limiter plan taken from the app definition.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, PIPEDRIVE_HEADER_NAMES, backoffDelay, headerNames, limiterPlan, parseRetryAfter, readRateLimitHeaders } from '../../../src/runtime/http/index.js';
import { classifyNetworkError } from '../../../src/runtime/http/retry.js';
import { pipedrive } from './helpers.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('rate-limit headers', () => {
  it('reads Pipedrive’s headers; of two daily headers the smaller wins', () => {
    const info = readRateLimitHeaders(
      { 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2', 'x-daily-requests-left': '900', 'x-daily-ratelimit-token-remaining': '850', 'x-daily-ratelimit-token-limit': '30000' },
      PIPEDRIVE_HEADER_NAMES,
      NOW,
    );
    expect(info).toEqual({ limit: 20, remaining: 0, resetMs: 2000, dailyLeft: 850, dailyLimit: 30000 });
  });

  it('ignores what it cannot read, and reads a reset given as an epoch time as one', () => {
    expect(readRateLimitHeaders({ 'x-ratelimit-limit': 'lots', 'x-ratelimit-remaining': '-1', 'x-ratelimit-reset': 'soon' }, PIPEDRIVE_HEADER_NAMES, NOW)).toEqual({});
    expect(readRateLimitHeaders({ 'x-ratelimit-reset': String(NOW / 1000 + 3) }, PIPEDRIVE_HEADER_NAMES, NOW)).toEqual({ resetMs: 3000 });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW)).toBe(5000);
    expect(parseRetryAfter('whenever', NOW)).toBeUndefined();
  });

  it('takes header names from the app definition', () => {
    const names = headerNames(pipedrive().http!.rateLimit);
    expect(names.dailyLeft).toEqual(['x-daily-ratelimit-token-remaining', 'x-daily-requests-left']);
    expect(headerNames({ ...pipedrive().http!.rateLimit!, headers: { limit: ['X-Burst'] } }).limit).toEqual(['x-burst']);
  });
});

describe('backoff', () => {
  it('draws below an exponential ceiling (full jitter), capped', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, p, () => 0)).toBe(0);
  });
});

describe('network failures', () => {
  it('a refused connection never reached the server; a reset after writing may have', () => {
    expect(classifyNetworkError({ code: 'ECONNREFUSED' })).toMatchObject({ failure: 'refused', transient: true, mayHaveArrived: false });
    expect(classifyNetworkError({ code: 'ENOTFOUND' })).toMatchObject({ failure: 'dns', mayHaveArrived: false });
    expect(classifyNetworkError({ code: 'ECONNRESET', timings: { upload: 1 } })).toMatchObject({ failure: 'reset', transient: true, mayHaveArrived: true });
    expect(classifyNetworkError({ code: 'ECONNRESET', timings: {} })).toMatchObject({ mayHaveArrived: false });
    expect(classifyNetworkError({ name: 'TimeoutError', code: 'ETIMEDOUT', timings: { upload: 1 } })).toMatchObject({ failure: 'timeout', transient: true, mayHaveArrived: true });
    expect(classifyNetworkError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toMatchObject({ failure: 'tls', transient: false });
  });
});

describe('limiter plans', () => {
  it('come from the app’s rate-limit definition', () => {
    const rl = pipedrive().http!.rateLimit;
    expect(limiterPlan(rl)).toEqual({ burst: 20, windowMs: 2000, classBursts: { search: 10 } });
    expect(limiterPlan(rl, 'premium').burst).toBe(100);
    expect(() => limiterPlan(rl, 'platinum')).toThrow(expect.objectContaining({ code: 'SL6509', message: 'unknown rate-limit plan `platinum`', hint: expect.stringMatching(/lite, growth, premium, ultimate, unlimited/) }));
    // `unlimited` paces nothing (the sandbox's plan of that name); 429s still pause the limiter.
    expect(limiterPlan(rl, 'unlimited').burst).toBe(Number.MAX_SAFE_INTEGER);
  });
});
