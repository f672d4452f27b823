import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCursors, normaliseCursor, type Cursor } from '../../src/state/cursor.js';
import { StateError } from '../../src/state/errors.js';

function code(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(StateError);
    return (err as StateError).code;
  }
  throw new Error('expected a StateError');
}

describe('normaliseCursor', () => {
  it.each([
    // Pipedrive v1: UTC without a zone; v2: RFC 3339; leads: milliseconds. One instant, one watermark.
    ['2026-01-05 10:00:00', '2026-01-05T10:00:00.000Z'],
    ['2026-01-05T10:00:00Z', '2026-01-05T10:00:00.000Z'],
    ['2026-01-05T10:00:00.000Z', '2026-01-05T10:00:00.000Z'],
    ['2026-01-05T12:00:00+02:00', '2026-01-05T10:00:00.000Z'],
    ['2026-01-05T05:30:00-0430', '2026-01-05T10:00:00.000Z'],
    ['2026-01-05T10:00:00.123456Z', '2026-01-05T10:00:00.123Z'],
    ['2026-01-05T10:00:00,5Z', '2026-01-05T10:00:00.500Z'],
    ['2026-01-05', '2026-01-05T00:00:00.000Z'],
    ['2026-01-05T10:00', '2026-01-05T10:00:00.000Z'],
    ['0099-03-01 00:00:00', '0099-03-01T00:00:00.000Z'],
    ['2026-01-01T01:00:00+02:00', '2025-12-31T23:00:00.000Z'],
  ])('time %s -> %s', (input, expected) => {
    expect(normaliseCursor(input)).toEqual({ value: expected, kind: 'time' });
  });

  it('normalises numbers, numeric strings and big integers to one canonical text', () => {
    expect(normaliseCursor(42)).toEqual({ value: '42', kind: 'number' });
    expect(normaliseCursor('0042')).toEqual({ value: '42', kind: 'number' });
    expect(normaliseCursor('-7')).toEqual({ value: '-7', kind: 'number' });
    expect(normaliseCursor(12345678901234567890n)).toEqual({ value: '12345678901234567890', kind: 'number' });
    expect(normaliseCursor('12345678901234567890123')).toEqual({ value: '12345678901234567890123', kind: 'number' });
    expect(normaliseCursor('1.50')).toEqual({ value: '1.5', kind: 'number' });
    expect(normaliseCursor(new Date('2026-01-05T10:00:00Z'))).toEqual({ value: '2026-01-05T10:00:00.000Z', kind: 'time' });
    expect(normaliseCursor('abc-9')).toEqual({ value: 'abc-9', kind: 'text' });
  });

  it.each([
    ['2026-02-30 00:00:00', 'not a valid date'],
    ['2026-01-05 24:00:00', 'not a valid date'],
    ['2026-13-01', 'not a valid date'],
    ['2026-01-05T10:00:00+25:00', 'offset is out of range'],
    ['9999-12-31T23:00:00-05:00', 'year is out of range'],
    ['', 'it is empty'],
  ])('refuses %j', (input, why) => {
    expect(code(() => normaliseCursor(input))).toBe('SL6014');
    expect(() => normaliseCursor(input)).toThrow(why);
  });

  it('refuses non-finite numbers and invalid dates', () => {
    expect(code(() => normaliseCursor(Number.NaN))).toBe('SL6014');
    expect(code(() => normaliseCursor(Infinity))).toBe('SL6014');
    expect(code(() => normaliseCursor(new Date('nope')))).toBe('SL6014');
  });

  it('keeps values as given under a custom comparator', () => {
    expect(normaliseCursor('0042', (a, b) => a.localeCompare(b))).toEqual({ value: '0042', kind: 'custom' });
  });

  it('normalised times sort as text in time order (property)', () => {
    const instant = fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9998, 11, 31) });
    const offset = fc.integer({ min: -14 * 60, max: 14 * 60 });
    const render = (ms: number, off: number) => {
      // The same instant written in a zone `off` minutes east of UTC.
      const local = new Date(ms + off * 60_000).toISOString().slice(0, 23);
      const sign = off < 0 ? '-' : '+';
      const a = Math.abs(off);
      return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
    };
    fc.assert(
      fc.property(instant, instant, offset, offset, (a, b, oa, ob) => {
        const x = normaliseCursor(render(a, oa));
        const y = normaliseCursor(render(b, ob));
        expect(x.value).toBe(new Date(a).toISOString());
        expect(Math.sign(compareCursors(x, y))).toBe(Math.sign(a - b));
      }),
    );
  });

  it('compares integers exactly at any size (property)', () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt(), (a, b) => {
        expect(compareCursors(normaliseCursor(a.toString()), normaliseCursor(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });
});

describe('compareCursors', () => {
  it('refuses to compare kinds that differ: the flow changed its cursor', () => {
    const t: Cursor = { value: '2026-01-05T10:00:00.000Z', kind: 'time' };
    expect(code(() => compareCursors(t, { value: '5', kind: 'number' }))).toBe('SL6013');
    try {
      compareCursors(t, { value: '5', kind: 'number' });
    } catch (err) {
      expect((err as StateError).hint).toContain('sluice state reset FLOW');
    }
  });

  it('needs the comparator for custom cursors', () => {
    const a: Cursor = { value: 'b', kind: 'custom' };
    expect(code(() => compareCursors(a, a))).toBe('SL6013');
    expect(compareCursors(a, { value: 'a', kind: 'custom' }, (x, y) => (x < y ? 5 : x > y ? -5 : 0))).toBe(-1);
  });

  it('orders decimals numerically, not as text', () => {
    expect(compareCursors(normaliseCursor('9.5'), normaliseCursor('10'))).toBe(-1);
    expect(compareCursors(normaliseCursor('10'), normaliseCursor('9'))).toBe(1);
  });
});
