// OpenTelemetry traces from a real `sluice run` against the sandbox, received by a local OTLP/HTTP
// receiver that counts spans: one span per run, one per source page and one per HTTP request, all in
// the run's trace; and none at all without OTEL_EXPORTER_OTLP_ENDPOINT.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runSluice, tempDir } from '../helpers/cli.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let sb: Sandbox;
let receiver: Server;
let spans: OtlpSpan[];
let posts: { path: string; type: string | undefined }[];
let endpoint: string;

beforeEach(async () => {
  sb = await startSandbox({ plan: 'unlimited', persons: 120 });
  spans = [];
  posts = [];
  receiver = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', type: req.headers['content-type'] });
      const body = JSON.parse(text) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await sb.close();
  await new Promise((r) => receiver.close(r));
});

function setup() {
  const dir = tempDir('sluice-otel-');
  writeFileSync(join(dir, 'persons.flow'), 'source pipedrive.persons where limit = 120\n  -> map { id: id, name: name }\n  -> dest file.jsonl with path = "out.jsonl"\n');
  const env = { SLUICE_HOME: join(dir, '.sluice'), SLUICE_CONFIG_DIR: join(dir, 'config'), SLUICE_PIPEDRIVE_URL: sb.url, SLUICE_PIPEDRIVE_TOKEN: DEFAULT_SANDBOX_TOKEN, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1' };
  return { dir, env };
}

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

describe('OpenTelemetry traces', () => {
  it('a span per run, per page and per request, in one trace, when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const { dir, env } = setup();
    const before = sb.stats().requests;
    const r = await runSluice(['run', 'persons.flow', '--format', 'json'], { cwd: dir, env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'sluice-test' }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const requests = sb.stats().requests - before;
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((p) => p.path === '/v1/traces')).toBe(true);

    const runs = spans.filter((s) => s.name.startsWith('run '));
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(attr(run, 'sluice.status')).toBe('succeeded');
    expect(Number(attr(run, 'sluice.written'))).toBe(120);
    const pages = spans.filter((s) => s.name === 'page');
    const http = spans.filter((s) => s.name.startsWith('GET '));
    expect(pages.length).toBe(Number(attr(run, 'sluice.pages')));
    expect(pages.length).toBeGreaterThanOrEqual(1);
    // Every request the sandbox answered for this run (the custom-field check included) is a span.
    expect(http.length).toBe(requests);
    expect(http.some((s) => attr(s, 'url.path') === '/api/v2/persons')).toBe(true);
    expect(http.every((s) => Number(attr(s, 'http.response.status_code')) === 200)).toBe(true);
    for (const s of [...pages, ...http]) {
      expect(s.traceId).toBe(run.traceId);
      expect(s.parentSpanId).toBe(run.spanId);
    }
    expect(summary.written ?? summary.runs?.[0]?.written).toBeDefined();
  });

  it('sends nothing without the variable', async () => {
    const { dir, env } = setup();
    const r = await runSluice(['run', 'persons.flow'], { cwd: dir, env, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 300));
    expect(posts).toEqual([]);
  });
});
