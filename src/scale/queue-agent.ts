// `sluice agent start --queue redis://... --state postgres://...`: the agent of queue mode. It runs
// no flow itself: it keeps the deployments (in PostgreSQL), puts their runs on the queue on their
// schedules, and answers the API and the panel. Several may be started for availability; one at a
// time schedules (the leader, by a Redis lock: leader.ts), all serve the API.
//
// Schedules are BullMQ job schedulers (one per deployment, upserted by the leader when a deployment
// changes), so a due time becomes one job however many agents there are, and a job carries only
// the deployment, its version and later its run id.
//
// API (JSON; POSTs need `Authorization: Bearer TOKEN`, the token in $SLUICE_HOME/queue-agent.json):
//   GET  /api/status                      leader, queue counts, workers (alive, running what), deployments
//   POST /api/deployments                 {text, file_name?, base_dir, flow?, name?, vars?}: check and deploy
//   POST /api/deployments/NAME/trigger    a run now
//   POST /api/deployments/NAME/undeploy   no longer scheduled (its versions and history stay)
//   GET  /                                the panel: the same as /api/status, as a page
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadRegistry } from '../apps/index.js';
import { FlowChecker } from '../agent/check.js';
import { isDeploymentName } from '../agent/deployments.js';
import { schemasHome } from '../apps/custom-fields.js';
import { ensureHome } from '../state/home.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { PostgresStateStore } from '../state/postgres/store.js';
import type { Deployment } from '../state/index.js';
import { SCALE_ERRORS as E, ScaleError } from './errors.js';
import { LeaderLock } from './leader.js';
import { listWorkers, pingRedis, redisConnection, runQueue, type QueueTarget } from './queue.js';
import { renderPanel } from './panel.js';
import { HEARTBEAT_MS } from './worker-timing.js';

export const QUEUE_AGENT_FILE = 'queue-agent.json';
const SYNC_MS = 1_000;

export interface QueueAgentOptions {
  queue: QueueTarget;
  state: string;
  env: Record<string, string | undefined>;
  home: string;
  host: string;
  port: number;
  log: (line: string) => void;
}

export interface QueueAgent {
  url: string;
  token: string;
  stop(): Promise<void>;
}

export async function startQueueAgent(o: QueueAgentOptions): Promise<QueueAgent> {
  const redis = redisConnection(o.queue);
  await pingRedis(o.queue, redis);
  const store = await PostgresStateStore.open(o.state);
  const deployments = store.deployments;
  const queue = runQueue(o.queue, redis);
  const checker = new FlowChecker(loadRegistry(), schemasHome(o.env));
  const token = randomBytes(24).toString('hex');
  const scheduled = new Map<string, string>();

  const sync = async () => {
    const wanted = new Map<string, Deployment>();
    for (const d of await deployments.list()) if (d.schedule && !d.paused) wanted.set(d.name, d);
    for (const [name, d] of wanted) {
      const sig = `${d.version}|${JSON.stringify(d.schedule)}`;
      if (scheduled.get(name) === sig) continue;
      const repeat = d.schedule!.kind === 'every' ? { every: d.schedule!.ms } : { pattern: (d.schedule as { expression: string }).expression };
      await queue.upsertJobScheduler(`deployment:${name}`, repeat, { name, data: { deployment: name, version: d.version }, opts: { removeOnComplete: 1000, removeOnFail: 1000 } });
      scheduled.set(name, sig);
      o.log(`scheduling ${name} v${d.version} ${d.schedule!.text}`);
    }
    for (const s of await queue.getJobSchedulers()) {
      const name = (s.key ?? s.id ?? '').replace(/^deployment:/, '');
      if (!wanted.has(name)) {
        await queue.removeJobScheduler(`deployment:${name}`);
        scheduled.delete(name);
        o.log(`no longer scheduling ${name}`);
      }
    }
  };
  let syncTimer: NodeJS.Timeout | undefined;
  const loop = async () => {
    if (leader.isLeader) await sync().catch((err: Error) => o.log(`scheduling: ${err.message}`));
    syncTimer = setTimeout(() => void loop(), SYNC_MS);
  };
  const leader = new LeaderLock(redis, `${o.queue.prefix}:leader`, (isLeader) => {
    scheduled.clear();
    o.log(isLeader ? 'leading: this agent schedules the runs' : 'following: another agent schedules the runs');
  });
  leader.start();
  void loop();

  const status = async () => ({
    leader: leader.isLeader,
    queue: await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
    // A worker that stopped renewing its entry (killed) shows as gone until the entry expires.
    workers: (await listWorkers(o.queue, redis)).map((w) => ({ ...w, alive: Date.now() - Date.parse(w.seenAt) < 2 * HEARTBEAT_MS })),
    deployments: (await deployments.list()).map((d) => ({ name: d.name, version: d.version, flow: d.flow, schedule: d.schedule?.text ?? null, paused: d.paused })),
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof ScaleError ? err : new ScaleError(E.badRequest, err instanceof Error ? err.message : String(err));
      send(res, err instanceof ScaleError ? 400 : 500, { error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } });
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (req.method === 'GET' && url.pathname === '/api/status') return send(res, 200, await status());
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(renderPanel(await status()));
    }
    if (req.method !== 'POST') return send(res, 404, { error: { code: E.badRequest, message: `no ${req.method} ${url.pathname}` } });
    if (!authorized(req, token)) return send(res, 401, { error: { code: E.badRequest, message: 'missing or wrong token', hint: `The token is in ${join(o.home, QUEUE_AGENT_FILE)}.` } });
    if (url.pathname === '/api/deployments') return send(res, 200, await deploy(JSON.parse(await body(req)) as DeployBody));
    const undeploy = /^\/api\/deployments\/([^/]+)\/undeploy$/.exec(url.pathname);
    if (undeploy) {
      const name = decodeURIComponent(undeploy[1]);
      if (!(await deployments.undeploy(name))) return send(res, 404, { error: { code: E.badRequest, message: `no deployment \`${name}\`` } });
      return send(res, 200, { undeployed: name });
    }
    const trigger = /^\/api\/deployments\/([^/]+)\/trigger$/.exec(url.pathname);
    if (trigger) {
      const d = await deployments.get(decodeURIComponent(trigger[1]));
      if (!d || !d.enabled) return send(res, 404, { error: { code: E.badRequest, message: `no deployment \`${decodeURIComponent(trigger[1])}\`` } });
      const job = await queue.add(d.name, { deployment: d.name, version: d.version }, { removeOnComplete: 1000, removeOnFail: 1000 });
      return send(res, 202, { queued: job.id, deployment: d.name, version: d.version });
    }
    return send(res, 404, { error: { code: E.badRequest, message: `no POST ${url.pathname}` } });
  };

  interface DeployBody {
    text: string;
    file_name?: string;
    base_dir: string;
    flow?: string;
    name?: string;
    vars?: Record<string, string>;
  }
  const deploy = async (b: DeployBody) => {
    if (typeof b.text !== 'string' || typeof b.base_dir !== 'string') throw new ScaleError(E.badRequest, 'a deploy needs `text` (the flow file) and `base_dir` (where its relative paths resolve)');
    const fileName = b.file_name ?? 'flow.flow';
    const vars = b.vars ?? {};
    const checked = checker.check(b.text, { fileName, env: o.env, vars });
    if (checked.errors > 0) {
      const first = checked.diagnostics.find((d) => d.severity === 'error')!;
      throw new ScaleError(E.doesNotCheck, `${fileName}:${first.range.start.line}:${first.range.start.column}: ${first.code} ${first.message}`, { hint: 'Run `sluice check` on the file, fix it and deploy again.' });
    }
    const flow = b.flow ? checked.flows.find((f) => f.model.name === b.flow) : checked.flows[0];
    if (!flow) throw new ScaleError(E.doesNotCheck, `${fileName} has no flow ${b.flow ? `named \`${b.flow}\`` : ''}`);
    const name = b.name ?? flow.model.name;
    if (!isDeploymentName(name)) throw new ScaleError(E.badRequest, `\`${name}\` cannot name a deployment`, { hint: 'Letters, digits, _ and -, starting with a letter or _.' });
    const d = await deployments.deploy({ name, flow: flow.model.name, fileName, filePath: null, baseDir: b.base_dir, text: b.text, schedule: flow.schedule, vars, stateKey: `flow:${flow.model.stateId}`, allowPaths: [], notifyUrl: null });
    return { name: d.name, version: d.version, schedule: d.schedule?.text ?? null };
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  ensureHome(o.home);
  writeFileAtomic(join(o.home, QUEUE_AGENT_FILE), JSON.stringify({ url, token, pid: process.pid }) + '\n', { mode: 0o600 });
  return {
    url,
    token,
    async stop() {
      clearTimeout(syncTimer);
      await leader.stop();
      await new Promise<void>((r) => server.close(() => r()));
      await queue.close();
      await store.close();
      redis.disconnect();
    },
  };
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  return given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) throw new ScaleError(E.badRequest, 'the request body is larger than 1 MB');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type { Redis, Queue };
