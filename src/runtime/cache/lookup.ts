// The in-process cache of read lookups (`lookup NAME = APP.ACTION where ...` calls one read per
// record; most records ask the same few questions). An LRU with a TTL: bounded memory, and answers
// no older than the TTL, since the data behind them changes.
//
// Keys name the connection by a fingerprint (base URL, API version, and a keyed hash of the token:
// two tokens may see different data), never by the token itself, so a key can be logged or shown
// in stats without leaking anything.
import { readFileSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import { generationFile } from './paths.js';

export const DEFAULT_LOOKUP_MAX = 10_000;
export const DEFAULT_LOOKUP_TTL_MS = 5 * 60_000;
/** How often a long-running process looks whether `sluice cache clear` ran elsewhere. */
const GENERATION_CHECK_MS = 1_000;

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

export interface ConnectionLike {
  baseUrl: string;
  apiVersion?: string;
  /** A Secret: only its fingerprint() is used. */
  token?: { fingerprint(): string } | null;
}

/** Query parameters that carry credentials: never part of a key, whatever the caller passes. */
const CREDENTIAL_PARAMS = /^(api_token|access_token|token|x-api-token|authorization)$/i;

export function connectionFingerprint(c: ConnectionLike): string {
  return `${c.baseUrl.replace(/\/+$/, '')}|${c.apiVersion ?? ''}|${c.token ? c.token.fingerprint() : 'anonymous'}`;
}

/**
 * The key of one request: connection fingerprint, method, path and the query with its parameters
 * sorted, so that `?a=1&b=2` and `?b=2&a=1` share an entry. Undefined parameters are left out (they
 * are not sent); list values keep their order (an API may care).
 */
export function lookupKey(parts: { connection: string; method: string; path: string; query?: Record<string, QueryValue> }): string {
  const query = Object.entries(parts.query ?? {})
    .filter(([k, v]) => v !== undefined && !CREDENTIAL_PARAMS.test(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([parts.connection, parts.method.toUpperCase(), parts.path, query]);
}

export interface LookupCacheOptions {
  max?: number;
  ttlMs?: number;
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

export interface LookupCacheStats {
  entries: number;
  max: number;
  ttlMs: number;
  hits: number;
  misses: number;
  /** Loads started by getOrLoad (concurrent asks for one key share one load). */
  loads: number;
  hitRate: number | null;
}

// lru-cache refuses undefined values and its V must be an object: boxing lets null (a lookup that
// found nothing, worth caching too) be a value.
interface Box<V> {
  v: V;
}

export class LookupCache<V = unknown> {
  private readonly lru: LRUCache<string, Box<V>>;
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly clock: () => number;
  private readonly ttlMs: number;
  private readonly max: number;
  private hits = 0;
  private misses = 0;
  private loads = 0;
  /** Bumped by clear(), so that a load begun before it does not refill the cache with old data. */
  private epoch = 0;
  private watched: { file: string; seen: string | null; checkedAt: number } | null = null;

  constructor(options: LookupCacheOptions = {}) {
    this.max = options.max ?? DEFAULT_LOOKUP_MAX;
    this.ttlMs = options.ttlMs ?? DEFAULT_LOOKUP_TTL_MS;
    if (!Number.isSafeInteger(this.max) || this.max < 1) throw new Error(`LookupCache max must be a positive integer, got ${this.max}`);
    if (!Number.isFinite(this.ttlMs) || this.ttlMs <= 0) throw new Error(`LookupCache ttlMs must be positive, got ${this.ttlMs}`);
    this.clock = options.now ?? (() => performance.now());
    this.lru = new LRUCache<string, Box<V>>({
      max: this.max,
      ttl: this.ttlMs,
      // Age is counted from when the answer was fetched; reading it does not make it fresher.
      updateAgeOnGet: false,
      allowStale: false,
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  get(key: string): V | undefined {
    this.sync();
    const box = this.lru.get(key);
    if (box) this.hits++;
    else this.misses++;
    return box?.v;
  }

  has(key: string): boolean {
    this.sync();
    return this.lru.has(key);
  }

  set(key: string, value: V, ttlMs?: number): void {
    if (value === undefined) throw new Error('LookupCache cannot hold undefined; use null for "nothing found"');
    this.sync();
    this.lru.set(key, { v: value }, ttlMs === undefined ? undefined : { ttl: ttlMs });
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  /**
   * The cached value, or the result of `load` (then cached). Concurrent calls for one key share a
   * single load, so a burst of records asking the same question costs one request. A failed load is
   * not cached.
   */
  async getOrLoad(key: string, load: () => Promise<V> | V): Promise<V> {
    this.sync();
    const box = this.lru.get(key);
    if (box) {
      this.hits++;
      return box.v;
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.hits++;
      return pending;
    }
    this.misses++;
    this.loads++;
    const epoch = this.epoch;
    let started: Promise<V>;
    try {
      // Started now, not on a later tick: the caller may be counting on the request being under way.
      started = Promise.resolve(load());
    } catch (err) {
      started = Promise.reject(err);
    }
    const p = started
      .then((v) => {
        if (epoch === this.epoch && v !== undefined) this.lru.set(key, { v });
        return v;
      })
      .finally(() => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
      });
    this.inflight.set(key, p);
    return p;
  }

  /** Empties the cache; returns how many (live) entries it held. Counters are kept. */
  clear(): number {
    this.lru.purgeStale();
    const n = this.lru.size;
    this.lru.clear();
    this.inflight.clear();
    this.epoch++;
    return n;
  }

  stats(): LookupCacheStats {
    this.lru.purgeStale();
    const asked = this.hits + this.misses;
    return { entries: this.lru.size, max: this.max, ttlMs: this.ttlMs, hits: this.hits, misses: this.misses, loads: this.loads, hitRate: asked ? this.hits / asked : null };
  }

  /**
   * Follows `sluice cache clear` run by another process (DESIGN.md: "also in a running agent"):
   * clearCache writes a new generation into `$SLUICE_HOME/cache/.generation`, and a watching cache
   * empties itself at its next use, checking at most once a second.
   */
  watch(home: string): this {
    const file = generationFile(home);
    this.watched = { file, seen: readGeneration(file), checkedAt: this.clock() };
    return this;
  }

  private sync(): void {
    const w = this.watched;
    if (!w) return;
    const t = this.clock();
    if (t - w.checkedAt < GENERATION_CHECK_MS) return;
    w.checkedAt = t;
    const g = readGeneration(w.file);
    if (g !== w.seen) {
      w.seen = g;
      this.clear();
    }
  }
}

function readGeneration(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

let shared: LookupCache | undefined;

/**
 * The process-wide lookup cache, shared by every flow the process runs (the agent runs many).
 * Options apply when it is created, `home` (to follow `sluice cache clear`) whenever given.
 */
export function lookupCache(options: LookupCacheOptions & { home?: string } = {}): LookupCache {
  shared ??= new LookupCache(options);
  if (options.home !== undefined) shared.watch(options.home);
  return shared;
}

/** The process-wide cache if something created it, without creating it. */
export const existingLookupCache = (): LookupCache | undefined => shared;
