// Faults for testing a client's resilience, all reproducible: whether the n-th API request fails is
// a hash of (seed, n, kind) rather than a draw from shared state, so the same seed and the same
// sequence of requests meet the same faults. `reset()` restarts the numbering for a fresh test.
import { hash01 } from './prng.js';

export interface FaultSettings {
  /** Added to every API answer, in milliseconds. */
  latencyMs: number;
  /** Share of requests answered 500, 502 or 503 before they touch any record. */
  failRate: number;
  /** Share of requests whose connection is destroyed half-way through the answer (after the handler ran). */
  resetRate: number;
  /** Share of GET requests answered 200 with a truncated JSON body. */
  malformedRate: number;
}

export type FaultKind = 500 | 502 | 503 | 'reset' | 'malformed';
export const FAULT_KINDS: readonly FaultKind[] = [500, 502, 503, 'reset', 'malformed'];

export const NO_FAULTS: FaultSettings = Object.freeze({ latencyMs: 0, failRate: 0, resetRate: 0, malformedRate: 0 });

export interface FaultPlan {
  latencyMs: number;
  /** Answer with this status instead of running the handler. */
  fail?: 500 | 502 | 503;
  /** Break the answer after the handler ran. */
  corrupt?: 'reset' | 'malformed';
}

const STATUSES = [500, 502, 503] as const;

export function checkFaults(f: Partial<FaultSettings>): void {
  for (const k of ['failRate', 'resetRate', 'malformedRate'] as const) {
    const v = f[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1)) throw new RangeError(`${k} must be between 0 and 1, got ${v}`);
  }
  if (f.latencyMs !== undefined && !(Number.isFinite(f.latencyMs) && f.latencyMs >= 0)) throw new RangeError(`latencyMs must be 0 or more, got ${f.latencyMs}`);
}

export class FaultInjector {
  private settings: FaultSettings;
  private queue: FaultKind[] = [];
  private seq = 0;

  constructor(
    private readonly seed: number,
    settings: Partial<FaultSettings> = {},
  ) {
    checkFaults(settings);
    this.settings = { ...NO_FAULTS, ...settings };
  }

  get current(): FaultSettings {
    return { ...this.settings };
  }

  set(partial: Partial<FaultSettings>): void {
    checkFaults(partial);
    this.settings = { ...this.settings, ...partial };
  }

  /** Make the next `count` API requests fail in this way, whatever the rates say. */
  failNext(kind: FaultKind, count = 1): void {
    if (!FAULT_KINDS.includes(kind)) throw new RangeError(`unknown fault kind ${String(kind)}`);
    for (let i = 0; i < count; i++) this.queue.push(kind);
  }

  /** Start the request numbering again (and forget queued faults), for a test that wants a clean slate. */
  reset(): void {
    this.seq = 0;
    this.queue = [];
  }

  plan(method: string): FaultPlan {
    const n = this.seq++;
    const s = this.settings;
    const forced = this.queue.shift();
    if (forced !== undefined) {
      if (forced === 'reset' || forced === 'malformed') return { latencyMs: s.latencyMs, corrupt: forced };
      return { latencyMs: s.latencyMs, fail: forced };
    }
    if (s.failRate > 0 && hash01(this.seed, n, 'fail') < s.failRate) {
      return { latencyMs: s.latencyMs, fail: STATUSES[Math.floor(hash01(this.seed, n, 'status') * 3)] };
    }
    if (s.malformedRate > 0 && method === 'GET' && hash01(this.seed, n, 'malformed') < s.malformedRate) {
      return { latencyMs: s.latencyMs, corrupt: 'malformed' };
    }
    if (s.resetRate > 0 && hash01(this.seed, n, 'reset') < s.resetRate) return { latencyMs: s.latencyMs, corrupt: 'reset' };
    return { latencyMs: s.latencyMs };
  }
}
