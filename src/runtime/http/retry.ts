// What to do after a failed attempt: which failures are worth another try, how long to wait, and
// when a write must not be repeated.

export interface RetryPolicy {
  /** Attempts in all for 5xx, network and malformed answers (429s are counted apart). Default 6. */
  maxAttempts: number;
  /** 429 answers tolerated for one request, after each of which the limiter pauses. Default 20. */
  max429: number;
  /** First backoff ceiling; doubles each attempt. Default 250 ms. */
  baseDelayMs: number;
  /** Backoff ceiling. Default 15 s. */
  maxDelayMs: number;
  /** No retry starts later than this after the first attempt. Default 120 s. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, max429: 20, baseDelayMs: 250, maxDelayMs: 15_000, maxElapsedMs: 120_000 };

/**
 * "Full jitter" (AWS architecture blog, "Exponential backoff and jitter"): a uniform draw below the
 * exponential ceiling. Clients that failed together (a 503 from a restarting server) then come
 * back spread out instead of failing together again.
 */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

/** Statuses that say "try again" without saying the request was wrong. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** Network error codes that a later attempt may not meet (anything else, e.g. TLS, is final). */
const TRANSIENT = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  // A name that resolved a minute ago and does not now is a resolver hiccup more often than a typo
  // (typos are caught by `sluice connections test`).
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_READING_RESPONSE_STREAM',
]);

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);

export interface NetworkFailureInfo {
  code: string;
  failure: 'refused' | 'reset' | 'timeout' | 'dns' | 'tls' | 'other';
  transient: boolean;
  /**
   * Whether the request may have reached the server whole. False only when it provably did not:
   * no connection, or the body was never fully written (a server cannot act on half a JSON body).
   */
  mayHaveArrived: boolean;
}

/** Classifies a got error by its code and timings only (its message and options hold headers). */
export function classifyNetworkError(err: unknown): NetworkFailureInfo {
  const e = err as { code?: unknown; name?: unknown; timings?: { upload?: number; connect?: number } };
  const code = typeof e?.code === 'string' ? e.code : 'unknown';
  const timeout = e?.name === 'TimeoutError' || code === 'ETIMEDOUT';
  const failure: NetworkFailureInfo['failure'] = timeout
    ? 'timeout'
    : code === 'ECONNREFUSED'
      ? 'refused'
      : DNS.has(code)
        ? 'dns'
        : /^(ERR_SSL_|ERR_TLS_|CERT_)|_CERT|SSL|EPROTO/.test(code)
          ? 'tls'
          : TRANSIENT.has(code)
            ? 'reset'
            : 'other';
  const neverConnected = failure === 'refused' || failure === 'dns';
  const uploaded = e?.timings?.upload !== undefined;
  return { code: timeout && code === 'unknown' ? 'ETIMEDOUT' : code, failure, transient: timeout || TRANSIENT.has(code), mayHaveArrived: !neverConnected && uploaded };
}
