// "Validate" from the seed's credential panel: one or two cheap requests that tell whether the
// company URL, API version and token work together, and if not, which of them is wrong.
//
// Requests:
//  - `GET {base}/api/v1/users/me` gives the user and company the token belongs to (Pipedrive's
//    documented way to test a connection). Users stay on v1 (PIPEDRIVE.md): there is no
//    `/api/v2/users/me`, so probing `/api/{version}/users/me` would fail every v2 connection.
//  - For v2, `GET {base}/api/v2/persons?limit=1` then checks that the server serves v2 at all.
//
// They go through the runtime's HTTP client (runtime/http), so through the same rate limiter as a
// run on that company and token: testing a connection while flows run on it (the agent's panel)
// cannot push the company over its limit, and a 429 the test meets pauses the runs too. The client
// puts the token in the `x-api-token` header only and follows no redirect (the header would follow
// it to another host). No retries: a 401 will not change, and hammering a rate-limited token makes
// things worse. Every failure becomes a ConnectionError built from the host, a status or an error
// code, so the answer says which of URL, version and token to fix.
import type { AppDef } from '../../apps/types.js';
import { CONNECTION_ERRORS as E, ConnectionError } from '../../connections/errors.js';
import type { ResolvedConnection } from '../../connections/resolve.js';
import { redact, type Secret } from '../../connections/secret.js';
import { isLoopbackHost, type ApiVersion } from '../../connections/validate-input.js';
import type { ApiClient, ClientOptions } from '../http/client.js';
import { ApiError, MalformedResponseError, NetworkError } from '../http/errors.js';

export interface ProbeTarget {
  /** Normalised company URL, no trailing slash. */
  baseUrl: string;
  apiVersion: ApiVersion;
  token: Secret;
  /** The company's rate-limit plan, when known (else the app's default pacing, corrected by the headers). */
  plan?: string;
}

export interface ProbeOptions {
  /** Timeout of each request, in milliseconds (connecting, waiting for the answer, and in all). */
  timeoutMs?: number;
  /** Replaces DNS resolution (tests); same shape as `dns.lookup`. */
  dnsLookup?: ClientOptions['dnsLookup'];
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

/** One request of the probe: the version it goes to, its path under it, and how it is shown. */
interface Probe {
  version: 'v1' | 'v2';
  path: string;
  query?: Record<string, number>;
  shown: string;
}

const ME: Probe = { version: 'v1', path: '/users/me', shown: '/api/v1/users/me' };
const V2: Probe = { version: 'v2', path: '/persons', query: { limit: 1 }, shown: `/${V2_PROBE_PATH}` };

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

export async function probeConnection(target: ProbeTarget, options: ProbeOptions = {}): Promise<ProbeResult> {
  // Loaded here, not at the top, so that modules importing only the types stay light (`sluice check`).
  const [{ loadRegistry }, { ApiClient }] = await Promise.all([import('../../apps/registry.js'), import('../http/client.js')]);
  const app = loadRegistry().app('pipedrive');
  if (!app) throw new RangeError('the pipedrive app is missing from the standard library');
  const client = new ApiClient(app, asConnection(app, target), clientOptions(options));
  const started = Date.now();
  const checked: string[] = [];

  const me = await request(client, target, ME, options);
  checked.push(ME.shown);
  const data = (me as { data?: Record<string, unknown> }).data ?? {};
  if (target.apiVersion !== 'v1') {
    await request(client, target, V2, options);
    checked.push(V2.shown);
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

/** The target as the HTTP client knows a connection: not saved (yet), so named after its host. */
function asConnection(app: AppDef, target: ProbeTarget): ResolvedConnection {
  return {
    name: new URL(target.baseUrl).host,
    app: app.name,
    baseUrl: target.baseUrl,
    apiVersion: target.apiVersion,
    token: target.token,
    tokenSource: { kind: 'env', variable: 'the connection being tested' },
    origin: 'env',
    ...(target.plan !== undefined ? { plan: target.plan } : {}),
  };
}

function clientOptions(options: ProbeOptions): ClientOptions {
  const t = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  return {
    timeouts: { connectMs: t, responseMs: t, requestMs: t },
    // One attempt and no 429 waited out: the probe reports, a person decides whether to try again.
    retry: { maxAttempts: 1, max429: 0 },
    userAgent: options.userAgent ?? 'sluice (connection test)',
    ...(options.dnsLookup ? { dnsLookup: options.dnsLookup } : {}),
  };
}

/** One GET; answers the parsed JSON body of a Pipedrive success, or throws a ConnectionError. */
async function request(client: ApiClient, target: ProbeTarget, probe: Probe, options: ProbeOptions): Promise<unknown> {
  const host = client.host;
  // Messages name the path without its query, as every error of the HTTP layer does.
  const shownPath = probe.shown.replace(/\?.*$/, '');
  let body: unknown;
  try {
    body = (await client.request({ method: 'GET', path: probe.path, ...(probe.query ? { query: probe.query } : {}), cost: 'get', version: probe.version })).body;
  } catch (err) {
    if (err instanceof ApiError) throw refused(err, target, host, shownPath);
    if (err instanceof MalformedResponseError) throw notPipedrive(target, host, shownPath, err.status);
    if (err instanceof NetworkError) throw networkError(err, target, host, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
    throw err;
  }
  if (typeof body === 'object' && body !== null && (body as { success?: unknown }).success === true) return body;
  throw notPipedrive(target, host, shownPath, 200);
}

function notPipedrive(target: ProbeTarget, host: string, shownPath: string, status: number): ConnectionError {
  return new ConnectionError(E.unexpectedResponse, `${host} answered ${shownPath} with ${status} but not with Pipedrive's JSON`, `Check that the company URL is your Pipedrive address (${target.baseUrl}).`);
}

/** A final answer other than success, as the connection test words it. */
function refused(err: ApiError, target: ProbeTarget, host: string, shownPath: string): ConnectionError {
  const status = err.status;
  // The client has already redacted the server's text; shortened here to fit one line.
  const said = err.apiError ? ` ("${redact(err.apiError.slice(0, 120), [target.token])}")` : '';
  if (status === 401) {
    return new ConnectionError(
      E.tokenRejected,
      `the API token was not accepted by ${host} (401${said})`,
      `Check that the token ending in ${target.token.masked} is current and belongs to a user of this company: Pipedrive shows it under your user menu > Personal preferences > API.`,
    );
  }
  if (status === 404) {
    const version = shownPath.startsWith('/api/v2/') ? 'v2' : 'v1';
    return new ConnectionError(
      E.versionNotServed,
      `${host} does not serve API ${version}: ${shownPath} answered 404${said}`,
      version !== 'v1' && target.apiVersion !== 'v1' ? 'Try --api-version v1, or check the company URL.' : 'Check the company URL: it should be the address of your Pipedrive company.',
    );
  }
  if (status >= 300 && status < 400) {
    const where = err.redirectedTo !== undefined ? ` to ${new URL(err.redirectedTo).host}` : '';
    return new ConnectionError(E.unexpectedResponse, `${host} redirected ${shownPath}${where} (${status}) instead of answering`, 'Check the company URL: it should be the address of your Pipedrive company, with https.');
  }
  if (status === 402) {
    return new ConnectionError(E.unexpectedResponse, `${host} answered 402 payment required${said}`, "The company's Pipedrive subscription may have lapsed; an admin can check it under Billing.");
  }
  if (status === 403) {
    return new ConnectionError(E.unexpectedResponse, `${host} refused access (403)${said}`, 'The user may lack API access, or Pipedrive blocked the client after too many requests; try again in a few minutes.');
  }
  if (status === 429) {
    const wait = err.retryAfterMs !== undefined ? ` in ${formatSeconds(Math.ceil(err.retryAfterMs / 1000) * 1000)}` : ' shortly';
    return new ConnectionError(E.unexpectedResponse, `${host} is rate limiting this token (429)`, `Try again${wait}; another integration may be using the same token heavily.`);
  }
  if (status >= 500) {
    return new ConnectionError(E.unexpectedResponse, `${host} had a server error (${status})${said}`, 'This is on the server side; try again later.');
  }
  return new ConnectionError(E.unexpectedResponse, `${host} answered ${shownPath} with ${status}${said}`, 'Check the company URL and API version.');
}

function networkError(err: NetworkError, target: ProbeTarget, host: string, timeoutMs: number): ConnectionError {
  const code = err.errno;
  const hostname = new URL(target.baseUrl).hostname;
  const loopback = isLoopbackHost(hostname);
  if (err.failure === 'timeout') {
    return new ConnectionError(E.timeout, `${host} did not answer within ${formatSeconds(timeoutMs)}`, 'Check the network, a proxy or firewall, and https://status.pipedrive.com; --timeout SECONDS waits longer.');
  }
  if (err.failure === 'dns') {
    return new ConnectionError(
      E.hostUnresolvable,
      `cannot resolve the host \`${hostname}\` (${code === 'EAI_AGAIN' ? 'DNS lookup failed temporarily' : 'no such host'}, ${code})`,
      hostname.endsWith('.pipedrive.com') ? 'Check the company name in the URL (it is the first part of the address you use in the browser) and that this machine can reach the internet.' : 'Check the company URL and the DNS settings of this machine.',
    );
  }
  if (err.failure === 'refused') {
    return new ConnectionError(E.connectionRefused, `${host} refused the connection (ECONNREFUSED)`, loopback ? 'Is the sandbox running? Start it with `sluice sandbox pipedrive` and use the URL it prints.' : 'Check the company URL, and any proxy or firewall between this machine and Pipedrive.');
  }
  if (err.failure === 'tls') {
    return new ConnectionError(E.tls, `secure connection to ${host} failed: ${TLS_CODES[code] ?? 'TLS error'} (${code})`, loopback ? 'For a local http server, use an http:// URL with --allow-insecure.' : 'A proxy that intercepts TLS needs its certificate in NODE_EXTRA_CA_CERTS; otherwise check the company URL.');
  }
  const what = NETWORK_CODES[code] ?? 'the request failed';
  return new ConnectionError(E.network, `network error talking to ${host}: ${what} (${code})`, 'Check the network connection and try again.');
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
