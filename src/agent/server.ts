// The agent's HTTP face: a JSON API under /api for the CLI and the panel, and the panel itself
// (three static files) at /.
//
// Security:
// - Loopback only by default; another --host needs --allow-remote (the API is plain HTTP).
// - Every /api request needs `Authorization: Bearer <token>` (from agent.json), compared in
//   constant time; without it the answer is 401 and says nothing else. No cookies and no CORS
//   headers, so another web page the user visits can neither read the API nor send it an
//   authenticated request.
// - The panel's files hold no secret. The page gets the token from the URL fragment
//   (`/#token=...`, printed by `sluice agent panel`): a fragment is never sent in a request, so it
//   stays out of request lines, logs and Referer headers; the page moves it into sessionStorage and
//   removes it from the address bar.
// - On loopback the Host header must name a loopback address, which defeats DNS rebinding (a
//   hostile name made to resolve to 127.0.0.1).
// - A strict Content-Security-Policy: the page runs only its own script and talks only to the agent.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ConnectionError, CONNECTION_ERRORS, isLoopbackHost } from '../connections/index.js';
import { SluiceError, UsageError } from '../errors.js';
import { runJson, scrubSecrets } from '../state/index.js';
import type { AgentApi } from './api.js';
import type { DeployRequest } from './deploy-request.js';
import { DeployRefused } from './errors.js';
import type { Deployment } from './deployments.js';
import { discoverConnection, removeConnection, testConnection } from './connection-actions.js';
import { replayIds } from './replay.js';
import { deploymentJson as sharedDeploymentJson, webhookJson } from './deployment-json.js';
import { AGENT_ERRORS as E, AgentError } from './errors.js';
import type { RunOutcome } from './runner.js';
import { assetDir } from '../util/asset-dir.js';

const MAX_BODY = 2 * 1024 * 1024;

export interface AgentServer {
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  host: string;
  port: number;
  allowRemote: boolean;
  verbose: boolean;
  log: (line: string) => void;
}

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

// ---- the panel's files ----

const PANEL_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/token.js': { file: 'token.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** The panel folder (src/agent/panel, also from the bundle in dist/). */
export function panelDir(): string {
  return assetDir(import.meta.url, 'src/agent/panel', 'index.html');
}

function loadPanel(): Map<string, { body: Buffer; type: string }> {
  const dir = panelDir();
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, f] of Object.entries(PANEL_FILES)) out.set(path, { body: readFileSync(join(dir, f.file)), type: f.type });
  return out;
}

// ---- JSON shapes ----

function deploymentJson(agent: AgentApi, d: Deployment) {
  return sharedDeploymentJson(
    {
      store: agent.store,
      running: async (d) => {
        const r = agent.runner.runningInfo(d.name);
        return r ? { since: new Date(r.startedAt).toISOString(), version: r.version, trigger: r.trigger } : null;
      },
      nextRun: async (name) => agent.nextRun(name),
      webhook: (name) => webhookJson(agent.webhooks, agent.webhookUrl, name),
    },
    d,
  );
}

function outcomeJson(o: RunOutcome) {
  return {
    deployment: o.name,
    version: o.version,
    status: o.status,
    run_id: o.runId,
    ...(o.summary
      ? {
          read: o.summary.read,
          written: o.summary.written,
          rejected: o.summary.rejected,
          skipped: o.summary.skipped,
          filtered: o.summary.filtered,
          duration_ms: o.summary.duration_ms,
          watermark: o.summary.watermark,
          warnings: o.summary.warnings,
        }
      : {}),
    error: o.error ?? null,
  };
}

async function deploymentNamed(agent: AgentApi, name: string): Promise<Deployment> {
  const d = await agent.deployments.get(name);
  if (!d) throw new AgentError(E.notDeployed, `nothing is deployed as \`${name.slice(0, 80)}\``);
  return d;
}

// ---- plumbing ----

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function statusFor(err: SluiceError): number {
  switch (err.code) {
    case E.notDeployed:
    case E.notFound:
      return 404;
    case E.flowRunning:
    case CONNECTION_ERRORS.alreadyExists:
      return 409;
    case E.stopping:
      return 503;
    case E.tooLarge:
      return 413;
    case E.doesNotCheck:
    case E.outsideBounds:
    case E.badSchedule:
    case E.noSuchFlow:
      return 422;
    default:
      return err instanceof ConnectionError ? 422 : 400;
  }
}

/** Answers an error of a request as the API does (its status and `{error: {code, message, hint?}}`); returns the status. */
export function sendError(res: ServerResponse, err: unknown, log: (line: string) => void): number {
  let status: number;
  let body: Record<string, unknown>;
  let headers: Record<string, string> = {};
  if (err instanceof HttpError) {
    headers = err.headers;
    status = err.status;
    body = { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  } else if (err instanceof SluiceError) {
    status = statusFor(err);
    body = { error: { code: err.code, message: scrubSecrets(err.message), ...(err.hint ? { hint: scrubSecrets(err.hint) } : {}) } };
    if (err instanceof DeployRefused) body.diagnostics = err.diagnostics;
  } else {
    // A bug: logged (scrubbed) for the report; the client learns only that it happened.
    status = 500;
    body = { error: { code: 'SL0001', message: 'internal error in the agent (see its log)' } };
    log(`internal error: ${scrubSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err))}`);
  }
  if (!res.headersSent) send(res, status, body, headers);
  else res.destroy();
  return status;
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, E.badRequest, 'send the request body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, E.tooLarge, `the request body is larger than ${MAX_BODY / 1024 / 1024} MB`);
    chunks.push(chunk as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, E.badRequest, 'the request body is not a JSON object');
  }
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

/** On loopback, the Host header must be a loopback name with our port (DNS rebinding). */
function hostAllowed(req: IncomingMessage, port: number, allowRemote: boolean): boolean {
  if (allowRemote) return true;
  const host = req.headers.host;
  if (typeof host !== 'string') return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!m) return false;
  return isLoopbackHost(m[1]) && (m[2] === undefined ? port === 80 : Number(m[2]) === port);
}

/**
 * What every request passes before any route, in either agent: only origin-form targets
 * (`/api/...`), since an absolute-form one (`GET http://host/api/...`) is what proxies are sent, and
 * answering it would make the agent look like one, with a Host check that the target's own host
 * would then bypass; and a Host that names this agent. Returns the request's URL.
 */
export function requestUrl(req: IncomingMessage, port: number, allowRemote: boolean): URL {
  if (!req.url?.startsWith('/')) throw new HttpError(400, E.badRequest, 'the request target must be a path (origin-form), not an absolute URL');
  if (!hostAllowed(req, port, allowRemote)) throw new HttpError(421, E.badRequest, 'this address is not the agent\'s');
  return new URL(req.url, 'http://agent.invalid');
}

/** The path segments of an /api request after `/api/`, decoded, once its bearer token is the agent's (401 otherwise, saying nothing else). */
export function apiPath(req: IncomingMessage, url: URL, tokenMatches: (presented: string) => boolean): string[] {
  const presented = bearer(req);
  if (presented === null || !tokenMatches(presented)) {
    throw new HttpError(401, E.unauthorized, 'this request needs the agent\'s token: Authorization: Bearer <token from $SLUICE_HOME/agent.json>', undefined, { 'www-authenticate': 'Bearer realm="sluice-agent"' });
  }
  try {
    return url.pathname.slice('/api/'.length).split('/').map((p) => decodeURIComponent(p));
  } catch {
    throw new HttpError(400, E.badRequest, 'the path is not valid percent-encoding');
  }
}

/** Refuses a listen address that is not loopback unless remote access was asked for. */
export function checkListenHost(host: string, allowRemote: boolean): void {
  if (!allowRemote && !isLoopbackHost(host)) {
    throw new UsageError(`--host ${host} is not a loopback address: the agent's API would be reachable from the network over plain HTTP`, 'Keep the default (127.0.0.1), or add --allow-remote if the network is trusted.');
  }
}

export async function startServer(agent: AgentApi, o: ServerOptions): Promise<AgentServer> {
  checkListenHost(o.host, o.allowRemote);
  const panel = loadPanel();
  let port = 0;

  /**
   * Prometheus text. On loopback it needs no token: a scraper is configured with a URL, the answer
   * holds counts, deployment names and API hosts (no secret, no record), and only local processes
   * reach it. With --allow-remote it needs the token like the API, since the network reaches it then.
   */
  const metrics = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: { code: E.badRequest, message: 'method not allowed' } }, { allow: 'GET, HEAD' });
      return 405;
    }
    if (o.allowRemote) {
      const presented = bearer(req);
      if (presented === null || !agent.tokenMatches(presented)) {
        send(res, 401, { error: { code: E.unauthorized, message: 'with --allow-remote, /metrics needs the agent\'s token: Authorization: Bearer <token>' } }, { 'www-authenticate': 'Bearer realm="sluice-agent"' });
        return 401;
      }
    }
    const text = await agent.metrics.text();
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': agent.metrics.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
    return 200;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = requestUrl(req, port, o.allowRemote);
    const path = url.pathname;
    if (path === '/metrics') return metrics(req, res);
    if (!path.startsWith('/api/')) {
      const file = panel.get(path);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, { error: { code: E.badRequest, message: 'method not allowed' } }, { allow: 'GET, HEAD' });
        return 405;
      }
      if (!file) {
        res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found\n');
        return 404;
      }
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': file.body.length });
      res.end(req.method === 'HEAD' ? undefined : file.body);
      return 200;
    }
    const parts = apiPath(req, url, (presented) => agent.tokenMatches(presented));
    const route = `${req.method} ${parts
      .map((p, i) => (i === 1 && (parts[0] === 'deployments' || (parts[0] === 'connections' && (parts.length === 3 || req.method === 'DELETE'))) ? ':name' : i === 1 && parts[0] === 'runs' ? ':id' : i === 3 && parts[2] === 'versions' ? ':version' : p))
      .join('/')}`;
    switch (route) {
      case 'GET status':
        send(res, 200, await agent.status());
        return 200;
      case 'GET deployments': {
        const all = url.searchParams.get('all') === '1';
        send(res, 200, { deployments: await Promise.all((await agent.deployments.list({ all })).map((d) => deploymentJson(agent, d))) });
        return 200;
      }
      case 'POST deployments': {
        const body = (await readJson(req)) as unknown as DeployRequest;
        const r = await agent.deploy(body);
        send(res, 201, { deployed: await Promise.all(r.deployed.map((d) => deploymentJson(agent, d))), warnings: r.warnings });
        return 201;
      }
      case 'GET deployments/:name': {
        const d = await deploymentNamed(agent, parts[1]);
        send(res, 200, {
          ...(await deploymentJson(agent, d)),
          text: d.text,
          file_name: d.fileName,
          versions: (await agent.deployments.versions(d.name)).map((v) => ({ version: v.version, flow: v.flow, file: v.filePath, schedule: v.schedule?.text ?? null, created_at: v.createdAt })),
        });
        return 200;
      }
      case 'GET deployments/:name/versions/:version': {
        const d = await deploymentNamed(agent, parts[1]);
        const version = Number(parts[3]);
        const text = Number.isInteger(version) ? await agent.deployments.versionText(d.name, version) : undefined;
        if (text === undefined) throw new HttpError(404, E.notFound, `\`${d.name}\` has no version ${parts[3].slice(0, 20)}`);
        send(res, 200, { name: d.name, version, text });
        return 200;
      }
      case 'GET deployments/:name/rejected': {
        const d = await deploymentNamed(agent, parts[1]);
        const limit = Math.max(1, Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 1000));
        const rejected = await agent.store.rejected(d.stateKey, { limit });
        send(res, 200, {
          rejected: rejected.map((r) => ({ id: r.id, run_id: r.runId, destination: r.destination, record_id: r.recordId, record: r.record, reason: r.reason, code: r.code, created_at: r.createdAt })),
        });
        return 200;
      }
      case 'POST deployments/:name/pause':
        send(res, 200, { paused: await deploymentJson(agent, await agent.pause(parts[1])) });
        return 200;
      case 'POST deployments/:name/resume':
        send(res, 200, { resumed: await deploymentJson(agent, await agent.resume(parts[1])) });
        return 200;
      case 'GET runs/:id': {
        const id = Number(parts[1]);
        const r = Number.isInteger(id) && id > 0 ? await agent.store.run(id) : undefined;
        if (!r) throw new HttpError(404, E.notFound, `no run ${parts[1].slice(0, 20)}`);
        const version = (await agent.deployments.runVersions([r.id])).get(r.id);
        send(res, 200, {
          run: { ...runJson(r, version ?? null), details: await agent.store.runDetails(r.id) },
          rejected: (await agent.store.rejected(r.flowKey, { runId: r.id, limit: 100 })).map((x) => ({ id: x.id, record: x.record, reason: x.reason, code: x.code })),
        });
        return 200;
      }
      case 'DELETE deployments/:name':
        send(res, 200, { undeployed: await agent.undeploy(parts[1]) });
        return 200;
      case 'POST deployments/:name/run': {
        const { done } = await agent.trigger(parts[1]);
        if (url.searchParams.get('wait') === '1') {
          send(res, 200, { run: outcomeJson(await done) });
          return 200;
        }
        // The run goes on after the answer; its failures are in the history, not here.
        done.catch(() => undefined);
        send(res, 202, { started: { deployment: parts[1] } });
        return 202;
      }
      case 'GET runs': {
        const name = url.searchParams.get('deployment') ?? undefined;
        const limit = Number(url.searchParams.get('limit') ?? 50);
        const list = await agent.runs({ ...(name ? { name } : {}), limit: Number.isFinite(limit) ? limit : 50 });
        const versions = await agent.deployments.runVersions(list.map((r) => r.id));
        send(res, 200, { runs: list.map((r) => runJson(r, versions.get(r.id) ?? null)) });
        return 200;
      }
      case 'GET connections':
        send(res, 200, { connections: agent.connections() });
        return 200;
      case 'POST connections/validate': {
        const r = await agent.validateConnection(await readJson(req));
        send(res, 200, { ok: true, ...r });
        return 200;
      }
      case 'POST connections': {
        const r = await agent.saveConnection(await readJson(req));
        send(res, 201, { ok: true, ...r });
        return 201;
      }
      case 'POST deployments/:name/replay': {
        const body = await readJson(req);
        const r = await agent.replay(parts[1], replayIds(body.ids));
        send(res, 200, { ok: true, replay: r });
        return 200;
      }
      case 'POST connections/:name/test': {
        const r = await testConnection(agent.options.env, parts[1]);
        agent.options.log(`tested connection ${r.name}: ${r.message}`);
        send(res, 200, { ok: true, ...r });
        return 200;
      }
      case 'POST connections/:name/discover': {
        const r = await discoverConnection(agent.options.env, parts[1]);
        agent.options.log(`discovered the custom fields of ${r.connection}`);
        send(res, 200, { ok: true, ...r });
        return 200;
      }
      case 'DELETE connections/:name': {
        const r = removeConnection(agent.options.env, parts[1]);
        agent.options.log(`removed connection ${r.removed}`);
        send(res, 200, { ok: true, ...r });
        return 200;
      }
      case 'POST cache/clear': {
        const r = agent.clearCache();
        send(res, 200, { ok: r.failed.length === 0, removed_files: r.removedFiles, removed_bytes: r.removedBytes, entries_in_memory: r.entriesInMemory, skipped: r.skipped.length, failed: r.failed.length });
        return 200;
      }
      case 'POST stop':
        send(res, 202, { stopping: true, running: agent.runner.active });
        // After the answer is out: stopping closes this server.
        res.on('finish', () => void agent.stop('asked by the API'));
        return 202;
      default:
        throw new HttpError(404, E.notFound, `no such API: ${req.method} ${path}`);
    }
  };

  const server: Server = createServer((req, res) => {
    const t0 = performance.now();
    handle(req, res)
      .then((status) => {
        if (o.verbose) o.log(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname} ${status} ${(performance.now() - t0).toFixed(0)} ms`);
      })
      .catch((err: unknown) => {
        const status = sendError(res, err, o.log);
        if (o.verbose) o.log(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname} ${status}`);
      });
  });
  // A slow or idle client must not hold the agent's stop.
  server.requestTimeout = 120_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new AgentError(E.alreadyRunning, `port ${o.port} on ${o.host} is in use`, { hint: 'Choose another with --port N, or --port 0 for any free port.' }));
      else if (err.code === 'EACCES') reject(new AgentError(E.alreadyRunning, `not allowed to listen on ${o.host}:${o.port}`, { hint: 'Ports below 1024 need privileges; choose another with --port N.' }));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new UsageError(`cannot listen on ${o.host}: no such address on this machine`));
      else reject(err);
    });
    server.listen(o.port, o.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still open (a `trigger --wait` whose run was cut short) are not waited for.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      }),
  };
}

export { HttpError };
