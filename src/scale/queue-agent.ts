// `sluice agent start --queue redis://... --state postgres://...`: the agent of queue mode. It runs
// no flow itself: it keeps the deployments (in PostgreSQL), puts their runs on the queue on their
// schedules, and answers the API (queue-api.ts: the same as the in-process agent's) and the panel.
// Several may be started for availability; one at a time schedules (the leader, by a Redis lock:
// leader.ts), all serve the API.
//
// The CLI finds it as it finds the in-process agent, through `$SLUICE_HOME/agent.json` (with
// `mode: "queue"`). All queue agents of one Redis prefix share one token (kept in Redis), so the
// file of any of them opens all of them. A queue agent publishes the file when it is free, and the
// leader takes it over from another queue agent; a live in-process agent's file is never taken
// (the start is refused: the two would run the same deployments twice).
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { safeEqual } from '../util/safe-equal.js';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { loadRegistry } from '../apps/index.js';
import { schemasHome } from '../apps/custom-fields.js';
import { FlowChecker } from '../agent/check.js';
import { PathBounds } from '../agent/bounds.js';
import { checkDeploy, claimDeployedFlows, notDeployed, storeDeployments, type DeployRequest } from '../agent/deploy-request.js';
import { deploymentJson, type DeploymentView } from '../agent/deployment-json.js';
import { publishAgentFile, queueAgentFileHolder, readAgentFile, releaseAgentFile } from '../agent/agent-file.js';
import { checkListenHost } from '../agent/server.js';
import { AGENT_ERRORS as AE, AgentError } from '../agent/errors.js';
import { currentRegistrations, dropWebhook, registerWebhooks, replaceWebhooks } from '../agent/webhooks/deploy-hooks.js';
import { createHttpIo } from '../runtime/http-io.js';
import { checkDeploymentName, isDeploymentName, type Deployment } from '../agent/deployments.js';
import { configDir } from '../util/paths.js';
import { PostgresStateStore } from '../state/postgres/store.js';
import { runJson } from '../state/index.js';
import { SCALE_ERRORS as E, ScaleError } from './errors.js';
import { LeaderLock } from './leader.js';
import { listWorkers, pingRedis, redisConnection, runQueue, type QueueTarget } from './queue.js';
import { queueApi } from './queue-api.js';
import { queuedRuns, runInProgress, triggerRun, waitForRun } from './queue-runs.js';
import { Schedules } from './schedules.js';
import { installSharedLimits } from './shared-limits-env.js';
import { startQueueWebhooks } from './queue-webhooks.js';
import { HEARTBEAT_MS } from './worker-timing.js';

const SYNC_MS = 1_000;

export interface QueueAgentOptions {
  queue: QueueTarget;
  state: string;
  env: Record<string, string | undefined>;
  home: string;
  host: string;
  port: number;
  allowRemote?: boolean;
  /** The webhook listener (as `agent start --webhook-port`); none: webhook flows are refused at deploy. */
  webhooks?: { host: string; port: number; publicUrl?: string; reconcileMs: number };
  log: (line: string) => void;
}

export interface QueueAgent {
  url: string;
  /** Resolves once the agent has stopped (SIGTERM or `sluice agent stop`). */
  stopped: Promise<void>;
  stop(reason?: string): Promise<void>;
}

export async function startQueueAgent(o: QueueAgentOptions): Promise<QueueAgent> {
  checkListenHost(o.host, o.allowRemote ?? false);
  // Before connecting anywhere: an in-process agent of this SLUICE_HOME refuses the start.
  queueAgentFileHolder(o.home);
  const redis = redisConnection(o.queue);
  await pingRedis(o.queue, redis);
  const store = await PostgresStateStore.open(o.state);
  const deployments = store.deployments;
  const queue = runQueue(o.queue, redis);
  const registry = loadRegistry();
  const checker = new FlowChecker(registry, schemasHome(o.env));
  const token = await sharedToken(redis, o.queue);
  const hardStop = new AbortController();
  // Registering webhooks and reading what they missed count against the limit shared with the workers.
  const closeLimits = await installSharedLimits(o.env, o.queue.url, o.queue.prefix);
  const http = createHttpIo({ env: o.env, signal: hardStop.signal, home: o.home });
  const webhooks = await startQueueWebhooks({ registry, checker, store, queue, http, env: o.env, log: o.log, signal: hardStop.signal, ...(o.webhooks ? { listen: o.webhooks } : {}) });
  const schedules = new Schedules(queue, deployments, o.log);
  const startedAt = new Date();
  let url = '';
  let stopping: Promise<void> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const publish = () => publishAgentFile(o.home, { url, token, pid: process.pid, started_at: startedAt.toISOString(), home: o.home, mode: 'queue' });
  const leader = new LeaderLock(redis, `${o.queue.prefix}:leader`, (isLeader) => {
    schedules.reset();
    webhooks.leading(isLeader);
    o.log(isLeader ? 'leading: this agent schedules the runs' : 'following: another agent schedules the runs');
  });
  // The leader holds agent.json: taken over from a follower or one that died, never from a live
  // agent without --queue (it would refuse this start; one started since is left its file).
  const holdFile = () => {
    const current = readAgentFile(o.home);
    if (current?.state === 'running' && current.info.pid === process.pid) return;
    try {
      queueAgentFileHolder(o.home, current);
    } catch {
      return;
    }
    publish();
  };
  let syncTimer: NodeJS.Timeout | undefined;
  const sync = async () => {
    if (!leader.isLeader) return;
    await schedules.sync();
    await webhooks.sweep();
  };
  const loop = async () => {
    if (leader.isLeader && url && !stopping) holdFile();
    await sync().catch((err: Error) => o.log(`scheduling: ${err.message}`));
    if (!stopping) syncTimer = setTimeout(() => void loop(), SYNC_MS);
  };

  /** How deployments are shown to one request: however many it lists, the queue is read once. */
  const viewOf = (): DeploymentView => {
    const jobs = queuedRuns(queue);
    return { store, running: (d) => runInProgress(store, d, jobs), nextRun: (name) => schedules.next(name), webhook: (name) => webhooks.json(name) };
  };
  const listJson = (list: Deployment[]) => {
    const view = viewOf();
    return Promise.all(list.map((d) => deploymentJson(view, d)));
  };
  const live = async (name: string): Promise<Deployment> => {
    const d = isDeploymentName(name) ? await deployments.get(name) : undefined;
    if (!d?.enabled) throw await notDeployed(name, store);
    return d;
  };
  const refuseWhenStopping = () => {
    if (stopping) throw new AgentError(AE.stopping, 'the agent is stopping: no new runs or deployments are accepted', { hint: 'Start it again with `sluice agent start --queue ...`.' });
  };

  const deploy = async (req: DeployRequest) => {
    refuseWhenStopping();
    const checked = checkDeploy(req, { registry, checker, env: o.env, boundsOf: (baseDir, allow) => new PathBounds([baseDir, ...allow], [o.home, configDir(o.env)]) });
    await claimDeployedFlows(store, checked);
    const previous = await currentRegistrations(webhooks.hooks, checked.names);
    const registered = await registerWebhooks(webhooks.hooks, checked.flows, checked.names);
    const deployed = await storeDeployments(store, checked);
    await replaceWebhooks(webhooks.hooks, previous, registered);
    for (const d of deployed) o.log(`deployed ${d.name} v${d.version} (${d.schedule ? d.schedule.text : 'no schedule: runs when triggered'})`);
    await sync();
    return { deployed: await listJson(deployed), warnings: checked.warnings };
  };

  const statusOf = async (list: Deployment[]) => {
    const workers = (await listWorkers(o.queue, redis)).map((w) => ({ ...w, alive: Date.now() - Date.parse(w.seenAt) < 2 * HEARTBEAT_MS }));
    return {
      mode: 'queue',
      pid: process.pid,
      url,
      home: o.home,
      state: store.path,
      started_at: startedAt.toISOString(),
      uptime_s: Math.round((Date.now() - startedAt.getTime()) / 1000),
      stopping: stopping !== null,
      leader: leader.isLeader,
      queue: await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
      // A worker that stopped renewing its entry (killed) shows as gone until the entry expires.
      workers,
      deployments: list.length,
    };
  };

  const server: Server = createServer(
    queueApi({
      port: (): number => (server.address() as AddressInfo | null)?.port ?? o.port,
      allowRemote: o.allowRemote ?? false,
      tokenMatches: (presented) => safeEqual(presented, token),
      status: async () => statusOf(await deployments.list()),
      panel: async () => {
        const list = await deployments.list();
        return { ...(await statusOf(list)), deployments: list.map((d) => ({ name: d.name, version: d.version, flow: d.flow, schedule: d.schedule?.text ?? null, paused: d.paused })) };
      },
      deployments: async (all) => listJson(await deployments.list({ all })),
      deploy,
      undeploy: async (name) => {
        const d = await live(name);
        await deployments.undeploy(name);
        await dropWebhook(webhooks.hooks, name);
        await sync();
        o.log(`undeployed ${name} (v${d.version})`);
        return { name, version: d.version, running: (await runInProgress(store, d, queuedRuns(queue))) !== null };
      },
      setPaused: async (name, paused) => {
        if (!paused) refuseWhenStopping();
        await live(name);
        await deployments.setPaused(name, paused);
        await sync();
        o.log(`${paused ? 'paused' : 'resumed'} ${name}`);
        return deploymentJson(viewOf(), (await deployments.get(name))!);
      },
      trigger: async (name) => {
        refuseWhenStopping();
        const job = await triggerRun(queue, store, await live(name));
        o.log(`${name}: run queued (job ${job.id})`);
        return { jobId: job.id!, wait: () => waitForRun(queue, store, job.id!, hardStop.signal) };
      },
      runs: async (name, limit) => {
        if (name !== undefined) checkDeploymentName(name);
        const d = name !== undefined ? await deployments.get(name) : undefined;
        if (name !== undefined && !d) return [];
        const list = await store.runs(d?.stateKey, { limit, ...(d ? {} : { trigger: 'agent' as const }) });
        const versions = await deployments.runVersions(list.map((r) => r.id));
        return list.map((r) => runJson(r, versions.get(r.id) ?? null));
      },
      stop: (reason) => stop(reason),
      log: o.log,
    }),
  );
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;

  const stop = (reason = 'asked to stop'): Promise<void> => {
    stopping ??= (async () => {
      o.log(`stopping (${reason})`);
      clearTimeout(syncTimer);
      hardStop.abort();
      releaseAgentFile(o.home);
      await webhooks.close();
      await leader.stop();
      server.closeIdleConnections();
      await new Promise<void>((r) => {
        server.close(() => r());
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      await queue.close();
      await http.close().catch(() => undefined);
      await closeLimits();
      await store.close();
      redis.disconnect();
      o.log('stopped');
      resolveStopped();
    })();
    return stopping;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new AgentError(AE.alreadyRunning, `port ${o.port} on ${o.host} is in use`, { hint: 'Choose another with --port N, or --port 0 for any free port.' }) : err),
      );
      server.listen(o.port, o.host, resolve);
    });
  } catch (err) {
    await webhooks.close();
    await http.close().catch(() => undefined);
    await closeLimits();
    await queue.close();
    await store.close();
    redis.disconnect();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  // Checked again now: another agent may have started while this one connected.
  if (queueAgentFileHolder(o.home) === 'free') publish();
  leader.start();
  void loop();
  return { url, stopped, stop };
}

/** The token of every queue agent on this Redis prefix: made by the first, read by the others. */
async function sharedToken(redis: Redis, t: QueueTarget): Promise<string> {
  const key = `${t.prefix}:agent-token`;
  await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
  const token = await redis.get(key);
  if (!token) throw new ScaleError(E.redisUnreachable, `the queue's Redis lost the agents' token (${key}) as it was made`, { hint: 'Start the agent again.' });
  return token;
}
