// Metrics with real processes: the agent's /metrics (Prometheus text, no token on loopback) after
// runs against the sandbox that hit a 429, and `sluice run --metrics-file` for one run. The HTTP
// numbers are compared with what the sandbox itself counted.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { api, killAgents, project, startAgent } from './helpers.js';

let sb: Sandbox;

beforeEach(async () => {
  // "lite" allows 20 requests per rolling 2 s; the clock ticks so that a full window empties.
  sb = await startSandbox({ plan: 'lite', clock: 'ticking', persons: 40 });
});

afterEach(async () => {
  killAgents();
  await sb.close();
});

const sandboxEnv = () => ({ SLUICE_PIPEDRIVE_URL: sb.url, SLUICE_PIPEDRIVE_TOKEN: DEFAULT_SANDBOX_TOKEN, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1' });

/** The value of one sample (`name{labels}`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Uses up the sandbox's burst window with the same token, as another client of the company would. */
async function fillWindow(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${sb.url}/api/v1/users/me?api_token=${DEFAULT_SANDBOX_TOKEN}`);
    await r.arrayBuffer();
  }
}

describe('metrics', () => {
  it('the agent serves /metrics: runs by status, records by flow, HTTP requests, 429s, retries and waits by host', async () => {
    const p = project(
      {
        'in.jsonl': '{"id":1}\n{"id":2}\n',
        'persons.flow': 'flow persons {\n  source pipedrive.persons -> map { id: id, name: name } -> dest file.jsonl with path = "out/p.jsonl"\n}\n',
        'broken.flow': 'flow broken {\n  source file.jsonl with path = "missing.jsonl" -> dest file.jsonl with path = "out/b.jsonl"\n}\n',
      },
      sandboxEnv(),
    );
    const agent = await startAgent(p);
    expect((await p.sluice(['deploy', 'persons.flow'])).code).toBe(0);
    expect((await p.sluice(['deploy', 'broken.flow'])).code).toBe(0);

    await fillWindow();
    const before = sb.stats();
    // Straight from this process (no CLI start-up), while the window is still full.
    const run = await api(agent, 'POST', 'deployments/persons/run?wait=1');
    expect(run.json.run).toMatchObject({ status: 'succeeded', read: 40, written: 40 });
    const failed = await api(agent, 'POST', 'deployments/broken/run?wait=1');
    expect(failed.json.run.status).toBe('failed');
    const after = sb.stats();
    const tooMany = after.rateLimited - before.rateLimited;
    expect(tooMany).toBeGreaterThan(0);

    // No token needed (loopback); the API next to it still needs one.
    const res = await fetch(`${agent.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect((await fetch(`${agent.url}/api/status`)).status).toBe(401);

    const host = new URL(sb.url).host;
    expect(sample(text, 'sluice_runs_total{status="succeeded"}')).toBe(1);
    expect(sample(text, 'sluice_runs_total{status="failed"}')).toBe(1);
    expect(sample(text, 'sluice_runs_total{status="skipped"}')).toBe(0);
    expect(sample(text, 'sluice_records_read_total{flow="persons"}')).toBe(40);
    expect(sample(text, 'sluice_records_written_total{flow="persons"}')).toBe(40);
    expect(sample(text, 'sluice_records_rejected_total{flow="persons"}')).toBe(0);
    expect(sample(text, 'sluice_pages_total{flow="persons"}')).toBeGreaterThanOrEqual(1);
    // What the sandbox answered is what the agent counted.
    expect(sample(text, `sluice_http_requests_total{host="${host}"}`)).toBe(after.requests - before.requests);
    expect(sample(text, `sluice_http_429_total{host="${host}"}`)).toBe(tooMany);
    expect(sample(text, `sluice_http_retries_total{host="${host}"}`)).toBeGreaterThanOrEqual(tooMany);
    expect(sample(text, `sluice_rate_limit_wait_seconds_total{host="${host}"}`)).toBeGreaterThan(0);
    expect(sample(text, `sluice_daily_budget_left{host="${host}"}`)).toBeGreaterThan(0);
    expect(sample(text, 'sluice_runs_in_progress')).toBe(0);
    expect(sample(text, `sluice_http_requests_queued{host="${host}"}`)).toBe(0);
    expect(sample(text, 'sluice_deployments')).toBe(2);
    expect(text).toContain('# HELP sluice_runs_total ');
    expect(text).toContain('# TYPE sluice_http_429_total counter');
    // Not an API path: a wrong method is refused, the answer never holds a token.
    expect((await fetch(`${agent.url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect(text).not.toContain(DEFAULT_SANDBOX_TOKEN);
    expect(text).not.toContain(agent.token());
  });

  it("each run's details count its own HTTP requests, although the runs share the HTTP layer and overlap", async () => {
    await sb.close();
    sb = await startSandbox({ plan: 'unlimited', persons: 1600, deals: 1300, faults: { latencyMs: 40 } });
    const p = project(
      {
        'persons.flow': 'flow persons {\n  source pipedrive.persons -> map { id: id } -> dest file.jsonl with path = "out/p.jsonl"\n}\n',
        'deals.flow': 'flow deals {\n  source pipedrive.deals -> map { id: id } -> dest file.jsonl with path = "out/d.jsonl"\n}\n',
      },
      sandboxEnv(),
    );
    const agent = await startAgent(p);
    expect((await p.sluice(['deploy', 'persons.flow'])).code).toBe(0);
    expect((await p.sluice(['deploy', 'deals.flow'])).code).toBe(0);
    const before = sb.stats();
    const [a, b] = await Promise.all([api(agent, 'POST', 'deployments/persons/run?wait=1'), api(agent, 'POST', 'deployments/deals/run?wait=1')]);
    expect([a.json.run.status, b.json.run.status]).toEqual(['succeeded', 'succeeded']);
    const served = (what: string) =>
      Object.entries(sb.stats().byPath)
        .filter(([k]) => k.startsWith('GET ') && k.endsWith(`/${what}`))
        .reduce((n, [k, v]) => n + v - (before.byPath[k] ?? 0), 0);
    const pa = (await api(agent, 'GET', `runs/${a.json.run.run_id}`)).json.run;
    const pb = (await api(agent, 'GET', `runs/${b.json.run.run_id}`)).json.run;
    // They overlapped: each started before the other ended.
    expect(Date.parse(pa.started_at)).toBeLessThan(Date.parse(pb.finished_at));
    expect(Date.parse(pb.started_at)).toBeLessThan(Date.parse(pa.finished_at));
    // A run ends without waiting for a page it no longer needs (aborted, but sent: the server counts
    // it once its answer is due), so the sandbox's counts may still be catching up.
    await expect.poll(() => served('persons'), { timeout: 2000 }).toBe(pa.details.http.requests);
    await expect.poll(() => served('deals'), { timeout: 2000 }).toBe(pb.details.http.requests);
    expect(pa.details.http.requests + pb.details.http.requests).toBe(sb.stats().requests - before.requests);
    expect(pa.details.pages).toBeGreaterThan(1);
  });

  it('sluice run --metrics-file writes the same names for one run, atomically', async () => {
    const p = project(
      { 'persons.flow': 'flow persons {\n  source pipedrive.persons where limit = 10 -> map { id: id } -> dest file.jsonl with path = "out/p.jsonl"\n}\n' },
      sandboxEnv(),
    );
    const before = sb.stats();
    const r = await p.sluice(['run', 'persons.flow', '--metrics-file', 'metrics/run.prom']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--metrics-file metrics/run.prom: the folder');
    expect(sb.stats().requests).toBe(before.requests);

    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(p.dir, 'metrics'));
    const ok = await p.sluice(['run', 'persons.flow', '--metrics-file', 'metrics/run.prom']);
    expect(ok.code, ok.stderr).toBe(0);
    const text = readFileSync(join(p.dir, 'metrics', 'run.prom'), 'utf8');
    const after = sb.stats();
    const host = new URL(sb.url).host;
    expect(sample(text, 'sluice_runs_total{status="succeeded"}')).toBe(1);
    expect(sample(text, 'sluice_runs_total{status="failed"}')).toBe(0);
    expect(sample(text, 'sluice_records_read_total{flow="persons"}')).toBe(10);
    expect(sample(text, 'sluice_records_written_total{flow="persons"}')).toBe(10);
    // Both runs together sent what the sandbox saw; the second one's file holds only its own.
    expect(sample(text, `sluice_http_requests_total{host="${host}"}`)).toBeGreaterThan(0);
    expect(sample(text, `sluice_http_requests_total{host="${host}"}`)!).toBeLessThan(after.requests - before.requests + 1);
    // Nothing but the file is left in the folder (the temp file was renamed).
    expect(readdirSync(join(p.dir, 'metrics'))).toEqual(['run.prom']);
  });
});
