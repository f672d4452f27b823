// When deployed flows run: `schedule every N{s,m,h,d}` on a fixed grid, `schedule cron "..."` by
// croner (5 fields, or 6 with seconds first; in the agent's local time zone, like crontab).
//
// The scheduler only says "this deployment is due now"; whether the run starts or is recorded as
// skipped (the previous run is still going) is the runner's business. So that a slow run does not
// push the grid later, due times follow the grid, not the end of the last run: with `every 1s` and a
// run that takes 2.5 s, the ticks at 1 s and 2 s are skipped and the run at 3 s starts on time.
//
// After a restart of the agent, `every` continues from the last run's start: a flow that ran 10 s
// ago with `every 1m` runs in 50 s, and one that should have run while the agent was down runs once
// at once (missed ticks are not replayed one by one). Cron does not catch up, as crontab does not.
import { Cron } from 'croner';
import type { Diagnostic } from '../diagnostics.js';
import type * as A from '../language/ast.js';
import { AGENT_ERRORS as E } from './errors.js';

export type Schedule = { kind: 'every'; ms: number; text: string } | { kind: 'cron'; expression: string; text: string };

const UNIT_MS: Record<A.DurationUnit, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** setTimeout's limit; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The flow's schedule, or null for a flow without one (it runs only when triggered), with the
 * diagnostics that make a deploy refuse it: two schedules, a zero interval, a cron expression that
 * croner does not accept.
 */
export function scheduleOf(flow: A.Flow): { schedule: Schedule | null; diagnostics: Diagnostic[] } {
  const settings = flow.settings.filter((s): s is A.ScheduleEvery | A.ScheduleCron => s.kind === 'ScheduleEvery' || s.kind === 'ScheduleCron');
  const diagnostics: Diagnostic[] = [];
  if (settings.length === 0) return { schedule: null, diagnostics };
  if (settings.length > 1) {
    diagnostics.push({
      code: E.badSchedule,
      severity: 'error',
      message: 'a flow has one schedule: this is its second',
      range: settings[1].range,
      related: [{ message: 'the first schedule', range: settings[0].range }],
      hint: 'Keep one `schedule every ...` or `schedule cron "..."` line.',
    });
    return { schedule: null, diagnostics };
  }
  const s = settings[0];
  if (s.kind === 'ScheduleEvery') {
    const ms = s.amount * UNIT_MS[s.unit];
    if (!Number.isSafeInteger(ms) || ms < 1_000) {
      diagnostics.push({ code: E.badSchedule, severity: 'error', message: `\`every ${s.amount}${s.unit}\` is not a usable interval: the shortest is 1s`, range: s.range });
      return { schedule: null, diagnostics };
    }
    return { schedule: { kind: 'every', ms, text: `every ${s.amount}${s.unit}` }, diagnostics };
  }
  const expression = s.expression.value;
  const problem = cronProblem(expression);
  if (problem) {
    diagnostics.push({
      code: E.badSchedule,
      severity: 'error',
      message: `\`${expression}\` is not a cron expression the agent understands: ${problem}`,
      range: s.expression.range,
      hint: 'Five fields (minute hour day-of-month month day-of-week), e.g. "*/15 * * * *", or six with seconds first.',
    });
    return { schedule: null, diagnostics };
  }
  return { schedule: { kind: 'cron', expression, text: `cron "${expression}"` }, diagnostics };
}

function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).filter(Boolean).length;
  if (fields < 5 || fields > 6) return `it has ${fields} field${fields === 1 ? '' : 's'}, not 5 or 6`;
  try {
    const c = new Cron(expression, { paused: true });
    const next = c.nextRun();
    c.stop();
    if (!next) return 'it never matches a future time';
    return null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '');
  }
}

/** The first due time after `after` (exclusive); null when a cron expression has no future match. */
export function nextDue(schedule: Schedule, after: number, anchor: number): number | null {
  if (schedule.kind === 'every') {
    // On the grid anchored at `anchor`: anchor + k * ms for the smallest k making it later than `after`.
    const k = Math.floor((after - anchor) / schedule.ms) + 1;
    return anchor + Math.max(1, k) * schedule.ms;
  }
  const c = new Cron(schedule.expression, { paused: true });
  try {
    return c.nextRun(new Date(after))?.getTime() ?? null;
  } finally {
    c.stop();
  }
}

interface Entry {
  schedule: Schedule;
  /** The grid origin of an `every` schedule. */
  anchor: number;
  due: number | null;
  timer: NodeJS.Timeout | null;
}

export interface SchedulerOptions {
  /** Called at each due time; `due` is when it was due (the delay to now is the scheduling delay). */
  onDue: (name: string, due: number) => void;
  now?: () => number;
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Schedules (or reschedules) a deployment. `lastStart` is when its last run started, if it ever
   * ran: an `every` schedule continues from it, or is due at once when it never ran or is overdue.
   */
  set(name: string, schedule: Schedule | null, lastStart: number | null): void {
    this.remove(name);
    if (!schedule || this.stopped) return;
    const now = this.now();
    let entry: Entry;
    if (schedule.kind === 'every') {
      const first = lastStart === null ? now : Math.max(now, lastStart + schedule.ms);
      entry = { schedule, anchor: first, due: first, timer: null };
    } else {
      entry = { schedule, anchor: now, due: nextDue(schedule, now, now), timer: null };
    }
    this.entries.set(name, entry);
    this.arm(name, entry);
  }

  remove(name: string): void {
    const e = this.entries.get(name);
    if (e?.timer) clearTimeout(e.timer);
    this.entries.delete(name);
  }

  /** The next due time (ms since the epoch), or null when not scheduled. */
  next(name: string): number | null {
    return this.entries.get(name)?.due ?? null;
  }

  /** No more due calls; pending timers are cleared. */
  stop(): void {
    this.stopped = true;
    for (const name of [...this.entries.keys()]) this.remove(name);
  }

  private arm(name: string, entry: Entry): void {
    if (entry.due === null || this.stopped) return;
    const wait = Math.max(0, entry.due - this.now());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (this.entries.get(name) !== entry || entry.due === null) return;
      if (this.now() < entry.due) {
        // A long wait is armed in steps (setTimeout's limit), and timers may fire a little early.
        this.arm(name, entry);
        return;
      }
      const due = entry.due;
      // The next due time is computed before calling out, so that a throwing callback cannot stop
      // the schedule, and from the grid (or cron) rather than from now, so delays do not accumulate.
      // Ticks missed while the process was stalled are coalesced into this one.
      entry.due = nextDue(entry.schedule, Math.max(due, this.now()), entry.anchor);
      this.arm(name, entry);
      try {
        this.options.onDue(name, due);
      } catch {
        // The runner records its own failures; the schedule goes on.
      }
    }, Math.min(wait, MAX_TIMER_MS));
  }
}
