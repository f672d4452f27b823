// OpenTelemetry traces, when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set: a span per run, a child span per source page and per HTTP request, sent over OTLP/HTTP. The
// OpenTelemetry packages are imported only then, so that every other start of `sluice` stays fast;
// without the variable each function here is a no-op.
//
// Spans are parented explicitly (the run's span is kept in an AsyncLocalStorage, which the HTTP
// layer's events run in), so no global context manager is installed.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import type { HttpEvent } from './http/client.js';

interface Otel {
  api: typeof import('@opentelemetry/api');
  tracer: Tracer;
  shutdown(): Promise<void>;
}

let otel: Otel | null = null;
const runSpan = new AsyncLocalStorage<Span>();

/** Whether traces are asked for by the environment. */
export const tracingWanted = (env: Record<string, string | undefined>): boolean => Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);

/** The OTLP/HTTP traces URL the environment names (the signal path is added to the base endpoint). */
export function tracesUrl(env: Record<string, string | undefined>): string | null {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : null;
}

/** Starts exporting traces when the environment asks for them; idempotent. */
export async function startTracing(env: Record<string, string | undefined>, serviceName = 'sluice'): Promise<boolean> {
  const url = tracesUrl(env);
  if (!url) return false;
  if (otel) return true;
  // CommonJS packages: bundled, their exports may sit under `default`.
  const [api, base, exporter, resources] = await Promise.all([
    import('@opentelemetry/api').then((m) => cjs(m, 'trace')),
    import('@opentelemetry/sdk-trace-base').then((m) => cjs(m, 'BasicTracerProvider')),
    import('@opentelemetry/exporter-trace-otlp-http').then((m) => cjs(m, 'OTLPTraceExporter')),
    import('@opentelemetry/resources').then((m) => cjs(m, 'resourceFromAttributes')),
  ]);
  const provider = new base.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || serviceName }),
    spanProcessors: [new base.BatchSpanProcessor(new exporter.OTLPTraceExporter({ url }))],
  });
  otel = { api, tracer: provider.getTracer('sluice'), shutdown: () => provider.shutdown() };
  return true;
}

function cjs<T extends object>(m: T, name: string): T {
  return name in m ? m : ((m as { default?: T }).default ?? m);
}

/** Sends the spans not sent yet and stops (before the process exits). */
export async function shutdownTracing(): Promise<void> {
  const o = otel;
  otel = null;
  await o?.shutdown().catch(() => undefined);
}

/** Runs `fn` inside a run's span (named after the flow); `end` gives the span's final attributes. */
export async function traceRun<T>(flow: string, attrs: Attributes, fn: () => Promise<T>, end: (result: T) => { attrs: Attributes; error?: string }): Promise<T> {
  if (!otel) return fn();
  const span = otel.tracer.startSpan(`run ${flow}`, { attributes: { 'sluice.flow': flow, ...attrs } });
  try {
    const result = await runSpan.run(span, fn);
    const e = end(result);
    span.setAttributes(e.attrs);
    if (e.error) span.setStatus({ code: otel.api.SpanStatusCode.ERROR, message: e.error });
    return result;
  } catch (err) {
    span.setStatus({ code: otel.api.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

function child(name: string, attrs: Attributes, startTime?: number): Span | null {
  const parent = runSpan.getStore();
  if (!otel || !parent) return null;
  const ctx = otel.api.trace.setSpan(otel.api.context.active(), parent);
  return otel.tracer.startSpan(name, { attributes: attrs, ...(startTime !== undefined ? { startTime } : {}) }, ctx);
}

/** A span for one page of the source, ended by the caller (null without tracing). */
export function pageSpan(page: number): { end(attrs?: Attributes): void } | null {
  const span = child('page', { 'sluice.page': page });
  return span ? { end: (attrs) => (attrs && span.setAttributes(attrs), span.end()) } : null;
}

/** A finished HTTP attempt as a span of the run it belongs to (its start is `ms` before now). */
export function traceHttp(e: HttpEvent, baseUrl: string): void {
  if (!otel || e.type !== 'response') return;
  const now = Date.now();
  const span = child(
    `${e.method} ${e.path}`,
    { 'http.request.method': e.method, 'url.path': e.path, 'server.address': new URL(baseUrl).host, 'http.response.status_code': e.status, 'sluice.attempt': e.attempt },
    now - e.ms,
  );
  if (!span) return;
  if (e.status >= 400) span.setStatus({ code: otel.api.SpanStatusCode.ERROR });
  span.end(now);
}
