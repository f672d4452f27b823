// Expression semantics at run time, as README.md documents them.
import { describe, expect, it } from 'vitest';
import type * as A from '../../src/language/ast.js';
import { parse } from '../../src/language/parse.js';
import { evaluate, RecordError, type Rec } from '../../src/runtime/eval.js';
import { formatTime, normaliseTime } from '../../src/runtime/time.js';

const ctx = { templates: { Now: '2026-01-01T00:00:00.000Z', Region: 'emea' }, now: '2026-01-01T00:00:00.000Z', env: { HOME_X: 'h' } };
const ev = (src: string, rec: Rec = {}) => {
  const step = parse(`source a.b -> filter ${src} -> dest stdout`).program.flows[0].pipeline!.steps[0] as A.FilterStep;
  return evaluate(step.expr, rec, ctx);
};

describe('evaluate', () => {
  it.each([
    ['owner.id', { owner: null }, null],
    ['owner.id', { owner: { id: 3 } }, 3],
    ['"a" + null + 1', {}, 'a1'],
    ['1 + null', {}, null],
    ['null < 1', {}, false],
    ['x ?? 2', { x: null }, 2],
    ['not (a == b)', { a: 1, b: 1 }, false],
    ['if n > 1 then "big" else "small"', { n: 2 }, 'big'],
    ['primary(email)', { email: [{ value: 'a', primary: false }, { value: 'b', primary: true }] }, 'b'],
    ['primary(email)', { email: [] }, null],
    ['first(xs)', { xs: [4, 5] }, 4],
    ['coalesce(a, b, 3)', { a: null, b: null }, 3],
    ['concat(a, "-", 2, null)', { a: 'x' }, 'x-2'],
    ['len(name)', { name: 'Ada' }, 3],
    ['lower(trim("  AdA "))', {}, 'ada'],
    ['date(t)', { t: '2026-01-02 10:20:30' }, '2026-01-02T10:20:30.000Z'],
    ['to_number("1e3")', {}, 1000],
    ['to_string(x)', { x: [1, 2] }, '[1,2]'],
    ['env("HOME_X")', {}, 'h'],
    ['~{Region}~ + "!"', {}, 'emea!'],
    ['a["odd key"][0]', { a: { 'odd key': [7] } }, 7],
    ['-x % 3', { x: 7 }, -1],
    ['x / 0', { x: 1 }, null],
  ] as [string, Rec, unknown][])('%s', (src, rec, expected) => {
    expect(ev(src, rec)).toEqual(expected);
  });

  it('a value a function cannot take rejects the record (RecordError), not the run', () => {
    expect(() => ev('to_number("ten")')).toThrow(RecordError);
    expect(() => ev('date("yesterday")')).toThrow(RecordError);
  });
});

describe('time', () => {
  it('normalises Pipedrive times and epochs to ISO 8601 UTC', () => {
    expect(normaliseTime('2026-01-02 10:20:30')).toBe('2026-01-02T10:20:30.000Z');
    expect(normaliseTime('2026-01-02T10:20:30+02:00')).toBe('2026-01-02T08:20:30.000Z');
    expect(normaliseTime(1767225600)).toBe('2026-01-01T00:00:00.000Z');
    expect(normaliseTime('not a time')).toBeUndefined();
  });
  it('formats watermarks for API parameters in whole seconds', () => {
    expect(formatTime('2026-01-02T10:20:30.999Z', 'YYYY-MM-DD HH:mm:ss')).toBe('2026-01-02 10:20:30');
    expect(formatTime('2026-01-02T10:20:30.999Z', 'rfc3339')).toBe('2026-01-02T10:20:30Z');
  });
});
