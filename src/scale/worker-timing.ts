// Queue mode's timing, shared by the worker, the agent and `agent start --help` (which states it):
// how often workers show they are alive, when they are taken for dead, and how a failed run of
// webhook events is retried.

/** Workers renew their entry in Redis and their runs in the state this often. */
export const HEARTBEAT_MS = 2_000;
/** A run on another host not renewed for this long is taken as dead (several missed heartbeats). */
export const STALE_MS = 15_000;
/** How long a job's lock lasts without renewal: a killed worker's job goes to another after about this. */
export const LOCK_MS = 8_000;
/** A run of webhook events is tried this many times by the queue before the leader waits to try again. */
export const EVENT_ATTEMPTS = 5;
/** The first wait between those attempts; each next one is twice as long. */
export const EVENT_BACKOFF_MS = 1_000;
