// The HTTP client the interpreter calls: one request at a time through the shared rate limiter,
// with our own retries (each retry queues at the limiter again, so retries count against the burst
// like any request), typed errors, and nothing that could carry the token out.
//
// got is called with `retry: { limit: 0 }` and `throwHttpErrors: false`: its retries would bypass
// the limiter, and its errors hold the request options (headers, so the token). Its errors are read
// for a code and timings only and never leave this module.
import got, { type OptionsInit } from 'got';
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDef, CostClass, HttpDef, HttpMethod } from '../../apps/types.js';
import { redact, type ResolvedConnection } from '../../connections/index.js';
import { expandTemplate } from '../../connections/app-connection.js';
import { agentsFor, type Agents } from './agents.js';
import { Credentials, type AuthParts } from './auth.js';
import type { DailyBudget } from './budget.js';
import { ApiError, DailyBudgetExhausted, MalformedResponseError, NetworkError, UncertainWriteError, describeFailure, type RequestSite } from './errors.js';
import { headerNames, readRateLimitHeaders, type RateLimitHeaderNames, type ResponseHeaders } from './headers.js';
import { connectionLimiter, type Grant, type RateLimiter } from './limiter.js';
import { JsonRecordsError, RecordsParser, type ParsedRecords } from './json-records.js';
import { getPointer } from './pointer.js';
import { DEFAULT_RETRY, RETRY_STATUSES, backoffDelay, classifyNetworkError, type NetworkFailureInfo, type RetryPolicy } from './retry.js';

/**
 * got with its cache options emptied (its HTTP cache is never used here). got builds each request's
 * native options as an object literal that begins with a spread of them, and in V8 11 (Node 20) a
 * literal that begins with a spread of an object that has properties, then defines more, gets new
 * hidden classes at every call: about 11 KB a request that the minor GCs carry into the old
 * generation. With nothing to spread, the literal keeps one shape for all requests.
 */
const gotClient = got.extend({ mutableDefaults: true });
gotClient.defaults.options.cacheOptions = {};
gotClient.defaults.options.freeze();

export type QueryScalar = string | number | boolean;
export type QueryValue = QueryScalar | null | undefined | readonly QueryScalar[];
export type Query = Readonly<Record<string, QueryValue>>;

export interface RequestOptions {
  method: HttpMethod;
  /** Relative to the versioned base URL, path parameters filled in (see `expandPath`): `/persons/12`. */
  path: string;
  /** Encoded as the app says (`form`: `+` for spaces, like the official client). null/undefined are left out. */
  query?: Query;
  /** Sent as JSON, or as an HTML form with `form`. */
  body?: unknown;
  form?: boolean;
  /** Request headers (parameters declared `in: header`). */
  headers?: Readonly<Record<string, string>>;
  /**
   * An absolute URL instead of `path` and `query` (the next page a server names); it must be on the
   * base URL's origin, so that credentials never go elsewhere. `path` still names it in messages.
   */
  url?: string;
  /** For the daily budget and the per-class burst (search). */
  cost: CostClass | null;
  /** Daily-budget tokens of this request (the action's `x-token-cost`); default: the price of `cost`. */
  tokens?: number;
  /** Whether repeating the request cannot apply it twice. Default: every method but POST. */
  idempotent?: boolean;
  /** The API version of the action's variant (v1-only actions on a v2 connection); default the connection's. */
  version?: string | null;
  signal?: AbortSignal;
  /**
   * Where a 2xx answer's records are (a JSON pointer): they are then parsed from the answer's
   * bytes by the records parser and returned in `records`, with that array left empty in `body`,
   * so that a page is never held whole as text. Where the answer has no array there, `records` is
   * undefined and `body` complete.
   */
  records?: string;
  /**
   * With `records`: asked, with the size of a 2xx answer, once its last byte has arrived: undefined
   * to parse it now, or a promise to wait for first (the caller has not reached the page yet). A
   * reader with pages in flight so holds the pages ahead as bytes, outside the heap the minor GCs
   * copy, and parses each just before it uses it: parsed as they arrived, pages answered at about
   * the same time were parsed interleaved and all finished late. The wait does not count against
   * the retry policy's time; a malformed answer found after it is retried like any other, and
   * aborting `signal` meanwhile ends the request with its reason (so a promise that may never
   * settle needs a signal).
   */
  parseWhen?: (bytes: number) => Promise<unknown> | undefined;
  /** With `records`: keep only these top-level fields of each record (json-project.ts). */
  fields?: readonly string[];
}

export interface ApiResponse {
  status: number;
  headers: ResponseHeaders;
  /** The parsed JSON body (null for an empty 2xx body). */
  body: unknown;
  /** The records at RequestOptions.records, when asked for and found (then emptied in `body`). */
  records?: unknown[];
  /** Attempts it took, retries included. */
  attempts: number;
}

export type HttpEvent =
  | { type: 'request'; method: string; path: string; attempt: number }
  | { type: 'response'; method: string; path: string; attempt: number; status: number; ms: number }
  | { type: 'retry'; method: string; path: string; attempt: number; delayMs: number; reason: string }
  | { type: 'rate-limit-wait'; method: string; path: string; ms: number }
  | { type: '429'; method: string; path: string; pauseMs: number };

export interface Timeouts {
  /** DNS, TCP and TLS each. Default 10 s. */
  connectMs: number;
  /** From the request written to the first byte of the answer. Default 30 s. */
  responseMs: number;
  /** The whole attempt. Default 120 s. */
  requestMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, responseMs: 30_000, requestMs: 120_000 };

export interface ClientOptions {
  /** Rate-limit plan name (`lite`, `premium`, ...); default the app's safest. Headers correct it. */
  plan?: string;
  /** Requests in flight at once for this limiter (only when this client creates it). Default 8. */
  concurrency?: number;
  /** Follow `x-ratelimit-limit` (only when this client creates the limiter). Default true. */
  adaptive?: boolean;
  /** Use this limiter instead of the process-wide one for (base URL, token). */
  limiter?: RateLimiter;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryPolicy>;
  /**
   * `header` (default): the token goes in the auth header. `query`: in the query string, for a
   * server that ignores the header; it is then scrubbed from everything we print.
   */
  auth?: 'header' | 'query';
  /** Progress events; must not throw (a throw is ignored rather than failing the request). */
  onEvent?: (event: HttpEvent) => void;
  /** The company's daily budget as Sluice counts it (budget.ts): charged before each attempt. */
  budget?: DailyBudget;
  /** [0, 1) for backoff jitter (tests make it deterministic). */
  random?: () => number;
  userAgent?: string;
  /** Replaces DNS resolution (got's `dnsLookup`, the shape of `dns.lookup`): tests, offline checks. */
  dnsLookup?: (hostname: string, options: object, callback: (...args: any[]) => void) => void;
}

export interface ClientStats {
  /** Attempts sent (retries included). */
  requests: number;
  retries: number;
  /** 429 answers seen. */
  rateLimited: number;
  /** Milliseconds this client's requests waited for the limiter. */
  waitMs: number;
  networkErrors: number;
  serverErrors: number;
  malformed: number;
  /** The daily budget left, as last reported to the shared limiter. */
  dailyLeft?: number;
}

type StreamOptions = Omit<OptionsInit, 'isStream'>;

/** An answer as read: a 2xx answer whose records were asked for is kept as bytes (`raw`), for the records parser; any other as text. */
interface Answer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** A 2xx body's bytes, for the records parser (RequestOptions.records). */
  raw?: { chunks: Buffer[]; bytes: number; pointer: string };
}

type Outcome = { kind: 'answer'; grant: Grant; res: Answer; ms: number } | { kind: 'network'; grant: Grant; failure: NetworkFailureInfo };

/** Fills `{name}` path parameters, percent-encoded. */
export function expandPath(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = Object.hasOwn(params, name) ? params[name] : undefined;
    if (v === undefined || v === '') throw new RangeError(`path parameter \`${name}\` of ${template} has no value`);
    return encodeURIComponent(String(v));
  });
}

/** `form` is what the official client sends (URLSearchParams: space as `+`); `percent` uses %20. */
export function encodeQuery(query: Query, encoding: 'form' | 'percent'): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) pairs.push([k, String(x)]);
  }
  if (encoding === 'form') return new URLSearchParams(pairs).toString();
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export class ApiClient {
  readonly limiter: RateLimiter;
  /** The company host, for messages. */
  readonly host: string;
  private readonly http: HttpDef;
  private readonly names: RateLimitHeaderNames;
  private readonly agents: Agents;
  private readonly credentials: Credentials;
  private readonly retryStatuses: ReadonlySet<number>;
  private readonly policy: RetryPolicy;
  private readonly timeouts: Timeouts;
  private readonly random: () => number;
  private readonly s = { requests: 0, retries: 0, rateLimited: 0, waitMs: 0, networkErrors: 0, serverErrors: 0, malformed: 0 };

  constructor(
    readonly app: AppDef,
    readonly connection: ResolvedConnection,
    private readonly options: ClientOptions = {},
  ) {
    if (!app.http) throw new RangeError(`${app.name} is not an HTTP app`);
    this.http = app.http;
    const origin = new URL(connection.baseUrl);
    this.host = origin.host;
    this.names = headerNames(app.http.rateLimit);
    this.agents = agentsFor(origin.origin);
    this.credentials = new Credentials(app, connection, options.auth ?? 'header');
    this.retryStatuses = new Set(app.http.errors?.retry ?? RETRY_STATUSES);
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.random = options.random ?? Math.random;
    const rl = app.http.rateLimit;
    this.limiter =
      options.limiter ??
      connectionLimiter(rl, { baseUrl: connection.baseUrl, token: connection.token, ...(options.plan !== undefined ? { plan: options.plan } : {}) }, {
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.adaptive !== undefined ? { adaptive: options.adaptive } : {}),
      });
  }

  /** The versioned base URL, e.g. `https://acme.pipedrive.com/api/v1`. */
  baseUrl(version?: string | null): string {
    const v = this.concreteVersion(version);
    if (this.connection.fields) return expandTemplate(this.http.baseUrl, this.connection.fields, v).replace(/\/$/, '');
    return this.http.baseUrl.replace(/\{([^}]+)\}/g, (_, field: string) => {
      if (field === 'version') return v;
      if (field === 'company_url' || field === 'base_url' || field === 'url') return this.connection.baseUrl;
      throw new RangeError(`the base URL of ${this.app.name} uses {${field}}, which a connection does not provide`);
    });
  }

  /**
   * The version a request goes to: the action variant's; else the connection's, where `auto` (a
   * request that names no variant) means the newest version the app has.
   */
  private concreteVersion(version?: string | null): string {
    const v = version ?? this.connection.apiVersion;
    return v === 'auto' ? (this.app.versions[this.app.versions.length - 1] ?? 'v1') : v;
  }

  /** Daily-budget tokens one request of this class costs in this version. */
  tokensFor(version: string, cost: CostClass | null): number {
    const table = this.http.costs[version] ?? {};
    return table[cost ?? 'get'] ?? 1;
  }

  stats(): ClientStats {
    const d = this.limiter.stats().dailyLeft;
    return { ...this.s, ...(d !== undefined ? { dailyLeft: d } : {}) };
  }

  /** Where a request goes, as errors show it: host and path without query. */
  site(method: string, path: string, version?: string | null): RequestSite {
    return { method, path: `${new URL(this.baseUrl(version)).pathname.replace(/\/$/, '')}${path}`, host: this.host };
  }

  async request(o: RequestOptions): Promise<ApiResponse> {
    if (!o.path.startsWith('/') || /[?#]/.test(o.path)) throw new RangeError(`request path must start with / and carry no query: ${o.path}`);
    const version = this.concreteVersion(o.version);
    const base = this.baseUrl(version);
    const site = this.site(o.method, o.path, version);
    if (o.url !== undefined && new URL(o.url).origin !== new URL(base).origin) {
      throw new MalformedResponseError(site, 200, 1, `a next page on another server (${new URL(o.url).host}): not followed, so that credentials stay with ${this.host}`);
    }
    const urlFor = (auth: AuthParts): string => {
      if (o.url !== undefined) {
        const u = new URL(o.url);
        for (const [k, v] of Object.entries(auth.query)) u.searchParams.set(k, v);
        return u.toString();
      }
      const qs = encodeQuery(Object.assign({}, o.query, auth.query), this.http.queryEncoding);
      return `${base}${o.path}${qs ? `?${qs}` : ''}`;
    };
    let reauthorized = false;
    const idempotent = o.idempotent ?? o.method !== 'POST';
    const tokens = o.tokens ?? this.tokensFor(version, o.cost);
    // When the request began, for the retry policy's time; moved on by time spent waiting for the caller.
    let started = performance.now();
    let failures = 0;
    let n429 = 0;

    for (let attempt = 1; ; attempt++) {
      o.signal?.throwIfAborted();
      const auth = await this.credentials.parts(o.signal);
      const url = urlFor(auth);
      const outcome = await this.limiter.run((grant) => {
        const budget = this.options.budget;
        const charge = budget?.take(tokens, site, attempt);
        return this.send(url, o, grant, site, attempt, auth.headers, charge ? () => budget!.refund(charge) : undefined);
      }, { cost: o.cost, tokens, site, attempt, ...(o.signal ? { signal: o.signal } : {}), ...(this.options.budget ? { daily: { company: this.options.budget.company, limit: this.options.budget.limit } } : {}) });

      if (outcome.kind === 'network') {
        const f = outcome.failure;
        this.s.networkErrors++;
        if (!idempotent && f.mayHaveArrived) throw new UncertainWriteError(site, attempt, describeFailure(f.failure));
        const final = (): Error => new NetworkError(site, attempt, f.code, f.failure);
        if (!f.transient) throw final();
        await this.backoff(++failures, site, attempt, `${f.code}`, started, final, o.signal);
        continue;
      }

      const { res, grant } = outcome;
      const status = res.statusCode;
      const info = readRateLimitHeaders(res.headers, this.names);

      if (status === 429) {
        this.s.rateLimited++;
        if (this.limiter.rateLimited(grant, info, tokens) === 'daily') {
          throw new DailyBudgetExhausted(site, attempt, tokens, this.http.rateLimit?.daily?.resets ?? 'midnight', info.dailyLeft);
        }
        n429++;
        const pauseMs = info.retryAfterMs ?? info.resetMs ?? this.limiter.options.windowMs;
        this.emit({ type: '429', method: o.method, path: site.path, pauseMs });
        if (n429 > this.policy.max429 || performance.now() - started + pauseMs > this.policy.maxElapsedMs) {
          const e = this.errorText(res);
          throw new ApiError(site, 429, attempt, e.error, e.info, { retryAfterMs: pauseMs });
        }
        // No sleep here: the limiter is paused for everyone, and the retry queues behind the pause.
        this.s.retries++;
        this.emit({ type: 'retry', method: o.method, path: site.path, attempt, delayMs: pauseMs, reason: '429' });
        continue;
      }
      this.limiter.observe(grant, info);

      if (status >= 200 && status < 300) {
        let parsed: ParsedRecords | JsonRecordsError | undefined;
        if (res.raw) {
          const wait = o.parseWhen?.(res.raw.bytes);
          if (wait) {
            const w0 = performance.now();
            await untilOrAborted(wait, o.signal);
            started += performance.now() - w0;
          }
          parsed = parseChunks(res.raw.chunks, res.raw.pointer, o.fields);
        }
        const json = parsed instanceof JsonRecordsError ? undefined : (parsed ?? answerJson(res.body));
        if (json) return { status, headers: res.headers, body: json.body, ...(json.records !== undefined ? { records: json.records } : {}), attempts: attempt };
        this.s.malformed++;
        // The server acted and answered; we cannot read what it did.
        if (!idempotent) throw new UncertainWriteError(site, attempt, 'unreadable answer', status);
        const final = (): Error => new MalformedResponseError(site, status, attempt, 'a body that is not valid JSON');
        await this.backoff(++failures, site, attempt, 'malformed answer', started, final, o.signal);
        continue;
      }

      // An OAuth2 token refused before its announced expiry: fetch a new one, once.
      if (status === 401 && !reauthorized && this.credentials.unauthorized()) {
        reauthorized = true;
        this.s.retries++;
        this.emit({ type: 'retry', method: o.method, path: site.path, attempt, delayMs: 0, reason: '401' });
        continue;
      }

      if (this.retryStatuses.has(status)) {
        this.s.serverErrors++;
        if (!idempotent) throw new UncertainWriteError(site, attempt, `status ${status}`, status);
        const final = (): Error => {
          const e = this.errorText(res);
          const wait = info.retryAfterMs ?? info.resetMs;
          return new ApiError(site, status, attempt, e.error, e.info, wait !== undefined ? { retryAfterMs: wait } : {});
        };
        await this.backoff(++failures, site, attempt, `status ${status}`, started, final, o.signal, info.retryAfterMs);
        continue;
      }

      const e = this.errorText(res);
      const redirectedTo = status >= 300 && status < 400 ? locationOf(res, url) : undefined;
      throw new ApiError(site, status, attempt, e.error, e.info, redirectedTo !== undefined ? { redirectedTo } : {});
    }
  }

  /** `unsent`: called when the request is aborted before it had a connection (its tokens go back). */
  private async send(url: string, o: RequestOptions, grant: Grant, site: RequestSite, attempt: number, authHeaders: Readonly<Record<string, string>>, unsent?: () => void): Promise<Outcome> {
    if (grant.waitedMs >= 1) {
      this.s.waitMs += grant.waitedMs;
      this.emit({ type: 'rate-limit-wait', method: o.method, path: site.path, ms: Math.round(grant.waitedMs) });
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.options.userAgent ?? 'sluice', ...o.headers, ...authHeaders };
    let body: string | undefined;
    if (o.body !== undefined && o.form) {
      body = encodeQuery(formFields(o.body), 'form');
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    const t0 = performance.now();
    const t = this.timeouts;
    const options = {
      method: o.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      agent: this.agents,
      timeout: { lookup: t.connectMs, connect: t.connectMs, secureConnect: t.connectMs, send: t.responseMs, response: t.responseMs, request: t.requestMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      // A redirect would carry the token header to wherever it points.
      followRedirect: false,
      ...(this.options.dnsLookup ? { dnsLookup: this.options.dnsLookup as never } : {}),
    } satisfies OptionsInit;
    // A request is counted once it is on its way, not when the limiter lets it go: one aborted in
    // between (a page no longer needed) never reaches the server and costs nothing there.
    let counted = false;
    // Aborted before it had a connection, the request never left: its tokens go back at once (the
    // caller hears of the abort before this request settles), and it is never counted after that.
    let refunded = false;
    const onAbort = (): void => {
      if (counted || refunded || !unsent) return;
      refunded = true;
      unsent();
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    const count = (): void => {
      if (counted || refunded) return;
      counted = true;
      this.s.requests++;
      this.emit({ type: 'request', method: o.method, path: site.path, attempt });
    };
    const onRequest = (r: import('node:http').ClientRequest): void => {
      if (r.socket) count();
      else r.once('socket', count);
      if (r.writableFinished) grant.sent();
      else r.once('finish', () => grant.sent());
    };
    try {
      let res: Answer;
      if (o.records !== undefined) {
        res = await streamed(url, options, o.records, onRequest, o.signal);
      } else {
        const req = gotClient(url, Object.assign({}, options, { responseType: 'text' as const }, o.signal ? { signal: o.signal } : {}));
        req.on('request', onRequest);
        const r = await req;
        res = { statusCode: r.statusCode, headers: r.headers, body: r.body };
      }
      grant.sent();
      const ms = performance.now() - t0;
      this.emit({ type: 'response', method: o.method, path: site.path, attempt, status: res.statusCode, ms: Math.round(ms) });
      return { kind: 'answer', grant, res, ms };
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      return { kind: 'network', grant, failure: classifyNetworkError(err) };
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Waits before the next attempt, or throws `final()` when attempts or time have run out. */
  private async backoff(failures: number, site: RequestSite, attempt: number, reason: string, started: number, final: () => Error, signal?: AbortSignal, atLeastMs?: number): Promise<void> {
    const p = this.policy;
    if (failures >= p.maxAttempts) throw final();
    let delay = backoffDelay(failures, p, this.random);
    if (atLeastMs !== undefined) delay = Math.max(delay, Math.min(atLeastMs, p.maxDelayMs));
    if (performance.now() - started + delay > p.maxElapsedMs) throw final();
    this.s.retries++;
    this.emit({ type: 'retry', method: site.method, path: site.path, attempt, delayMs: delay, reason });
    if (delay <= 0) return;
    try {
      await sleep(delay, undefined, signal ? { signal } : {});
    } catch (err) {
      signal?.throwIfAborted();
      throw err;
    }
  }

  /** Pipedrive's `error` / `error_info`, redacted and shortened; nothing for a non-JSON body. */
  private errorText(res: Answer): { error?: string; info?: string } {
    const parsed = parseJson(res.body);
    if (!parsed.ok) return {};
    const env = this.http.envelope;
    const pick = (pointer: string | undefined): string | undefined => {
      const v = pointer ? getPointer(parsed.value, pointer) : undefined;
      return typeof v === 'string' && v.trim() !== '' ? redact(v.trim().slice(0, 300), this.credentials.secrets()) : undefined;
    };
    const error = pick(env.error);
    const info = pick(env.errorInfo);
    return { ...(error !== undefined ? { error } : {}), ...(info !== undefined ? { info } : {}) };
  }

  private emit(e: HttpEvent): void {
    if (!this.options.onEvent) return;
    try {
      this.options.onEvent(e);
    } catch {
      // A progress display that breaks must not fail the sync it displays.
    }
  }
}

/** A 3xx's Location against the URL asked, without query or fragment (they may hold anything). */
function locationOf(res: Answer, asked: string): string | undefined {
  const location = res.headers.location;
  if (typeof location !== 'string') return undefined;
  try {
    const u = new URL(location, asked);
    return `${u.origin}${u.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * One request through got's stream: a 2xx body is kept as its chunks, for the records parser
 * (`request`, when the caller wants the page), any other as text for its error message. got's
 * timeouts and network errors apply as to a buffered request.
 */
async function streamed(url: string, options: StreamOptions, pointer: string, onRequest: (r: import('node:http').ClientRequest) => void, signal?: AbortSignal): Promise<Answer> {
  const stream = gotClient.stream(url, options);
  stream.on('request', onRequest);
  // got is not given the signal: a request whose got options carried an AbortSignal outlived the
  // minor GCs until a full one, its objects carried into the old generation (a few KB a page). The
  // caller reports an abort from the signal itself, whatever error ends the stream.
  const onAbort = (): void => {
    stream.destroy(new Error('aborted'));
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await new Promise<{ statusCode: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', reject);
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const answer: Answer = { statusCode: response.statusCode, headers: response.headers, body: '' };
    if (response.statusCode >= 200 && response.statusCode < 300) answer.raw = { chunks, bytes, pointer };
    else answer.body = Buffer.concat(chunks, bytes).toString('utf8');
    return answer;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

const NO_BYTES = Buffer.alloc(0);

/** The records parser over an answer's chunks; each chunk is let go once parsed. */
function parseChunks(chunks: Buffer[], pointer: string, fields: readonly string[] | undefined): ParsedRecords | JsonRecordsError {
  const parser = new RecordsParser(pointer, fields);
  try {
    for (let i = 0; i < chunks.length; i++) {
      parser.push(chunks[i]);
      chunks[i] = NO_BYTES;
    }
    return parser.end();
  } catch (err) {
    if (!(err instanceof JsonRecordsError)) throw err;
    return err;
  }
}

/** Waits for `p`, or rejects with the signal's reason as soon as it is aborted. */
async function untilOrAborted(p: Promise<unknown>, signal?: AbortSignal): Promise<void> {
  if (!signal) {
    await p;
    return;
  }
  signal.throwIfAborted();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** A 2xx answer's text body parsed (its records not taken out); undefined when it is not JSON. */
function answerJson(body: string): ParsedRecords | undefined {
  const p = parseJson(body);
  return p.ok ? { body: p.value, records: undefined } : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A form body's fields: scalars as text, lists repeated, objects as JSON. */
function formFields(body: unknown): Query {
  const out: Record<string, QueryValue> = {};
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : (x as QueryScalar)));
    else out[k] = typeof v === 'object' ? JSON.stringify(v) : (v as QueryScalar);
  }
  return out;
}
