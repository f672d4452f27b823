// The sandbox's idea of "now". Tests freeze it and move it by hand, so that timestamps written by a
// create or an update are known in advance; the CLI lets it tick with real time from a fixed start.
import { performance } from 'node:perf_hooks';
import { floorSecond } from './time.js';

export type ClockMode = 'frozen' | 'ticking';

/** 2026-01-15T12:00:00Z: fixed, so that a seed alone determines every seeded timestamp. */
export const DEFAULT_START = Date.UTC(2026, 0, 15, 12, 0, 0);

export class SandboxClock {
  readonly mode: ClockMode;
  private base: number;
  private realAtBase: number;
  /** Forward jumps made by hand; added to real time for the rate limiter's window. */
  private jumped = 0;

  constructor(start: number = DEFAULT_START, mode: ClockMode = 'frozen') {
    this.mode = mode;
    this.base = start;
    this.realAtBase = performance.now();
  }

  /** Epoch milliseconds on the sandbox's calendar. */
  now(): number {
    if (this.mode === 'frozen') return this.base;
    return this.base + Math.floor(performance.now() - this.realAtBase);
  }

  /** Whole seconds: what v1 records store (Pipedrive keeps second resolution for them). */
  nowSecond(): number {
    return floorSecond(this.now());
  }

  date(): Date {
    return new Date(this.now());
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock.advance() takes a non-negative number of ms, got ${ms}`);
    this.base += ms;
    this.jumped += ms;
  }

  set(when: Date | string | number): void {
    const target = when instanceof Date ? when.getTime() : typeof when === 'string' ? Date.parse(when) : when;
    if (!Number.isFinite(target)) throw new RangeError(`clock.set() got an invalid date: ${String(when)}`);
    const delta = target - this.now();
    if (delta > 0) this.jumped += delta;
    this.base = target;
    this.realAtBase = performance.now();
  }

  /**
   * Milliseconds for rate-limit windows: real elapsed time plus every forward jump, so that a test
   * can end a 2-second window with `advance(2000)` instead of sleeping, while a burst of real
   * requests still fills it.
   */
  monotonic(): number {
    return performance.now() + this.jumped;
  }
}
