// Probe behaviours against a tiny local server: what the connection test reports for each answer or
// failure, and that none of its errors carries the token, however it is printed.
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeConnection, type ProbeTarget } from '../../../src/runtime/probe/connection.js';
import { ConnectionError } from '../../../src/connections/errors.js';
import { Secret } from '../../../src/connections/secret.js';
import { clearLimiters } from '../../../src/runtime/http/limiter.js';
import { tempDir } from '../../helpers/cli.js';

const TOKEN = 'c0ffee0123456789abcdef0123456789abcd1234';
const UNAUTHORIZED = { success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' };
const ME = { success: true, data: { id: 7, name: 'Ada Admin', email: 'ada@acme.test', company_id: 42, company_name: 'Acme Ltd', company_domain: 'acme' } };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const seen: { url: string; token?: string }[] = [];
let handler: Handler = () => {};
let server: Server;
let base = '';

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', token: req.headers['x-api-token'] as string | undefined });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
// Each case starts with a fresh limiter: a 429 one case provokes pauses the limiter of its company
// and token, which would hold up the next case for the reset time.
beforeEach(() => clearLimiters());
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const target = (over: Partial<ProbeTarget> = {}): ProbeTarget => ({ baseUrl: base, apiVersion: 'v1', token: new Secret(TOKEN), ...over });

/** Every way an error might get printed, none of which may show the token. */
function expectNoToken(err: unknown): void {
  const e = err as ConnectionError;
  const views = [e.message, e.hint ?? '', String(e), e.stack ?? '', inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e), JSON.stringify(Object.getOwnPropertyNames(e).map((k) => (e as never)[k]))];
  for (const v of views) expect(v).not.toContain(TOKEN);
  expect(e.cause).toBeUndefined();
}

async function failure(p: Promise<unknown>): Promise<ConnectionError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectionError);
    expectNoToken(err);
    return err as ConnectionError;
  }
  throw new Error('expected the probe to fail');
}

describe('probeConnection', () => {
  it('v1: GET /api/v1/users/me with the token in the x-api-token header only', async () => {
    seen.length = 0;
    handler = (req, res) => (req.url === '/api/v1/users/me' ? json(res, 200, ME) : json(res, 404, {}));
    const r = await probeConnection(target());
    expect(r.user).toEqual({ id: 7, name: 'Ada Admin', email: 'ada@acme.test' });
    expect(r.company).toEqual({ id: 42, name: 'Acme Ltd', domain: 'acme' });
    expect(r.checked).toEqual(['/api/v1/users/me']);
    expect(seen).toEqual([{ url: '/api/v1/users/me', token: TOKEN }]);
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it('v2: the user from /api/v1/users/me, then /api/v2/persons?limit=1 to check v2 is served', async () => {
    seen.length = 0;
    handler = (req, res) =>
      req.url === '/api/v1/users/me' ? json(res, 200, ME) : req.url === '/api/v2/persons?limit=1' ? json(res, 200, { success: true, data: [], additional_data: { next_cursor: null } }) : json(res, 404, {});
    const r = await probeConnection(target({ apiVersion: 'v2' }));
    expect(r.checked).toEqual(['/api/v1/users/me', '/api/v2/persons?limit=1']);
    expect(seen.map((s) => s.url)).toEqual(['/api/v1/users/me', '/api/v2/persons?limit=1']);
    expect(seen.every((s) => s.token === TOKEN)).toBe(true);
  });

  it('401: "the API token was not accepted by HOST", with the masked token in the hint', async () => {
    seen.length = 0;
    handler = (_req, res) => json(res, 401, UNAUTHORIZED);
    const e = await failure(probeConnection(target()));
    expect(e.code).toBe('SL5021');
    expect(e.message).toBe(`the API token was not accepted by ${base.replace('http://', '')} (401 ("unauthorized access"))`);
    expect(e.hint).toContain('****1234');
    expect(seen).toHaveLength(1); // no retry
  });

  it('404 for the v2 check: the version is not served', async () => {
    handler = (req, res) => (req.url === '/api/v1/users/me' ? json(res, 200, ME) : json(res, 404, { success: false, error: 'Unknown method .' }));
    const e = await failure(probeConnection(target({ apiVersion: 'v2' })));
    expect(e.code).toBe('SL5011');
    expect(e.message).toMatch(/does not serve API v2: \/api\/v2\/persons answered 404/);
    expect(e.hint).toContain('--api-version v1');
  });

  it('404 for v1', async () => {
    handler = (_req, res) => json(res, 404, {});
    const e = await failure(probeConnection(target()));
    expect(e.code).toBe('SL5011');
    expect(e.message).toMatch(/does not serve API v1: \/api\/v1\/users\/me answered 404/);
  });

  it('does not follow redirects (the token header would follow them)', async () => {
    seen.length = 0;
    handler = (_req, res) => {
      res.writeHead(302, { location: 'https://elsewhere.test/login' });
      res.end();
    };
    const e = await failure(probeConnection(target()));
    expect(e.code).toBe('SL5034');
    expect(e.message).toContain('redirected /api/v1/users/me to elsewhere.test (302)');
    expect(seen).toHaveLength(1);
  });

  it.each([
    [200, 'text/html', '<html>login</html>', /not with Pipedrive's JSON/],
    [500, 'application/json', '{"success":false,"error":"boom"}', /server error \(500\) \("boom"\)/],
    [402, 'application/json', '{"success":false,"error":"Payment required"}', /402 payment required/],
    [403, 'text/html', '<html>blocked</html>', /refused access \(403\)/],
    [429, 'application/json', '{"success":false,"error":"request over limit","errorCode":429}', /rate limiting this token \(429\)/],
    [418, 'text/plain', 'teapot', /answered \/api\/v1\/users\/me with 418/],
  ])('%s %s: an unexpected-response error', async (status, type, body, message) => {
    handler = (_req, res) => {
      res.writeHead(status, { 'content-type': type, 'x-ratelimit-reset': '2' });
      res.end(body);
    };
    const e = await failure(probeConnection(target()));
    expect(e.code).toBe('SL5034');
    expect(e.message).toMatch(message);
  });

  it('429: says how long the server asked to wait, and waits for nothing itself', async () => {
    seen.length = 0;
    handler = (_req, res) => json(res, 429, { success: false, error: 'request over limit', errorCode: 429 }, { 'retry-after': '7' });
    const e = await failure(probeConnection(target()));
    expect(e.hint).toContain('Try again in 7 s');
    expect(seen).toHaveLength(1);
  });

  it('redacts a server that echoes the token back in its error', async () => {
    handler = (req, res) => json(res, 500, { success: false, error: `bad token ${String(req.headers['x-api-token'])}` });
    const e = await failure(probeConnection(target()));
    expect(e.message).toContain('****1234');
  });

  it('timeout: names the host and the time waited', async () => {
    handler = () => {}; // never answers
    const e = await failure(probeConnection(target(), { timeoutMs: 300 }));
    expect(e.code).toBe('SL5031');
    expect(e.message).toBe(`${base.replace('http://', '')} did not answer within 0.3 s`);
  });

  it('connection refused: names the host, and the sandbox for a loopback URL', async () => {
    const port = await freePort();
    const e = await failure(probeConnection(target({ baseUrl: `http://127.0.0.1:${port}` })));
    expect(e.code).toBe('SL5030');
    expect(e.message).toBe(`127.0.0.1:${port} refused the connection (ECONNREFUSED)`);
    expect(e.hint).toContain('sluice sandbox pipedrive');
  });

  it('unresolvable host: its own message (the .invalid TLD never resolves)', async () => {
    const e = await failure(probeConnection(target({ baseUrl: 'https://nosuchcompany.invalid' })));
    expect(e.code).toBe('SL5005');
    expect(e.message).toMatch(/^cannot resolve the host `nosuchcompany.invalid` \(.*(ENOTFOUND|EAI_AGAIN)\)$/);
  });

  it('unresolvable pipedrive.com company (through a resolver that fails, as offline)', async () => {
    const dnsLookup = (hostname: string, _o: object, cb: (...a: unknown[]) => void) => {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      process.nextTick(() => cb(err));
    };
    const e = await failure(probeConnection(target({ baseUrl: 'https://nosuchcompany.pipedrive.com' }), { dnsLookup }));
    expect(e.code).toBe('SL5005');
    expect(e.message).toContain('`nosuchcompany.pipedrive.com` (no such host, ENOTFOUND)');
    expect(e.hint).toContain('company name');
  });

  it('TLS: https to a server that does not speak TLS', async () => {
    handler = (_req, res) => json(res, 200, ME);
    const e = await failure(probeConnection(target({ baseUrl: base.replace('http:', 'https:') })));
    expect(e.code).toBe('SL5032');
    expect(e.message).toMatch(/^secure connection to 127\.0\.0\.1:\d+ failed: .*\((EPROTO|ERR_SSL_[A-Z_]+)\)$/);
  });

  it('TLS: a self-signed certificate', async (ctx) => {
    const cert = selfSignedCert();
    if (!cert) return ctx.skip();
    const tls = createHttpsServer(cert, (_req, res) => json(res, 200, ME));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const port = (tls.address() as { port: number }).port;
      const e = await failure(probeConnection(target({ baseUrl: `https://127.0.0.1:${port}` })));
      expect(e.code).toBe('SL5032');
      expect(e.message).toContain('self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    } finally {
      tls.close();
    }
  });

  it('network error mid-request: connection reset', async () => {
    handler = (req) => req.socket.destroy();
    const e = await failure(probeConnection(target()));
    expect(['SL5033']).toContain(e.code);
    expect(e.message).toMatch(/network error talking to 127\.0\.0\.1:\d+: .*\(ECONNRESET\)/);
  });
});

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function selfSignedCert(): { key: Buffer; cert: Buffer } | undefined {
  const dir = tempDir('sluice-cert-');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } catch {
    return undefined;
  }
}
