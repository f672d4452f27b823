// The HTTP layer of the runtime: a client per (app, connection), one rate limiter per (base URL,
// token) shared by the process, retries, typed errors, and paging of list actions.
export { agentsFor, destroyAgents, type Agents } from './agents.js';
export {
  ApiClient,
  DEFAULT_TIMEOUTS,
  encodeQuery,
  expandPath,
  type ApiResponse,
  type ClientOptions,
  type ClientStats,
  type HttpEvent,
  type Query,
  type QueryScalar,
  type QueryValue,
  type RequestOptions,
  type Timeouts,
} from './client.js';
export {
  ApiError,
  DailyBudgetExhausted,
  HTTP_ERRORS,
  HttpLayerError,
  MalformedResponseError,
  NetworkError,
  UncertainWriteError,
  type HttpErrorCode,
  type NetworkFailure,
  type RequestSite,
} from './errors.js';
export { PIPEDRIVE_HEADER_NAMES, headerNames, parseRetryAfter, readRateLimitHeaders, type RateLimitHeaderNames, type RateLimitInfo, type ResponseHeaders } from './headers.js';
export {
  RateLimiter,
  clearLimiters,
  limiterFor,
  limiterKey,
  limiterPlan,
  type AcquireOptions,
  type Grant,
  type LimiterOptions,
  type LimiterStats,
} from './limiter.js';
export { extractRecords, pages, records, type PageableAction, type PagesOptions } from './paginate.js';
export { getPointer, firstPointer } from './pointer.js';
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './retry.js';
