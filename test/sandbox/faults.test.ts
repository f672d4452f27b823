// Faults: server errors, resets and malformed pages, reproducible from the seed and switchable
// at run time.
import { request } from 'node:http';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 5, plan: 'unlimited', persons: 30 });
});
afterAll(() => sb.close());
afterEach(() => sb.resetFaults());

async function statuses(s: Sandbox, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call(s, '/api/v1/users/me')).status);
  return out;
}

/** A raw request that reports a broken connection instead of throwing. */
function rawGet(s: Sandbox, path: string): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request(`${s.url}${path}`, { headers: { 'x-api-token': s.token }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('aborted', () => resolve({ status: res.statusCode, body, error: 'aborted' }));
      res.on('error', (e) => resolve({ status: res.statusCode, body, error: e.message }));
    });
    req.on('error', (e) => resolve({ body: '', error: e.message }));
    req.end();
  });
}

describe('fail rate', () => {
  it('answers a share of requests with 500/502/503, the same ones for the same seed', async () => {
    const twin = await startSandbox({ seed: 5, plan: 'unlimited', persons: 30, faults: { failRate: 0.3 } });
    const other = await startSandbox({ seed: 6, plan: 'unlimited', persons: 30, faults: { failRate: 0.3 } });
    try {
      sb.setFaults({ failRate: 0.3 });
      const [a, b, c] = [await statuses(sb, 60), await statuses(twin, 60), await statuses(other, 60)];
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
      const failed = a.filter((s) => s !== 200);
      expect(failed.length).toBeGreaterThan(8);
      expect(failed.length).toBeLessThan(30);
      expect(new Set(failed)).toEqual(new Set([500, 502, 503]));
      expect(sb.stats().faults.failed).toBe(failed.length);
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it('serves 502 as the gateway\'s HTML page and 500 in the JSON envelope', async () => {
    sb.failNext(502);
    sb.failNext(500);
    const gw = await call(sb, '/api/v1/users/me');
    expect(gw.status).toBe(502);
    expect(gw.headers.get('content-type')).toMatch(/^text\/html/);
    expect(gw.text).toContain('502 Bad Gateway');
    const ise = await call(sb, '/api/v1/users/me');
    expect(ise.status).toBe(500);
    expect(ise.json()).toMatchObject({ success: false, error: 'Internal server error' });
    expect((await call(sb, '/api/v1/users/me')).status).toBe(200);
  });

  it('does not apply a write that failed with a 5xx', async () => {
    const before = sb.data.persons.all().length;
    sb.failNext(503);
    const a = await call(sb, '/api/v1/persons', { method: 'POST', body: { name: 'Never' } });
    expect(a.status).toBe(503);
    expect(sb.data.persons.all().length).toBe(before);
  });
});

describe('resets and malformed pages', () => {
  it('cuts the connection half-way through the answer, after a write was applied', async () => {
    const before = sb.data.persons.all().length;
    sb.failNext('reset');
    const res = await new Promise<{ error?: string; body: string }>((resolve) => {
      const req = request(`${sb.url}/api/v1/persons`, { method: 'POST', headers: { 'x-api-token': sb.token, 'content-type': 'application/json' }, agent: false }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve({ body }));
        r.on('aborted', () => resolve({ body, error: 'aborted' }));
        r.on('error', (e) => resolve({ body, error: e.message }));
      });
      req.on('error', (e) => resolve({ body: '', error: e.message }));
      req.end(JSON.stringify({ name: 'Applied But Unknown' }));
    });
    expect(res.error).toBeDefined();
    expect(() => JSON.parse(res.body)).toThrow();
    expect(sb.data.persons.all().length).toBe(before + 1);
    expect(sb.stats().faults.reset).toBeGreaterThanOrEqual(1);
  });

  it('makes fetch fail on a reset page', async () => {
    sb.failNext('reset');
    await expect(call(sb, '/api/v1/persons', { query: { limit: 30 } })).rejects.toThrow();
    expect((await call(sb, '/api/v1/persons', { query: { limit: 30 } })).status).toBe(200);
  });

  it('serves a 200 page whose JSON is cut short', async () => {
    sb.setFaults({ malformedRate: 1 });
    const a = await rawGet(sb, '/api/v1/persons?limit=30');
    expect(a.status).toBe(200);
    expect(a.error).toBeUndefined();
    expect(a.body.startsWith('{"success":true,"data":[')).toBe(true);
    expect(() => JSON.parse(a.body)).toThrow();
    // Writes are never answered with a malformed body.
    const w = await call(sb, '/api/v1/persons', { method: 'POST', body: { name: 'Fine' } });
    expect(w.status).toBe(201);
    expect(w.json().data.name).toBe('Fine');
  });

  it('hits the same requests with malformed pages for the same seed', async () => {
    const run = async (s: Sandbox): Promise<boolean[]> => {
      s.setFaults({ malformedRate: 0.25 });
      const out: boolean[] = [];
      for (let i = 0; i < 24; i++) {
        const a = await call(s, '/api/v1/users/me');
        out.push(a.text.endsWith('}'));
      }
      return out;
    };
    const twin = await startSandbox({ seed: 5, plan: 'unlimited', persons: 30 });
    try {
      const a = await run(sb);
      const b = await run(twin);
      expect(b).toEqual(a);
      expect(a.filter((ok) => !ok).length).toBeGreaterThan(0);
    } finally {
      await twin.close();
    }
  });
});

describe('latency', () => {
  it('adds the configured latency, and can be switched off again', async () => {
    sb.setFaults({ latencyMs: 120 });
    let t = performance.now();
    await call(sb, '/api/v1/users/me');
    expect(performance.now() - t).toBeGreaterThanOrEqual(115);
    sb.setFaults({ latencyMs: 0 });
    t = performance.now();
    await call(sb, '/api/v1/users/me');
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('refuses rates outside 0..1', () => {
    expect(() => sb.setFaults({ failRate: 1.5 })).toThrow(/failRate/);
  });
});
