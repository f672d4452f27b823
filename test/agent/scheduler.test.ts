// Schedules: what `schedule ...` means to the agent, and when the scheduler says a deployment is due.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from '../../src/language/parse.js';
import { Scheduler, nextDue, scheduleOf, type Schedule } from '../../src/agent/scheduler.js';

const flowOf = (settings: string) => parse(`flow f {\n${settings}\n  source file.jsonl with path = "x" -> dest stdout\n}\n`).program.flows[0];

describe('scheduleOf', () => {
  it.each([
    ['  schedule every 1s', { kind: 'every', ms: 1_000, text: 'every 1s' }],
    ['  schedule every 15m', { kind: 'every', ms: 900_000, text: 'every 15m' }],
    ['  schedule every 2h', { kind: 'every', ms: 7_200_000, text: 'every 2h' }],
    ['  schedule every 1d', { kind: 'every', ms: 86_400_000, text: 'every 1d' }],
    ['  schedule cron "*/15 * * * *"', { kind: 'cron', expression: '*/15 * * * *', text: 'cron "*/15 * * * *"' }],
    ['  schedule cron "*/2 * * * * *"', { kind: 'cron', expression: '*/2 * * * * *', text: 'cron "*/2 * * * * *"' }],
    ['', null],
  ])('%j', (settings, schedule) => {
    expect(scheduleOf(flowOf(settings))).toEqual({ schedule, diagnostics: [] });
  });

  it.each([
    ['  schedule every 0s', 2, 3, 2, 20, '`every 0s` is not a usable interval: the shortest is 1s'],
    ['  schedule cron "61 * * * *"', 2, 17, 2, 29, '`61 * * * *` is not a cron expression the agent understands: '],
    ['  schedule cron "* * *"', 2, 17, 2, 24, '`* * *` is not a cron expression the agent understands: it has 3 fields, not 5 or 6'],
    ['  schedule every 1s\n  schedule cron "* * * * *"', 3, 3, 3, 28, 'a flow has one schedule: this is its second'],
  ])('%j is refused at its span', (settings, line, column, endLine, endColumn, message) => {
    const { schedule, diagnostics } = scheduleOf(flowOf(settings));
    expect(schedule).toBeNull();
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0];
    expect(d).toMatchObject({ code: 'SL8011', severity: 'error', range: { start: { line, column }, end: { line: endLine, column: endColumn } } });
    expect(d.message.startsWith(message)).toBe(true);
  });
});

describe('nextDue', () => {
  const every: Schedule = { kind: 'every', ms: 1_000, text: 'every 1s' };

  it('stays on the grid of an `every` schedule, however late it is asked', () => {
    expect(nextDue(every, 0, 0)).toBe(1_000);
    expect(nextDue(every, 999, 0)).toBe(1_000);
    expect(nextDue(every, 1_000, 0)).toBe(2_000);
    expect(nextDue(every, 3_500, 0)).toBe(4_000);
    expect(nextDue(every, 10_250, 250)).toBe(11_250);
  });

  it('follows a cron expression (seconds first with six fields)', () => {
    const cron: Schedule = { kind: 'cron', expression: '*/5 * * * * *', text: '' };
    const t = Date.parse('2026-01-15T12:00:02Z');
    expect(new Date(nextDue(cron, t, t)!).toISOString()).toBe('2026-01-15T12:00:05.000Z');
    expect(new Date(nextDue(cron, Date.parse('2026-01-15T12:00:05Z'), t)!).toISOString()).toBe('2026-01-15T12:00:10.000Z');
  });
});

describe('Scheduler', () => {
  afterEach(() => vi.useRealTimers());

  it('runs a new `every` deployment at once, then on its grid; continues from the last run after a restart', () => {
    vi.useFakeTimers({ now: 100_000 });
    const due: [string, number][] = [];
    const s = new Scheduler({ onDue: (name, at) => due.push([name, at]) });
    s.set('new', { kind: 'every', ms: 1_000, text: '' }, null);
    s.set('recent', { kind: 'every', ms: 60_000, text: '' }, 100_000 - 10_000);
    s.set('overdue', { kind: 'every', ms: 60_000, text: '' }, 100_000 - 120_000);
    expect(s.next('new')).toBe(100_000);
    expect(s.next('recent')).toBe(150_000);
    expect(s.next('overdue')).toBe(100_000);
    vi.advanceTimersByTime(2_000);
    expect(due).toEqual([
      ['new', 100_000],
      ['overdue', 100_000],
      ['new', 101_000],
      ['new', 102_000],
    ]);
    expect(s.next('new')).toBe(103_000);
    s.remove('new');
    expect(s.next('new')).toBeNull();
    s.stop();
    vi.advanceTimersByTime(120_000);
    expect(due).toHaveLength(4);
    expect(s.next('recent')).toBeNull();
  });

  it('a callback that throws does not stop the schedule', () => {
    vi.useFakeTimers({ now: 0 });
    let calls = 0;
    const s = new Scheduler({
      onDue: () => {
        calls++;
        throw new Error('boom');
      },
    });
    s.set('x', { kind: 'every', ms: 1_000, text: '' }, null);
    vi.advanceTimersByTime(3_000);
    expect(calls).toBe(4);
    s.stop();
  });
});
