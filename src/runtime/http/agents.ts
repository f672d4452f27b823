// Keep-alive agents, one pair per origin for the whole process: a sync reads hundreds of pages from
// one host, and a new TCP + TLS handshake per page would cost more than the page. Node's agent
// closes idle sockets a little before the server's `Keep-Alive: timeout` says it will, which keeps
// the "request written to a socket the server just closed" race (a reset on a fresh POST) rare.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

/** Above any sane concurrency of one limiter; the limiter is what keeps the request rate down. */
const MAX_SOCKETS = 64;

const agents = new Map<string, Agents>();

export function agentsFor(origin: string): Agents {
  let a = agents.get(origin);
  if (!a) {
    const options = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS, scheduling: 'lifo' as const };
    a = { http: new HttpAgent(options), https: new HttpsAgent(options) };
    agents.set(origin, a);
  }
  return a;
}

/** Closes every pooled socket (tests, shutdown). Agents are recreated on next use. */
export function destroyAgents(): void {
  for (const a of agents.values()) {
    a.http.destroy();
    a.https.destroy();
  }
  agents.clear();
}
