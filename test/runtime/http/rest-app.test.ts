// The generic HTTP layer driven by a user's app definition alone: each kind of auth, parameters in
// headers and bodies, form bodies, page-number / next-URL / Link pagination and the app's error
// classes, against a real HTTP server on a loopback port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadUserApps } from '../../../src/apps/load.js';
import type { AppDef } from '../../../src/apps/types.js';
import { resolveAppConnection } from '../../../src/connections/app-connection.js';
import { ApiClient, ApiError, pages } from '../../../src/runtime/http/index.js';
import { clearLimiters } from '../../../src/runtime/http/limiter.js';
import { linkNext } from '../../../src/runtime/http/paginate.js';
import { placeParams, rejectsRecord } from '../../../src/runtime/http/placement.js';
import { tempDir } from '../../helpers/cli.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let seen: Seen[] = [];
let handler: (req: Seen, res: ServerResponse) => void = (_r, res) => res.end('[]');
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      res.setHeader('content-type', 'application/json');
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  clearLimiters();
});

/** An app folder with one app.json, loaded the way `--apps DIR` loads it. */
function app(http: object, actions: object[], fields: object = { base_url: { type: 'string', format: 'uri', required: true, help: 'URL' }, key: { type: 'string', required: true, secret: true, help: 'key' } }): AppDef {
  const dir = tempDir('sluice-rest-app-');
  mkdirSync(join(dir, 'rest'));
  writeFileSync(join(dir, 'rest', 'app.json'), JSON.stringify({ name: 'rest', help: 'A test API.', kind: 'http', connection: { fields }, http: { baseUrl: '{base_url}/api', envelope: { data: '' }, ...http }, actions }));
  return loadUserApps(dir)[0];
}
const list = { name: 'items', role: 'read', help: 'Items.', method: 'GET', path: '/items', record: { type: 'object' } };
const env = (extra: Record<string, string> = {}) => ({ SLUICE_CONFIG_DIR: tempDir(), SLUICE_REST_BASE_URL: base, SLUICE_REST_KEY: 'k-0123456789abcdef', ...extra });
const client = (a: AppDef, e = env()) => new ApiClient(a, resolveAppConnection(undefined, a, e), { retry: { baseDelayMs: 1, maxDelayMs: 2 } });

describe('auth from the definition', () => {
  it('sends an API key in a header, in the query, as a bearer token and as basic auth', async () => {
    const cases: [object, (s: Seen) => void][] = [
      [{ in: 'header', name: 'x-api-key', value: '{key}' }, (s) => expect(s.headers['x-api-key']).toBe('k-0123456789abcdef')],
      [{ in: 'query', name: 'apikey', value: '{key}' }, (s) => expect(s.url).toBe('/api/items?apikey=k-0123456789abcdef')],
      [{ type: 'bearer', token: '{key}' }, (s) => expect(s.headers.authorization).toBe('Bearer k-0123456789abcdef')],
      [{ type: 'basic', username: 'me', password: '{key}' }, (s) => expect(s.headers.authorization).toBe(`Basic ${Buffer.from('me:k-0123456789abcdef').toString('base64')}`)],
    ];
    for (const [auth, check] of cases) {
      seen = [];
      clearLimiters();
      const a = app({ auth: [auth] }, [list]);
      await client(a, env()).request({ method: 'GET', path: '/items', cost: null });
      check(seen[0]);
    }
  });

  it('fetches an OAuth2 client-credentials token once, and again after a 401', async () => {
    let issued = 0;
    handler = (s, res) => {
      if (s.url === '/oauth/token') {
        const form = new URLSearchParams(s.body);
        expect(form.get('grant_type')).toBe('client_credentials');
        expect(form.get('client_id')).toBe('cid');
        expect(form.get('client_secret')).toBe('k-0123456789abcdef');
        res.end(JSON.stringify({ access_token: `tok${++issued}`, expires_in: 3600 }));
      } else if (s.headers.authorization === 'Bearer tok1' && seen.filter((x) => x.url === '/api/items').length === 3) {
        res.statusCode = 401;
        res.end('{}');
      } else res.end('[]');
    };
    const a = app({ auth: [{ type: 'oauth2', grant: 'client_credentials', tokenUrl: '{base_url}/oauth/token', clientId: 'cid', clientSecret: '{key}' }] }, [list]);
    const c = client(a);
    for (let i = 0; i < 3; i++) await c.request({ method: 'GET', path: '/items', cost: null });
    expect(issued).toBe(2);
    expect(seen.filter((s) => s.url === '/api/items').map((s) => s.headers.authorization)).toEqual(['Bearer tok1', 'Bearer tok1', 'Bearer tok1', 'Bearer tok2']);
    handler = (_r, res) => res.end('[]');
  });

  it('exchanges a refresh token, the client authenticating with basic auth', async () => {
    handler = (s, res) => {
      if (s.url === '/oauth/token') {
        const form = new URLSearchParams(s.body);
        expect(form.get('grant_type')).toBe('refresh_token');
        expect(form.get('refresh_token')).toBe('r-token-abcdef');
        expect(s.headers.authorization).toBe(`Basic ${Buffer.from('cid:k-0123456789abcdef').toString('base64')}`);
        res.end(JSON.stringify({ access_token: 'fresh' }));
      } else res.end('[]');
    };
    const fields = { base_url: { type: 'string', format: 'uri', required: true, help: 'u' }, key: { type: 'string', required: true, secret: true, help: 'k' }, refresh_token: { type: 'string', required: true, secret: true, help: 'r' } };
    const a = app({ auth: [{ type: 'oauth2', grant: 'refresh_token', tokenUrl: '{base_url}/oauth/token', clientId: 'cid', clientSecret: '{key}', refreshToken: '{refresh_token}', clientAuth: 'basic' }] }, [list], fields);
    await client(a, env({ SLUICE_REST_REFRESH_TOKEN: 'r-token-abcdef' })).request({ method: 'GET', path: '/items', cost: null });
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer fresh');
    handler = (_r, res) => res.end('[]');
  });

  it('scrubs every secret of the connection from a server error it repeats', async () => {
    handler = (_s, res) => {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: 'bad key k-0123456789abcdef' }));
    };
    const a = app({ auth: [{ type: 'bearer', token: '{key}' }], envelope: { data: '', error: '/error' } }, [list]);
    const err = await client(a).request({ method: 'GET', path: '/items', cost: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as Error).message).not.toContain('k-0123456789abcdef');
    handler = (_r, res) => res.end('[]');
  });
});

describe('where parameters and bodies go', () => {
  it('splits values into query, headers and body as declared', () => {
    const action = { params: { q: { in: 'query' }, 'x_tenant': { in: 'header' }, filter: { in: 'body' } } } as never;
    expect(placeParams(action, { q: 'a', x_tenant: 't1', filter: 3, _sort: 'x' })).toEqual({ query: { q: 'a', _sort: 'x' }, headers: { x_tenant: 't1' }, body: { filter: 3 } });
  });

  it('sends a form body when asked', async () => {
    const a = app({ auth: [{ type: 'bearer', token: '{key}' }] }, [list]);
    await client(a).request({ method: 'POST', path: '/items', body: { name: 'A b', n: 2, tags: ['x', 'y'] }, form: true, cost: null });
    expect(seen[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0].body).toBe('name=A+b&n=2&tags=x&tags=y');
  });
});

describe('pagination kinds', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));
  const read = async (a: AppDef, style: string) => {
    const c = client(a);
    const action = { path: '/items', method: 'GET' as const, pagination: a.http!.pagination[style], extract: { pointer: '/data', shape: 'list' as const }, cost: null };
    const out: unknown[] = [];
    for await (const p of pages(c, action)) out.push(...p);
    return out;
  };

  it('page numbers, to the short page', async () => {
    handler = (s, res) => {
      const u = new URL(s.url, base);
      const page = Number(u.searchParams.get('page'));
      const size = Number(u.searchParams.get('per_page'));
      res.end(JSON.stringify({ data: items.slice((page - 1) * size, page * size) }));
    };
    const a = app({ auth: [{ type: 'bearer', token: '{key}' }], pagination: { p: { type: 'page', pageParam: 'page', limitParam: 'per_page', pageSizeMax: 3 } } }, [list]);
    expect(await read(a, 'p')).toEqual(items);
    expect(seen.map((s) => s.url)).toEqual(['/api/items?page=1&per_page=3', '/api/items?page=2&per_page=3', '/api/items?page=3&per_page=3']);
  });

  it('page numbers up to the total the answer gives', async () => {
    handler = (s, res) => {
      const page = Number(new URL(s.url, base).searchParams.get('page'));
      res.end(JSON.stringify({ data: items.slice((page - 1) * 3, page * 3), meta: { pages: 2 } }));
    };
    const a = app({ auth: [{ type: 'bearer', token: '{key}' }], pagination: { p: { type: 'page', pageParam: 'page', limitParam: 'per_page', pageSizeMax: 3, totalPages: ['/meta/pages'] } } }, [list]);
    expect(await read(a, 'p')).toEqual(items.slice(0, 6));
  });

  it('a next URL in the body, relative or absolute, carrying query auth again', async () => {
    handler = (s, res) => {
      const from = Number(new URL(s.url, base).searchParams.get('after') ?? 0);
      const next = from + 3 < items.length ? (from === 0 ? `/api/items?after=${from + 3}` : `${base}/api/items?after=${from + 3}`) : null;
      res.end(JSON.stringify({ data: items.slice(from, from + 3), links: { next } }));
    };
    const a = app({ auth: [{ in: 'query', name: 'key', value: '{key}' }], pagination: { n: { type: 'nextUrl', nextUrl: ['/links/next'] } } }, [list]);
    expect(await read(a, 'n')).toEqual(items);
    expect(seen.map((s) => s.url)).toEqual(['/api/items?key=k-0123456789abcdef', '/api/items?after=3&key=k-0123456789abcdef', '/api/items?after=6&key=k-0123456789abcdef']);
  });

  it('the Link header, and never a next page on another server', async () => {
    handler = (s, res) => {
      const page = Number(new URL(s.url, base).searchParams.get('_page'));
      if (page < 3) res.setHeader('link', `<${base}/api/items?_page=1>; rel="first", <${base}/api/items?_page=${page + 1}>; rel="next"`);
      res.end(JSON.stringify({ data: items.slice((page - 1) * 3, page * 3) }));
    };
    const a = app({ auth: [{ type: 'bearer', token: '{key}' }], pagination: { l: { type: 'link', firstParams: { _page: 1 } } } }, [list]);
    expect(await read(a, 'l')).toEqual(items);
    handler = (_s, res) => {
      res.setHeader('link', '<https://elsewhere.example/api/items?_page=2>; rel="next"');
      res.end(JSON.stringify({ data: [{ id: 1 }] }));
    };
    await expect(read(a, 'l')).rejects.toThrow(/another server/);
    expect(seen.at(-1)!.url).toBe('/api/items?_page=1');
  });

  it('reads rel=next among several links and parameters', () => {
    expect(linkNext('<https://a/x?p=2>; rel="next"; title="n", <https://a/x?p=9>; rel="last"')).toBe('https://a/x?p=2');
    expect(linkNext('<https://a/x?p=9>; rel=last')).toBeUndefined();
    expect(linkNext(undefined)).toBeUndefined();
  });
});

describe('error classes from the definition', () => {
  it('retries the statuses the app lists and no others', async () => {
    let n = 0;
    handler = (_s, res) => {
      res.statusCode = ++n < 3 ? 409 : 200;
      res.end('[]');
    };
    const a = app({ auth: [{ type: 'bearer', token: '{key}' }], errors: { retry: [409] } }, [list]);
    await client(a).request({ method: 'GET', path: '/items', cost: null });
    expect(n).toBe(3);
    n = 0;
    handler = (_s, res) => {
      n++;
      res.statusCode = 503;
      res.end('[]');
    };
    await expect(client(a).request({ method: 'GET', path: '/items', cost: null })).rejects.toThrow(/answered 503/);
    expect(n).toBe(1);
    handler = (_r, res) => res.end('[]');
  });

  it('rejects only the record for the statuses the app lists', () => {
    expect(rejectsRecord([422], 422)).toBe(true);
    expect(rejectsRecord([422], 400)).toBe(false);
    expect(rejectsRecord(null, 400)).toBe(true);
    expect(rejectsRecord(null, 401)).toBe(false);
    expect(rejectsRecord(null, 429)).toBe(false);
  });
});

describe('connections of a defined app', () => {
  it('refuses plain http to a host that is not loopback', () => {
    const a = app({ auth: [{ type: 'bearer', token: '{key}' }] }, [list]);
    expect(() => resolveAppConnection(undefined, a, env({ SLUICE_REST_BASE_URL: 'http://api.example.com' }))).toThrow(/unencrypted/);
  });
});
