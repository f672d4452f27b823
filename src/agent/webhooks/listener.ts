// The agent's webhook listener: an HTTP server of its own, apart from the loopback-only control API,
// because the app must reach it (through a tunnel or a reverse proxy, usually). It serves exactly
// `POST /webhooks/<deployment>`, with the HTTP basic auth credentials generated for that
// deployment's registration. An event is answered 200 only once it is kept in the state database:
// an agent that dies before answering gets it again (the app retries), and the second copy is
// recognised by its id. Nothing else of the agent is reachable here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingEvent, WebhookStore } from '../../state/index.js';

const MAX_BODY = 1024 * 1024;

export interface ListenerOptions {
  host: string;
  port: number;
  store: WebhookStore;
  /** Reads one delivery's body into the event it carries, or a reason it is not one. */
  parse: (deployment: string, body: unknown) => Promise<IncomingEvent | string>;
  /** Told after an event was kept (new: not a second copy). */
  onEvent: (deployment: string, fresh: boolean) => void;
  log: (line: string) => void;
}

export interface WebhookListener {
  readonly url: string;
  close(): Promise<void>;
}

export async function startListener(o: ListenerOptions): Promise<WebhookListener> {
  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
    handle(req, res, o).catch((err: unknown) => {
      o.log(`webhook listener: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.address.includes(':') ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse, o: ListenerOptions): Promise<void> {
  const m = /^\/webhooks\/([A-Za-z_][A-Za-z0-9_-]*)$/.exec((req.url ?? '').split('?')[0]);
  if (!m) return reply(res, 404, { error: 'not found' });
  if (req.method !== 'POST') return reply(res, 405, { error: 'only POST' }, { allow: 'POST' });
  const deployment = m[1];
  const creds = basicAuth(req.headers.authorization);
  if (!creds || !(await o.store.authorised(deployment, creds.user, creds.password))) {
    req.resume();
    return reply(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Basic realm="sluice-webhooks"' });
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (err) {
    return reply(res, err instanceof TooLarge ? 413 : 400, { error: err instanceof TooLarge ? 'body too large' : 'the body is not JSON' });
  }
  const event = await o.parse(deployment, body);
  if (typeof event === 'string') {
    o.log(`webhook for ${deployment} refused: ${event}`);
    return reply(res, 400, { error: event });
  }
  // Kept (committed) before the answer: the answer tells the app it need not send it again.
  const fresh = await o.store.add(deployment, event);
  reply(res, 200, { ok: true, duplicate: !fresh });
  o.onEvent(deployment, fresh);
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new TooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function basicAuth(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
