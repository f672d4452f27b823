// Stable error codes of the HTTP layer (SL6xxx). Codes never change meaning; wording may.
//
// Every message is built from values chosen to be safe to show: the host, the method, the path
// WITHOUT its query string (queries can hold `api_token` and user data), statuses, error codes and
// the server's own `error` text after redaction. No error carries a `cause` or an `options`
// property: got's errors hold the request options, headers included, so one of them reachable from
// ours would leak the token into any serialiser that walks causes.
import { SluiceError } from '../../errors.js';

export const HTTP_ERRORS = {
  /** A final 4xx answer (other than 401/429): the request itself is wrong; never retried. */
  api: 'SL6501',
  /** 401: the token was refused. */
  unauthorized: 'SL6502',
  /** The company's daily token budget is spent. */
  dailyBudget: 'SL6503',
  /** The network failed (reset, refused, timeout, DNS) on every attempt. */
  network: 'SL6504',
  /** A write (POST) may or may not have been applied: retrying could duplicate it. */
  uncertainWrite: 'SL6505',
  /** The server answered success but the body is not the JSON it should be, on every attempt. */
  malformed: 'SL6506',
  /** 5xx on every attempt. */
  server: 'SL6507',
  /** Still answered 429 after the limiter's pauses and every retry allowed. */
  rateLimited: 'SL6508',
  /** Sluice's own count of the company's daily budget would pass 100 %: stopped before sending. */
  budgetStop: 'SL6509',
} as const;

export type HttpErrorCode = (typeof HTTP_ERRORS)[keyof typeof HTTP_ERRORS];

/** Where a failed request went, for messages: never the query string, never the token. */
export interface RequestSite {
  method: string;
  /** Full path on the server without query, e.g. `/api/v1/persons`. */
  path: string;
  /** `acme.pipedrive.com` or `127.0.0.1:4100`. */
  host: string;
}

export abstract class HttpLayerError extends SluiceError {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  /** Attempts made, retries included. */
  readonly attempts: number;

  constructor(code: HttpErrorCode, site: RequestSite, attempts: number, message: string, hint?: string) {
    super(code, message, { hint, exitCode: 1 });
    this.method = site.method;
    this.path = site.path;
    this.host = site.host;
    this.attempts = attempts;
  }
}

const tries = (n: number): string => (n > 1 ? ` after ${n} attempts` : '');

/** A final HTTP error answer: 4xx (not retried), or 5xx/429 once retries ran out. */
export class ApiError extends HttpLayerError {
  readonly status: number;
  /** Pipedrive's `error` field, redacted. */
  readonly apiError?: string;
  /** Pipedrive's `error_info` field, redacted. */
  readonly apiErrorInfo?: string;
  /**
   * Where a 3xx pointed (its Location, resolved, without query or fragment): redirects are never
   * followed, since the credentials would go along, so the caller can only say where it led.
   */
  readonly redirectedTo?: string;
  /** How long the server asked to wait (429 or 5xx: `retry-after`, else the rate-limit reset). */
  readonly retryAfterMs?: number;

  constructor(site: RequestSite, status: number, attempts: number, apiError?: string, apiErrorInfo?: string, answer: { redirectedTo?: string; retryAfterMs?: number } = {}) {
    const code = status === 401 ? HTTP_ERRORS.unauthorized : status === 429 ? HTTP_ERRORS.rateLimited : status >= 500 ? HTTP_ERRORS.server : HTTP_ERRORS.api;
    const said = apiError ? `: ${apiError}` : '';
    super(code, site, attempts, `${site.method} ${site.path} on ${site.host} answered ${status}${said}${tries(attempts)}`, hintFor(status, site.host));
    this.name = 'ApiError';
    this.status = status;
    this.apiError = apiError;
    this.apiErrorInfo = apiErrorInfo;
    if (answer.redirectedTo !== undefined) this.redirectedTo = answer.redirectedTo;
    if (answer.retryAfterMs !== undefined) this.retryAfterMs = answer.retryAfterMs;
  }
}

function hintFor(status: number, host: string): string | undefined {
  switch (status) {
    case 400:
    case 422:
      return 'The server refused the values sent; its message above names the field.';
    case 401:
      return `The API token was not accepted by ${host}: check the connection's token (\`sluice connections test\`).`;
    case 402:
      return "The company's Pipedrive subscription may have lapsed; an admin can check it under Billing.";
    case 403:
      return 'The user may lack permission for this, or the server blocked the client after too many requests.';
    case 404:
      return 'The record or endpoint does not exist (deleted, or not in this API version).';
    case 429:
      return 'Another integration may be using the same token heavily; try again later.';
    default:
      return status >= 500 ? 'This is on the server side; try again later.' : undefined;
  }
}

export type NetworkFailure = 'refused' | 'reset' | 'timeout' | 'dns' | 'tls' | 'other';

export class NetworkError extends HttpLayerError {
  /** The system or got error code (ECONNRESET, ETIMEDOUT, ...), never a message. */
  readonly errno: string;
  readonly failure: NetworkFailure;

  constructor(site: RequestSite, attempts: number, errno: string, failure: NetworkFailure) {
    super(HTTP_ERRORS.network, site, attempts, `${site.method} ${site.path} to ${site.host} failed: ${describeFailure(failure)} (${errno})${tries(attempts)}`, 'Check the network connection and the company URL, then run again.');
    this.name = 'NetworkError';
    this.errno = errno;
    this.failure = failure;
  }
}

export function describeFailure(f: NetworkFailure): string {
  switch (f) {
    case 'refused':
      return 'the connection was refused';
    case 'reset':
      return 'the connection was reset';
    case 'timeout':
      return 'no answer in time';
    case 'dns':
      return 'the host name could not be resolved';
    case 'tls':
      return 'the secure connection failed';
    default:
      return 'the request failed';
  }
}

export class MalformedResponseError extends HttpLayerError {
  readonly status: number;

  constructor(site: RequestSite, status: number, attempts: number, what: string) {
    super(HTTP_ERRORS.malformed, site, attempts, `${site.method} ${site.path} on ${site.host} answered ${status} with ${what}${tries(attempts)}`, 'Check that the company URL points at the API; if it does, the server may be having trouble.');
    this.name = 'MalformedResponseError';
    this.status = status;
  }
}

/**
 * The request was sent and then failed in a way that leaves open whether the server applied it
 * (reset after sending, 5xx, unreadable success). Repeating a POST could create the record twice,
 * so it is not retried: the caller keeps the record aside and a person or a later run decides.
 */
export class UncertainWriteError extends HttpLayerError {
  /** What happened: `reset`, `timeout`, `status 503`, `malformed answer`. */
  readonly reason: string;
  readonly status?: number;

  constructor(site: RequestSite, attempts: number, reason: string, status?: number) {
    super(
      HTTP_ERRORS.uncertainWrite,
      site,
      attempts,
      `${site.method} ${site.path} on ${site.host} may or may not have been applied (${reason}); not retried, to avoid a duplicate`,
      'Check in Pipedrive whether the record exists before sending it again.',
    );
    this.name = 'UncertainWriteError';
    this.reason = reason;
    this.status = status;
  }
}

/** Stopped before the daily budget runs out, by Sluice's own count (see budget.ts); nothing was sent. */
export class BudgetStop extends HttpLayerError {
  readonly needed: number;
  readonly spent: number;
  readonly limit: number;

  constructor(site: RequestSite, attempts: number, needed: number, spent: number, limit: number) {
    super(
      HTTP_ERRORS.budgetStop,
      site,
      attempts,
      `stopped before the daily API budget of ${site.host} runs out: ${spent} of ${limit} tokens spent today (UTC, counted by Sluice), and this request needs ${needed}`,
      'What was written is kept; run again after midnight (UTC). If the company has a bigger budget, give the connection its plan and seats (`--plan`, `--seats`) or `--daily-budget`.',
    );
    this.name = 'BudgetStop';
    this.needed = needed;
    this.spent = spent;
    this.limit = limit;
  }
}

export class DailyBudgetExhausted extends HttpLayerError {
  /** Tokens left by the last answer, if the server said. */
  readonly dailyLeft?: number;
  /** Tokens the refused request costs. */
  readonly needed: number;
  /** When the budget resets, as the app definition says (e.g. "midnight (company time zone)"). */
  readonly resets: string;

  constructor(site: RequestSite, attempts: number, needed: number, resets: string, dailyLeft?: number) {
    const left = dailyLeft === undefined ? '' : ` (${dailyLeft} tokens left, this request needs ${needed})`;
    super(
      HTTP_ERRORS.dailyBudget,
      site,
      attempts,
      `the daily API budget of ${site.host} is used up${left}; it resets at ${resets}`,
      'Run again after the reset, fetch less (a `limit`, a `since`), or ask an admin about a bigger plan or more seats.',
    );
    this.name = 'DailyBudgetExhausted';
    this.dailyLeft = dailyLeft;
    this.needed = needed;
    this.resets = resets;
  }
}
