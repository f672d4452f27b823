// Queue mode's names and connections. One BullMQ queue per Sluice installation: its jobs carry only
// the deployment, the version to run and, once a worker has started it, the run's id in the state
// database; the flow text, its state and its history live in PostgreSQL.
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { SCALE_ERRORS as E, ScaleError } from './errors.js';

export const QUEUE_NAME = 'runs';

export interface RunJob {
  deployment: string;
  version: number;
  /** Set by the worker that started it: a worker taking over a stalled job marks that run interrupted. */
  runId?: number;
}

export interface QueueTarget {
  url: string;
  /** Key prefix: several installations (or tests) can share one Redis. */
  prefix: string;
}

export function queueTarget(url: string, env: Record<string, string | undefined>): QueueTarget {
  url = url.trim();
  if (!/^rediss?:\/\//i.test(url)) {
    throw new ScaleError(E.badQueueUrl, `--queue must be a Redis URL (redis://HOST:PORT), got \`${url.replace(/:[^:@/]*@/, ':****@').slice(0, 80)}\``, {
      hint: 'Queue mode runs on Redis: e.g. --queue redis://127.0.0.1:6379. Without --queue the agent runs flows itself.',
      exitCode: 2,
    });
  }
  return { url, prefix: env.SLUICE_REDIS_PREFIX || 'sluice' };
}

/** A Redis connection as BullMQ needs it (blocking commands: no retry limit per request). */
export function redisConnection(t: QueueTarget): Redis {
  const r = new Redis(t.url, { maxRetriesPerRequest: null });
  r.on('error', () => {});
  return r;
}

export function runQueue(t: QueueTarget, connection: Redis): Queue<RunJob> {
  return new Queue<RunJob>(QUEUE_NAME, { connection, prefix: `${t.prefix}:bull` });
}

/** Where workers announce themselves (JSON, expiring unless renewed). */
export const workerKey = (t: QueueTarget, id: string) => `${t.prefix}:workers:${id}`;

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  startedAt: string;
  seenAt: string;
  draining: boolean;
  running: { deployment: string; version: number; runId: number | null; since: string }[];
}

export async function listWorkers(t: QueueTarget, redis: Redis): Promise<WorkerInfo[]> {
  const out: WorkerInfo[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', workerKey(t, '*'), 'COUNT', 200);
    cursor = next;
    const values = keys.length ? await redis.mget(...keys) : [];
    for (const v of values) if (v) out.push(JSON.parse(v) as WorkerInfo);
  } while (cursor !== '0');
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** `--state` for queue mode: a PostgreSQL URL (flag, else SLUICE_STATE); SQLite cannot be shared by machines. */
export function queueState(flagValue: string | undefined, env: Record<string, string | undefined>): string {
  const url = flagValue ?? env.SLUICE_STATE;
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) {
    throw new ScaleError(E.needsPostgres, 'queue mode keeps flows, state and history in PostgreSQL: give --state postgres://USER@HOST:PORT/DB (or SLUICE_STATE)', {
      hint: 'Every worker and agent of the queue must use the same --state. Without --queue, the agent keeps state in SQLite.',
      exitCode: 2,
    });
  }
  return url;
}

/** Fails with a clear error when Redis does not answer within a few seconds. */
export async function pingRedis(t: QueueTarget, redis: Redis): Promise<void> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref());
  try {
    await Promise.race([redis.ping(), timeout]);
  } catch (err) {
    // The client would go on reconnecting and keep the process alive.
    redis.disconnect();
    throw new ScaleError(E.redisUnreachable, `cannot reach the queue's Redis at ${t.url.replace(/:[^:@/]*@/, ':****@')}: ${(err as Error).message}`, {
      hint: 'Check that Redis runs and that --queue names it (redis://HOST:PORT).',
    });
  }
}
