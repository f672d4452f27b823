// The token must never come out of the HTTP layer: not in an error's message, hint, stack or
// properties, not in an event, whether it travels in the header or (fallback) in the query string,
// and not even when a server echoes it back in its error text.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, clearLimiters, encodeQuery, expandPath, type HttpEvent } from '../../../src/runtime/http/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { client, closedPort } from './helpers.js';

const WRONG = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ seed: 9, persons: 20, plan: 'ultimate' });
});
afterAll(() => sb.close());
beforeEach(() => {
  clearLimiters();
  sb.resetFaults();
});

/** Everything an error can show or a serialiser can reach. */
function everything(err: unknown, events: HttpEvent[]): string {
  const e = err as Error & Record<string, unknown>;
  return [String(e), e.message, e.stack, String(e.hint), JSON.stringify(e), JSON.stringify(Object.getOwnPropertyNames(e).map((k) => [k, String(e[k])])), inspect(e, { depth: 5, showHidden: true }), JSON.stringify(events)].join('\n');
}

describe('401', () => {
  it.each(['header', 'query'] as const)('a refused token (sent in the %s) gives a clear error that does not contain it', async (auth) => {
    const { client: c, events } = client(sb, { token: WRONG, auth });
    const err = await c.request({ method: 'GET', path: '/users/me', cost: 'get' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'SL6502', status: 401, attempts: 1, apiError: 'unauthorized access' });
    expect((err as Error).message).toBe(`GET /api/v1/users/me on ${new URL(sb.url).host} answered 401: unauthorized access`);
    expect((err as ApiError).hint).toContain('sluice connections test');
    expect(err).not.toHaveProperty('cause');
    expect(err).not.toHaveProperty('options');
    const all = everything(err, events);
    expect(all).not.toContain(WRONG);
    expect(all).not.toContain('api_token');
  });
});

it('the query fallback works, and its token stays out of events and errors', async () => {
  const { client: c, events } = client(sb, { auth: 'query' });
  expect((await c.request({ method: 'GET', path: '/users/me', cost: 'get' })).status).toBe(200);
  sb.failNext(500, 10);
  const err = await c.request({ method: 'GET', path: '/persons', query: { limit: 1 }, cost: 'list' }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'SL6507', status: 500 });
  const all = everything(err, events);
  expect(all).not.toContain(sb.token);
  expect(events.every((e) => !('path' in e) || !e.path.includes('?'))).toBe(true);
});

it('network errors carry a code, never the library’s message or options', async () => {
  const { client: c, events } = client({ url: `http://127.0.0.1:${await closedPort()}`, token: sb.token }, { auth: 'query', retry: { maxAttempts: 1 } });
  const err = await c.request({ method: 'GET', path: '/users/me', cost: 'get' }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'SL6504', failure: 'refused', errno: 'ECONNREFUSED' });
  expect(everything(err, events)).not.toContain(sb.token);
});

describe('a server that echoes the token', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, error: `bad token ${String(req.headers['x-api-token'])}`, error_info: `see ${String(req.url)}` }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('redacts it from the error text shown', async () => {
    const { client: c, events } = client({ url, token: sb.token }, { auth: 'query' });
    const err = await c.request({ method: 'GET', path: '/users/me', cost: 'get' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SL6501', status: 400 });
    expect((err as ApiError).apiErrorInfo).toContain('api_token=****');
    expect(everything(err, events)).not.toContain(sb.token);
    const h = client({ url, token: sb.token }).client;
    const err2 = await h.request({ method: 'GET', path: '/users/me', cost: 'get' }).catch((e: unknown) => e);
    expect((err2 as ApiError).apiError).toBe(`bad token ****${sb.token.slice(-4)}`);
  });
});

describe('building requests', () => {
  it('encodes queries as forms (like the official client) or percent-encoded, skipping null', () => {
    const q = { since_timestamp: '2026-01-01 00:00:00', term: 'a&b=c', ids: [1, 2], none: null, gone: undefined, flag: true };
    expect(encodeQuery(q, 'form')).toBe('since_timestamp=2026-01-01+00%3A00%3A00&term=a%26b%3Dc&ids=1&ids=2&flag=true');
    expect(encodeQuery(q, 'percent')).toBe('since_timestamp=2026-01-01%2000%3A00%3A00&term=a%26b%3Dc&ids=1&ids=2&flag=true');
  });

  it('fills path parameters, encoded, and refuses a missing one', () => {
    expect(expandPath('/leads/{id}', { id: 'a/b c' })).toBe('/leads/a%2Fb%20c');
    expect(() => expandPath('/persons/{id}', {})).toThrow(/`id`/);
  });

  it('refuses a path with a query in it: queries go through the encoder', async () => {
    const { client: c } = client(sb);
    await expect(c.request({ method: 'GET', path: '/persons?limit=1', cost: 'list' })).rejects.toThrow(RangeError);
  });
});
