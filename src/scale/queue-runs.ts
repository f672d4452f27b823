// Runs asked for through the queue agent (`sluice trigger [--wait]`, the panel's Run now): one at a
// time per deployment, as with the in-process agent, and, with --wait, the run's outcome once a
// worker has finished it (read from PostgreSQL, where the worker recorded it).
import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { AGENT_ERRORS, AgentError } from '../agent/errors.js';
import type { Deployment, StateStore } from '../state/index.js';
import type { RunJob } from './queue.js';

const POLL_MS = 250;

export interface RunInProgress {
  since: string;
  version: number;
  trigger: string;
}

/** The queue's jobs that are runs, of every deployment. */
export type QueuedRuns = () => Promise<Job<RunJob>[]>;

/**
 * The jobs that are runs, read from the queue at most once however many deployments ask: a listing
 * asks for each, and the queue's jobs are read whole. Delayed jobs of a job scheduler are its next
 * due times, not runs; other delayed jobs wait for a run of another worker to be known dead
 * (SL6010) and count as runs.
 */
export function queuedRuns(queue: Queue<RunJob>): QueuedRuns {
  let jobs: Promise<Job<RunJob>[]> | undefined;
  return () => (jobs ??= queue.getJobs(['active', 'waiting', 'prioritized', 'delayed']).then((all) => all.filter((j) => j && !(j.repeatJobKey && j.processedOn === undefined && j.delay > 0))));
}

/** The deployment's run in progress: one recorded as running, else a job a worker holds or will take. */
export async function runInProgress(store: StateStore, d: Deployment, jobs: QueuedRuns): Promise<RunInProgress | null> {
  const [running] = await store.runs(d.stateKey, { status: 'running', limit: 1 });
  if (running) {
    const version = (await store.deployments.runVersions([running.id])).get(running.id);
    return { since: running.startedAt, version: version ?? d.version, trigger: running.trigger };
  }
  const job = (await jobs()).find((j) => j.data.deployment === d.name);
  return job ? { since: new Date(job.processedOn ?? job.timestamp).toISOString(), version: job.data.version, trigger: job.repeatJobKey ? 'schedule' : 'manual' } : null;
}

/** Puts a run of `d` on the queue; refused (SL8020) while one is in progress or waiting. */
export async function triggerRun(queue: Queue<RunJob>, store: StateStore, d: Deployment): Promise<Job<RunJob>> {
  const busy = await runInProgress(store, d, queuedRuns(queue));
  if (busy) throw running(d.name, busy.since);
  const jobId = `trigger-${d.name}-${randomUUID()}`;
  // Two triggers at the same moment: BullMQ keeps one job per deduplication id until it ends.
  const job = await queue.add(d.name, { deployment: d.name, version: d.version }, { jobId, deduplication: { id: `trigger-${d.name}` }, removeOnComplete: 1000, removeOnFail: 1000 });
  if (job.id !== jobId) throw running(d.name, new Date(job.timestamp).toISOString());
  return job;
}

function running(name: string, since: string): AgentError {
  return new AgentError(AGENT_ERRORS.flowRunning, `\`${name}\` is running or waiting for a worker (since ${since}): it was not started again`, {
    hint: 'Wait for the run to finish (`sluice trigger NAME --wait` waits for a run it starts); `sluice deployments` shows it.',
  });
}

export interface RunOutcomeJson {
  deployment: string;
  version: number;
  status: string;
  run_id: number | null;
  read?: number;
  written?: number;
  rejected?: number;
  duration_ms?: number | null;
  error: { code?: string; message: string } | null;
}

/** Waits until the job has ended (retries included) and answers the run as `trigger --wait` prints it. */
export async function waitForRun(queue: Queue<RunJob>, store: StateStore, jobId: string, signal: AbortSignal): Promise<RunOutcomeJson> {
  for (;;) {
    if (signal.aborted) throw new AgentError(AGENT_ERRORS.stopping, 'the agent is stopping: the run goes on, but its end is not waited for here', { hint: '`sluice runs` shows how it ends.' });
    const job = await queue.getJob(jobId);
    if (!job) throw new AgentError(AGENT_ERRORS.notFound, `the queue no longer has job ${jobId}`, { hint: '`sluice runs` shows how it ended.' });
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return outcome(store, job);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function outcome(store: StateStore, job: Job<RunJob>): Promise<RunOutcomeJson> {
  const runId = (job.returnvalue as { runId?: number | null } | undefined)?.runId ?? job.data.runId ?? null;
  const run = runId !== null ? await store.run(runId) : undefined;
  const base = { deployment: job.data.deployment, version: job.data.version };
  if (!run) {
    // The job failed before a run was recorded (its version is gone, or it no longer checks).
    const reason = job.failedReason ?? 'the worker ended the job without a run';
    const code = /\bSL\d{4}\b/.exec(reason)?.[0];
    return { ...base, status: 'failed', run_id: null, error: { ...(code ? { code } : {}), message: reason } };
  }
  return { ...base, status: run.status, run_id: run.id, read: run.read, written: run.written, rejected: run.rejected, duration_ms: run.durationMs, error: run.error };
}
