// `sluice worker`: takes run jobs from the queue and runs them, with state in PostgreSQL and the
// rate limit in Redis shared with every other worker.
//
// A job names a deployment and a version; the worker reads that version's text from PostgreSQL,
// checks it, and runs it through the same interpreter as `sluice run`, continuing from the flow's
// committed state. So a job taken over from a worker that was killed (BullMQ hands a job whose lock
// lapsed to another worker) simply runs the flow again from what was committed: nothing committed
// is repeated, a record that was being POSTed when the worker died is kept as `uncertain`, and the
// watermark only moves forward.
//
// The dead worker's run is still `running` in the state. On this host its PID tells it is gone; on
// another host, its run stops being renewed (each worker renews its runs every HEARTBEAT_MS) and
// counts as gone after STALE_MS. Until then the flow is refused (SL6010) and the job is retried
// later: a worker that is only slow must never run alongside its replacement.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { DelayedError, Worker, type Job } from 'bullmq';
import { loadRegistry } from '../apps/index.js';
import { FlowChecker } from '../agent/check.js';
import { PathBounds } from '../agent/bounds.js';
import { configDir } from '../util/paths.js';
import { Notifier } from '../agent/notify.js';
import { schemasHome } from '../apps/custom-fields.js';
import { createHttpIo } from '../runtime/http-io.js';
import { runFlow, type RunSummary } from '../runtime/run-flow.js';
import { STATE_ERRORS, StateError, agentFlowKey, scrubSecrets } from '../state/index.js';
import { PostgresStateStore } from '../state/postgres/store.js';
import { SCALE_ERRORS as E, ScaleError } from './errors.js';
import { QUEUE_NAME, pingRedis, redisConnection, workerKey, type QueueTarget, type RunJob, type WorkerInfo } from './queue.js';
import { installSharedLimits } from './shared-limits-env.js';
import { HEARTBEAT_MS, LOCK_MS, STALE_MS } from './worker-timing.js';


export interface WorkerOptions {
  queue: QueueTarget;
  state: string;
  concurrency: number;
  env: Record<string, string | undefined>;
  home: string;
  stdout: Writable;
  log: (line: string) => void;
}

export interface RunningWorker {
  id: string;
  /** Stops taking jobs and waits for the running ones (SIGTERM); after `hardStopMs` tells them to stop at their next page. */
  drain(hardStopMs: number): Promise<void>;
  closed: Promise<void>;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const connection = redisConnection(o.queue);
  await pingRedis(o.queue, connection);
  const store = await PostgresStateStore.open(o.state, { foreignStaleMs: STALE_MS });
  const deployments = store.deployments;
  const closeLimits = await installSharedLimits(o.env, o.queue.url, o.queue.prefix);
  const hardStop = new AbortController();
  const http = createHttpIo({ env: o.env, signal: hardStop.signal, home: o.home });
  const registry = loadRegistry();
  const checker = new FlowChecker(registry, schemasHome(o.env));
  // The panel of queue mode has no page per run: messages carry no panel link.
  const notifier = new Notifier({ deployments, url: () => '', log: o.log });
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const startedAt = new Date().toISOString();
  const running = new Map<string, WorkerInfo['running'][number]>();
  let draining = false;

  const announce = async () => {
    const info: WorkerInfo = { id, host: hostname(), pid: process.pid, concurrency: o.concurrency, startedAt, seenAt: new Date().toISOString(), draining, running: [...running.values()] };
    await connection.set(workerKey(o.queue, id), JSON.stringify(info), 'PX', HEARTBEAT_MS * 5).catch(() => {});
  };

  const process_ = async (job: Job<RunJob>, token?: string): Promise<{ status: string; runId: number | null; read: number; written: number; rejected: number }> => {
    const { deployment: name, version } = job.data;
    const dep = await deployments.atVersion(name, version);
    if (!dep) throw new ScaleError(E.noSuchVersion, `there is no version ${version} of deployment \`${name}\` in ${store.path}`);
    const checked = checker.check(dep.text, { fileName: dep.fileName, env: o.env, vars: dep.vars });
    const flow = checked.flows.find((f) => f.model.name === dep.flow);
    if (!flow) {
      const first = checked.diagnostics.find((d) => d.severity === 'error');
      throw new ScaleError(E.doesNotCheck, `version ${version} of \`${name}\` no longer checks${first ? `: ${first.code} ${first.message}` : ''}`);
    }
    const entry = { deployment: name, version, runId: null as number | null, since: new Date().toISOString() };
    running.set(job.id!, entry);
    void announce();
    // Renews this run in the state (for workers on other hosts) and puts its id on the job.
    const beat = setInterval(() => {
      void (async () => {
        const mine = (await store.runs(dep.stateKey, { status: 'running', limit: 5 })).find((r) => r.pid === process.pid && r.host === hostname());
        if (!mine) return;
        await store.heartbeat(mine.id);
        if (entry.runId !== mine.id) {
          entry.runId = mine.id;
          await job.updateData({ ...job.data, runId: mine.id });
        }
      })().catch(() => {});
    }, HEARTBEAT_MS);
    let summary: RunSummary;
    try {
      const bounds = new PathBounds([dep.baseDir, ...dep.allowPaths], [o.home, configDir(o.env)]);
      summary = await runFlow({
        flow: flow.model,
        file: `${dep.baseDir}/${dep.fileName}`,
        registry,
        store,
        http,
        io: { cwd: dep.baseDir, stdout: o.stdout, env: o.env, home: o.home, confine: (path, use) => bounds.check(path, use) },
        vars: dep.vars,
        dryRun: false,
        trigger: 'agent',
        flowKey: dep.stateKey,
        legacyKeys: [agentFlowKey(dep.name)],
        claimFile: null,
        signal: hardStop.signal,
        // A webhook flow reads the deployment's events kept by the queue agent, in order.
        webhooks: { store: store.webhooks, deployment: dep.name },
      });
    } catch (err) {
      if (err instanceof StateError && err.code === STATE_ERRORS.flowRunning) {
        // Another worker runs it, or one that died is not yet known dead: try again a little later.
        o.log(`${name} v${version}: ${err.message}; trying again in ${STALE_MS / 1000} s`);
        await job.moveToDelayed(Date.now() + STALE_MS, token);
        throw new DelayedError();
      }
      throw err;
    } finally {
      clearInterval(beat);
      running.delete(job.id!);
      void announce();
    }
    if (summary.run_id !== null) {
      await deployments.tagRun(summary.run_id, version);
      // `trigger --wait` reads the run's outcome from the state through this id, failed runs too.
      if (job.data.runId !== summary.run_id) await job.updateData({ ...job.data, runId: summary.run_id });
    }
    const counts = { status: summary.status, runId: summary.run_id, read: summary.read, written: summary.written, rejected: summary.rejected };
    o.log(`${name} v${version}: ${summary.status}: read ${summary.read}, written ${summary.written}, rejected ${summary.rejected}${summary.error ? `: ${summary.error.code} ${scrubSecrets(summary.error.message)}` : ''}`);
    // Failure notices (deploy --notify-url): the streak is kept in the deployment row in PostgreSQL,
    // and runs of one deployment never overlap, so any worker can tell where a streak starts or ends.
    const current = await deployments.get(name);
    if (current?.enabled) notifier.outcome(current, { name, version, status: summary.status, runId: summary.run_id, summary, ...(summary.error ? { error: summary.error } : {}) });
    if (summary.status === 'failed') throw new ScaleError(E.runFailed, `${name} v${version} failed: ${summary.error?.code ?? ''} ${scrubSecrets(summary.error?.message ?? '')}`);
    return counts;
  };

  const worker = new Worker<RunJob>(QUEUE_NAME, process_, {
    connection,
    prefix: `${o.queue.prefix}:bull`,
    concurrency: o.concurrency,
    lockDuration: LOCK_MS,
    stalledInterval: LOCK_MS / 2,
    // A job is taken over as often as its workers die: the run continues from its state each time.
    maxStalledCount: 1000,
    name: id,
  });
  worker.on('error', (err) => o.log(`queue: ${scrubSecrets(err.message)}`));
  await worker.waitUntilReady();
  await announce();
  const beat = setInterval(() => void announce(), HEARTBEAT_MS);
  o.log(`worker ${id} taking runs from ${o.queue.url.replace(/:[^:@/]*@/, ':****@')} (concurrency ${o.concurrency}), state in ${store.path}`);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let draining_: Promise<void> | undefined;
  return {
    id,
    closed,
    drain(hardStopMs: number) {
      draining_ ??= (async () => {
        draining = true;
        await announce();
        const timer = setTimeout(() => hardStop.abort(), hardStopMs);
        await worker.close();
        await notifier.drain(2_000);
        clearTimeout(timer);
        clearInterval(beat);
        await connection.del(workerKey(o.queue, id)).catch(() => {});
        await http.close();
        await closeLimits();
        await store.close();
        connection.disconnect();
        resolveClosed();
      })();
      return draining_;
    },
  };
}
