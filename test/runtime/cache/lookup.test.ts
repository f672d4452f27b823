import { writeFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LookupCache, connectionFingerprint, lookupCache, lookupKey } from '../../../src/runtime/cache/lookup.js';
import { clearCache } from '../../../src/runtime/cache/diskCache.js';
import { cacheDir, generationFile } from '../../../src/runtime/cache/paths.js';
import { Secret } from '../../../src/connections/secret.js';
import { tempDir } from '../../helpers/cli.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';

function fakeClock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('lookup keys', () => {
  const conn = connectionFingerprint({ baseUrl: 'https://acme.pipedrive.com/', apiVersion: 'v1', token: new Secret(TOKEN) });

  it('name the connection by a fingerprint, never by the token', () => {
    expect(conn).toMatch(/^https:\/\/acme\.pipedrive\.com\|v1\|[0-9a-f]{16}$/);
    expect(conn).not.toContain(TOKEN);
    expect(conn).not.toContain(TOKEN.slice(-8));
    // Another token (another user) sees other data: another key.
    expect(connectionFingerprint({ baseUrl: 'https://acme.pipedrive.com', apiVersion: 'v1', token: new Secret('f'.repeat(40)) })).not.toBe(conn);
    expect(connectionFingerprint({ baseUrl: 'http://127.0.0.1:4010' })).toBe('http://127.0.0.1:4010||anonymous');
  });

  it('sort the query, drop undefined and credential parameters, keep list order', () => {
    const a = lookupKey({ connection: conn, method: 'get', path: '/v1/persons/search', query: { term: 'Ann', fields: 'email', start: undefined } });
    const b = lookupKey({ connection: conn, method: 'GET', path: '/v1/persons/search', query: { fields: 'email', term: 'Ann', api_token: TOKEN } });
    expect(a).toBe(b);
    expect(b).not.toContain(TOKEN);
    expect(lookupKey({ connection: conn, method: 'GET', path: '/p', query: { ids: [1, 2] } })).not.toBe(lookupKey({ connection: conn, method: 'GET', path: '/p', query: { ids: [2, 1] } }));
    expect(lookupKey({ connection: conn, method: 'GET', path: '/p', query: { a: 1 } })).not.toBe(lookupKey({ connection: conn, method: 'GET', path: '/p', query: { a: '1 ' } }));
    expect(lookupKey({ connection: conn, method: 'GET', path: '/p' })).not.toBe(lookupKey({ connection: conn, method: 'GET', path: '/q' }));
  });
});

describe('LookupCache', () => {
  it('expires entries after the TTL, counted from when they were stored', () => {
    const c = fakeClock();
    const cache = new LookupCache<string | null>({ ttlMs: 1000, now: c.now });
    cache.set('k', 'v');
    cache.set('none', null);
    c.advance(600);
    expect(cache.get('k')).toBe('v');
    // Reading does not refresh it: the data behind it ages all the same.
    c.advance(500);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.has('none')).toBe(false);
    cache.set('short', 'x', 10);
    c.advance(11);
    expect(cache.get('short')).toBeUndefined();
  });

  it('holds null (nothing found) as a value, distinct from a miss', () => {
    const cache = new LookupCache<string | null>();
    cache.set('none', null);
    expect(cache.get('none')).toBeNull();
    expect(cache.get('other')).toBeUndefined();
    expect(() => cache.set('u', undefined as unknown as null)).toThrow('undefined');
  });

  it('evicts the least recently used beyond max, counts hits and misses, and clears', () => {
    const cache = new LookupCache<number>({ max: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBe(3);
    expect(cache.stats()).toEqual({ entries: 2, max: 2, ttlMs: 300_000, hits: 2, misses: 1, loads: 0, hitRate: 2 / 3 });
    expect(cache.clear()).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 0, hits: 2, misses: 2 });
  });

  it('clear() counts only live entries', () => {
    const c = fakeClock();
    const cache = new LookupCache<number>({ ttlMs: 100, now: c.now });
    cache.set('a', 1);
    c.advance(50);
    cache.set('b', 2);
    c.advance(60);
    expect(cache.clear()).toBe(1);
  });

  it('getOrLoad shares one load between concurrent asks and does not cache failures', async () => {
    const cache = new LookupCache<string>();
    let calls = 0;
    let release!: (v: string) => void;
    const load = () => {
      calls++;
      return new Promise<string>((r) => (release = r));
    };
    const a = cache.getOrLoad('k', load);
    const b = cache.getOrLoad('k', load);
    release('v');
    expect(await Promise.all([a, b])).toEqual(['v', 'v']);
    expect(calls).toBe(1);
    expect(await cache.getOrLoad('k', load)).toBe('v');
    expect(calls).toBe(1);
    expect(cache.stats()).toMatchObject({ loads: 1, misses: 1, hits: 2 });

    await expect(cache.getOrLoad('bad', () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    expect(await cache.getOrLoad('bad', () => 'ok')).toBe('ok');
  });

  it('a load that began before clear() does not refill the cache', async () => {
    const cache = new LookupCache<string>();
    let release!: (v: string) => void;
    const p = cache.getOrLoad('k', () => new Promise<string>((r) => (release = r)));
    cache.clear();
    release('old');
    expect(await p).toBe('old');
    expect(cache.get('k')).toBeUndefined();
  });

  it('follows `sluice cache clear` from another process through the generation file', () => {
    const home = tempDir();
    mkdirSync(cacheDir(home), { recursive: true });
    const c = fakeClock();
    const cache = new LookupCache<number>({ now: c.now }).watch(home);
    cache.set('a', 1);
    writeFileSync(generationFile(home), 'another generation');
    // Checked at most once a second: right away the entry is still served.
    expect(cache.get('a')).toBe(1);
    c.advance(1001);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 2);
    c.advance(1001);
    expect(cache.get('a')).toBe(2);
    // And clearCache itself bumps the generation (the other process is simulated by `cache`).
    clearCache(home, { lookup: new LookupCache() });
    c.advance(1001);
    expect(cache.get('a')).toBeUndefined();
  });

  it('lookupCache() is one instance per process', () => {
    expect(lookupCache()).toBe(lookupCache());
  });

  it('refuses nonsense sizes', () => {
    expect(() => new LookupCache({ max: 0 })).toThrow('max');
    expect(() => new LookupCache({ ttlMs: -1 })).toThrow('ttlMs');
  });
});
