// The HTTP front: version prefix, auth, rate limits, faults, body parsing, routing and the error
// envelope, in the order Pipedrive applies them (no token: 401 before anything else; over the
// limit: 429 before the request is looked at).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, BAD_GATEWAY_HTML, RATE_LIMITED_BODY, UNAUTHORIZED_BODY, UNKNOWN_METHOD, errorBody } from './errors.js';
import type { FaultInjector, FaultPlan } from './faults.js';
import type { RateLimiter } from './rate-limit.js';
import { requestCost } from './rate-limit.js';
import type { Reply } from './reply.js';
import type { ApiVersion, Router, RouteSettings } from './router.js';
import type { StatsCounter } from './stats.js';
import type { World } from './world.js';

export interface RequestLogEntry {
  method: string;
  /** Path and query, with any api_token removed. */
  path: string;
  status: number;
  ms: number;
  fault?: string;
}

export interface ServerDeps {
  world: World;
  router: Router;
  limiter: RateLimiter;
  faults: FaultInjector;
  stats: StatsCounter;
  tokens: ReadonlySet<string>;
  settings: RouteSettings;
  onRequest?: (entry: RequestLogEntry) => void;
  onError?: (err: unknown) => void;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_BODY = 1024 * 1024;
const VERSION_RE = /^\/(?:api\/(v1|v2)|(v1))(\/.*)?$/;

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BodyError(413, 'Request entity too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      const type = String(req.headers['content-type'] ?? '').toLowerCase();
      if (type.startsWith('application/x-www-form-urlencoded')) {
        // Old v1 clients post forms; repeated keys (email[]=a&email[]=b) become arrays.
        const out: Record<string, unknown> = {};
        for (const [k, v] of new URLSearchParams(text)) {
          const key = k.endsWith('[]') ? k.slice(0, -2) : k;
          const prev = out[key];
          out[key] = prev === undefined ? (k.endsWith('[]') ? [v] : v) : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
        return resolve(out);
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BodyError(400, 'Request body is not valid JSON.'));
      }
    });
  });
}

function redact(pathname: string, query: URLSearchParams): string {
  // Tokens never reach logs, even the sandbox's own.
  const copy = new URLSearchParams(query);
  copy.delete('api_token');
  const s = copy.toString();
  return s ? `${pathname}?${s}` : pathname;
}

export function createHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { world, router, limiter, faults, stats, tokens, settings } = deps;

  return (req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const pathname = qi === -1 ? url : url.slice(0, qi);
    const query = new URLSearchParams(qi === -1 ? '' : url.slice(qi + 1));
    let headers: Record<string, string> = {};
    let faultName: string | undefined;

    const finish = (status: number, body: string | Buffer, contentType = JSON_TYPE, corrupt?: FaultPlan['corrupt'], records = 0): void => {
      stats.count(method, pathname, status);
      if (records && status === 200 && !corrupt) stats.records(records);
      let buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      if (corrupt === 'malformed' && status === 200) {
        // A page cut in half: a complete HTTP answer whose JSON does not parse.
        stats.fault('malformed');
        faultName = 'malformed';
        buf = buf.subarray(0, Math.max(1, Math.floor(buf.length / 2)));
      }
      res.writeHead(status, { 'content-type': contentType, 'content-length': String(buf.length), ...headers });
      if (corrupt === 'reset') {
        // Headers promise the full length; half arrives, then the connection dies.
        stats.fault('reset');
        faultName = 'reset';
        res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.destroy());
      } else {
        res.end(buf);
      }
      deps.onRequest?.({ method, path: redact(pathname, query), status, ms: Math.round((performance.now() - started) * 10) / 10, ...(faultName ? { fault: faultName } : {}) });
    };

    const m = VERSION_RE.exec(pathname);
    if (!m) {
      req.resume();
      return finish(404, errorBody(UNKNOWN_METHOD));
    }
    const version = (m[1] ?? m[2]) as ApiVersion;
    const sub = m[3] ?? '/';

    const header = req.headers['x-api-token'];
    const token = (typeof header === 'string' && header) || query.get('api_token') || '';
    if (!tokens.has(token)) {
      req.resume();
      return finish(401, UNAUTHORIZED_BODY);
    }

    const match = router.match(method, version, sub);
    const kind = match?.route.cost ?? 'get';
    const decision = limiter.take(token, kind, match?.route.tokens ?? requestCost(version, kind));
    headers = decision.headers;
    if (!decision.allowed) {
      req.resume();
      return finish(429, RATE_LIMITED_BODY);
    }

    const plan = faults.plan(method);
    const run = async (): Promise<void> => {
      if (plan.latencyMs > 0) await sleep(plan.latencyMs);
      if (plan.fail) {
        req.resume();
        stats.fault('failed');
        faultName = String(plan.fail);
        if (plan.fail === 502) return finish(502, BAD_GATEWAY_HTML, 'text/html');
        return finish(plan.fail, errorBody(plan.fail === 500 ? 'Internal server error' : 'Service temporarily unavailable'));
      }
      if (!match) {
        req.resume();
        return finish(404, errorBody(UNKNOWN_METHOD));
      }
      let body: unknown;
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        try {
          body = await readBody(req);
        } catch (err) {
          if (err instanceof BodyError) return finish(err.status, errorBody(err.message));
          throw err;
        }
      } else {
        req.resume();
      }
      let reply: Reply;
      try {
        reply = match.route.handler({ method, version, params: match.params, query, body, world, settings });
      } catch (err) {
        if (err instanceof ApiError) return finish(err.status, errorBody(err.message));
        deps.onError?.(err);
        return finish(500, errorBody('Internal server error'));
      }
      finish(reply.status, reply.body, reply.contentType, plan.corrupt, reply.records);
    };
    run().catch((err) => {
      deps.onError?.(err);
      if (!res.headersSent) finish(500, errorBody('Internal server error'));
      else res.destroy();
    });
  };
}
