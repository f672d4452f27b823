// "Validate" from the seed's credential panel: one or two cheap requests that tell whether the
// company URL, API version and token work together, and if not, which of them is wrong.
//
// Requests:
//  - `GET {base}/api/v1/users/me` gives the user and company the token belongs to (Pipedrive's
//    documented way to test a connection). Users stay on v1 (PIPEDRIVE.md): there is no
//    `/api/v2/users/me`, so probing `/api/{version}/users/me` would fail every v2 connection.
//  - For v2, `GET {base}/api/v2/persons?limit=1` then checks that the server serves v2 at all.
//
// Safety: the token goes only in the `x-api-token` header (never the query string, where proxies and
// logs keep URLs); redirects are not followed (a header would follow them to another host); no
// retries (a 401 will not change, and hammering a rate-limited token makes things worse).
//
// Pacing: each request waits for the same rate limiter as a run on that company and token
// (`connectionLimiter`), and reports the answer's rate-limit headers to it, so that testing a
// connection while flows run on it (the agent's panel) cannot push the company over its limit. got's
// errors carry the request options, headers included, so none of them escapes this module: every
// failure becomes a ConnectionError built from the host, a status or an error code.
import type { Got, Response } from 'got';
import { CONNECTION_ERRORS as E, ConnectionError } from './errors.js';
import { Secret, redact } from './secret.js';
import { isLoopbackHost, type ApiVersion } from './validate-input.js';
import type { Grant, RateLimiter } from '../runtime/http/limiter.js';
import type { RateLimitInfo } from '../runtime/http/headers.js';

export interface ProbeTarget {
  /** Normalised company URL, no trailing slash. */
  baseUrl: string;
  apiVersion: ApiVersion;
  token: Secret;
  /** The company's rate-limit plan, when known (else the app's default pacing, corrected by the headers). */
  plan?: string;
}

export interface ProbeOptions {
  /** Whole-request timeout per request, in milliseconds. */
  timeoutMs?: number;
  /** Replaces DNS resolution (tests); same shape as `dns.lookup`. */
  dnsLookup?: (hostname: string, options: object, callback: (...args: any[]) => void) => void;
  userAgent?: string;
}

export interface ProbeResult {
  user: { id?: number; name?: string; email?: string };
  company: { id?: number; name?: string; domain?: string };
  /** The paths that were requested, in order (for `--format json` and debugging). */
  checked: string[];
  elapsedMs: number;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;
export const V2_PROBE_PATH = 'api/v2/persons?limit=1';

const TLS_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presented a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain contains a self-signed certificate (a proxy that intercepts TLS?)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate could not be verified',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is signed by an authority this machine does not trust',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is signed by an authority this machine does not trust',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet (is the clock right?)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is for another host name',
  EPROTO: 'the TLS handshake failed (does the server speak https on this port?)',
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);
const NETWORK_CODES: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EHOSTDOWN: 'the host is down',
  ECONNABORTED: 'the connection was aborted',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  ERR_GOT_REQUEST_ERROR: 'the request failed',
};

function isTlsCode(code: string): boolean {
  return code in TLS_CODES || /^(ERR_SSL_|ERR_TLS_|CERT_)|_CERT|SSL/.test(code);
}

export async function probeConnection(target: ProbeTarget, options: ProbeOptions = {}): Promise<ProbeResult> {
  // Loaded here, not at the top, so that modules importing only the types stay light (`sluice check`).
  const { default: got } = await import('got');
  const pacing = await pacingFor(target);
  const started = Date.now();
  const checked: string[] = [];
  const host = new URL(target.baseUrl).host;

  const me = await request(got, pacing, target, host, 'api/v1/users/me', options);
  checked.push('/api/v1/users/me');
  const data = (me as { data?: Record<string, unknown> }).data ?? {};
  if (target.apiVersion !== 'v1') {
    await request(got, pacing, target, host, V2_PROBE_PATH, options);
    checked.push(`/${V2_PROBE_PATH}`);
  }
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    user: { id: num(data.id), name: text(data.name), email: text(data.email) },
    company: { id: num(data.company_id), name: text(data.company_name), domain: text(data.company_domain) },
    checked,
    elapsedMs: Date.now() - started,
  };
}

/** One GET; answers the parsed JSON body of a Pipedrive success, or throws a ConnectionError. */
async function request(got: Got, pacing: Pacing, target: ProbeTarget, host: string, path: string, options: ProbeOptions): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const url = `${target.baseUrl}/${path}`;
  const shownPath = `/${path.replace(/\?.*$/, '')}`;
  let res: Response<string>;
  try {
    res = await pacing.limiter.run(async (grant) => {
      const answer = await sendOne(got, url, target, timeoutMs, options, grant);
      const info = pacing.readHeaders(answer.headers);
      if (answer.statusCode === 429) pacing.limiter.rateLimited(grant, info, 1);
      else pacing.limiter.observe(grant, info);
      return answer;
    }, { cost: 'get', tokens: 1, site: { method: 'GET', path: shownPath, host } });
  } catch (err) {
    if (err instanceof ConnectionError) throw err;
    throw networkError(err, target, host, timeoutMs);
  }
  return interpret(res, target, host, shownPath);
}

interface Pacing {
  limiter: RateLimiter;
  readHeaders(headers: Response['headers']): RateLimitInfo;
}

/** The limiter a run on this company and token uses, and how to read the app's rate-limit headers. */
async function pacingFor(target: ProbeTarget): Promise<Pacing> {
  const [{ loadRegistry }, { connectionLimiter }, { headerNames, readRateLimitHeaders }] = await Promise.all([
    import('../apps/registry.js'),
    import('../runtime/http/limiter.js'),
    import('../runtime/http/headers.js'),
  ]);
  const rl = loadRegistry().app('pipedrive')?.http?.rateLimit ?? null;
  const names = headerNames(rl);
  return {
    limiter: connectionLimiter(rl, { baseUrl: target.baseUrl, token: target.token, ...(target.plan !== undefined ? { plan: target.plan } : {}) }),
    readHeaders: (headers) => readRateLimitHeaders(headers, names),
  };
}

async function sendOne(got: Got, url: string, target: ProbeTarget, timeoutMs: number, options: ProbeOptions, grant: Grant): Promise<Response<string>> {
  const req = got(url, {
    headers: {
      'x-api-token': target.token.reveal(),
      accept: 'application/json',
      'user-agent': options.userAgent ?? 'sluice (connection test)',
    },
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    ...(options.dnsLookup ? { dnsLookup: options.dnsLookup as never } : {}),
  });
  req.on('request', (r) => {
    if (r.writableFinished) grant.sent();
    else r.once('finish', () => grant.sent());
  });
  return req;
}

function interpret(res: Response<string>, target: ProbeTarget, host: string, shownPath: string): unknown {
  const status = res.statusCode;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  const pipedriveError = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : undefined;
  // Whatever the server says is echoed only after redaction: a proxy might reflect a header.
  const said = pipedriveError ? ` ("${redact(pipedriveError.slice(0, 120), [target.token])}")` : '';

  if (status >= 200 && status < 300) {
    if (typeof body === 'object' && body !== null && (body as { success?: unknown }).success === true) return body;
    throw new ConnectionError(E.unexpectedResponse, `${host} answered ${shownPath} with ${status} but not with Pipedrive's JSON`, `Check that the company URL is your Pipedrive address (${target.baseUrl}).`);
  }
  if (status === 401) {
    throw new ConnectionError(
      E.tokenRejected,
      `the API token was not accepted by ${host} (401${said})`,
      `Check that the token ending in ${target.token.masked} is current and belongs to a user of this company: Pipedrive shows it under your user menu > Personal preferences > API.`,
    );
  }
  if (status === 404) {
    const version = shownPath.startsWith('/api/v2/') ? 'v2' : 'v1';
    throw new ConnectionError(
      E.versionNotServed,
      `${host} does not serve API ${version}: ${shownPath} answered 404${said}`,
      version !== 'v1' && target.apiVersion !== 'v1' ? 'Try --api-version v1, or check the company URL.' : 'Check the company URL: it should be the address of your Pipedrive company.',
    );
  }
  if (status >= 300 && status < 400) {
    const location = res.headers.location;
    let where = '';
    if (typeof location === 'string') {
      try {
        where = ` to ${new URL(location, target.baseUrl).host}`;
      } catch {
        where = '';
      }
    }
    throw new ConnectionError(E.unexpectedResponse, `${host} redirected ${shownPath}${where} (${status}) instead of answering`, 'Check the company URL: it should be the address of your Pipedrive company, with https.');
  }
  if (status === 402) {
    throw new ConnectionError(E.unexpectedResponse, `${host} answered 402 payment required${said}`, "The company's Pipedrive subscription may have lapsed; an admin can check it under Billing.");
  }
  if (status === 403) {
    throw new ConnectionError(E.unexpectedResponse, `${host} refused access (403)${said}`, 'The user may lack API access, or Pipedrive blocked the client after too many requests; try again in a few minutes.');
  }
  if (status === 429) {
    const reset = res.headers['x-ratelimit-reset'] ?? res.headers['retry-after'];
    throw new ConnectionError(E.unexpectedResponse, `${host} is rate limiting this token (429)`, `Try again${typeof reset === 'string' ? ` in ${reset} s` : ' shortly'}; another integration may be using the same token heavily.`);
  }
  if (status >= 500) {
    throw new ConnectionError(E.unexpectedResponse, `${host} had a server error (${status})${said}`, 'This is on the server side; try again later.');
  }
  throw new ConnectionError(E.unexpectedResponse, `${host} answered ${shownPath} with ${status}${said}`, 'Check the company URL and API version.');
}

function networkError(err: unknown, target: ProbeTarget, host: string, timeoutMs: number): ConnectionError {
  const e = err as { code?: unknown; name?: unknown; event?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'unknown';
  const hostname = new URL(target.baseUrl).hostname;
  const loopback = isLoopbackHost(hostname);
  if (e?.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const phase = typeof e.event === 'string' && e.event !== 'request' ? ` (waiting for ${e.event})` : '';
    return new ConnectionError(E.timeout, `${host} did not answer within ${formatSeconds(timeoutMs)}${phase}`, 'Check the network, a proxy or firewall, and https://status.pipedrive.com; --timeout SECONDS waits longer.');
  }
  if (DNS_CODES.has(code)) {
    return new ConnectionError(
      E.hostUnresolvable,
      `cannot resolve the host \`${hostname}\` (${code === 'EAI_AGAIN' ? 'DNS lookup failed temporarily' : 'no such host'}, ${code})`,
      hostname.endsWith('.pipedrive.com') ? 'Check the company name in the URL (it is the first part of the address you use in the browser) and that this machine can reach the internet.' : 'Check the company URL and the DNS settings of this machine.',
    );
  }
  if (code === 'ECONNREFUSED') {
    return new ConnectionError(E.connectionRefused, `${host} refused the connection (ECONNREFUSED)`, loopback ? 'Is the sandbox running? Start it with `sluice sandbox pipedrive` and use the URL it prints.' : 'Check the company URL, and any proxy or firewall between this machine and Pipedrive.');
  }
  if (isTlsCode(code)) {
    return new ConnectionError(E.tls, `secure connection to ${host} failed: ${TLS_CODES[code] ?? 'TLS error'} (${code})`, loopback ? 'For a local http server, use an http:// URL with --allow-insecure.' : 'A proxy that intercepts TLS needs its certificate in NODE_EXTRA_CA_CERTS; otherwise check the company URL.');
  }
  const what = NETWORK_CODES[code] ?? 'the request failed';
  return new ConnectionError(E.network, `network error talking to ${host}: ${what} (${code})`, 'Check the network connection and try again.');
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
