// How often workers show they are alive, and when they are taken for dead (shared by the worker and
// the agent that shows them).

/** Workers renew their entry in Redis and their runs in the state this often. */
export const HEARTBEAT_MS = 2_000;
/** A run on another host not renewed for this long is taken as dead (several missed heartbeats). */
export const STALE_MS = 15_000;
/** How long a job's lock lasts without renewal: a killed worker's job goes to another after about this. */
export const LOCK_MS = 8_000;
