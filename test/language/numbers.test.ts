// Every number the formatter prints reads back as the same value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { format } from '../../src/language/format.js';
import { parse } from '../../src/language/parse.js';
import { printNumber } from '../../src/language/printer.js';

const valueOf = (text: string): unknown => {
  const flow = parse(`source stdout -> map { a: ${text} } -> dest stdout`).program.flows[0];
  const step = flow?.pipeline?.steps[0];
  if (step?.kind !== 'Map' || step.entries[0]?.kind !== 'FieldEntry') return undefined;
  const v = step.entries[0].value;
  return v.kind === 'Number' ? v.value : v.kind;
};

describe('number literals', () => {
  it.each(['1e309', '1e400', '123456789012345678901234567890e300'])('%s (infinity) formats to a literal that reads back as infinity', (lit) => {
    const r = format(`source pipedrive.persons -> take ${lit} -> map { a: ${lit} } -> dest stdout`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.text).not.toContain('Infinity');
    const flow = parse(r.text).program.flows[0]!;
    const [take, map] = flow.pipeline!.steps;
    expect(take.kind === 'Take' && take.count.kind === 'Number' && take.count.value).toBe(Infinity);
    expect(map.kind === 'Map' && map.entries[0].kind === 'FieldEntry' && map.entries[0].value.kind === 'Number' && map.entries[0].value.value).toBe(Infinity);
  });

  it('every non-negative double prints as a literal of the same value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 0, noNaN: true }), fc.nat(), fc.constantFrom(0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Infinity)), (n) => {
        expect(valueOf(printNumber(n))).toBe(Object.is(n, -0) ? 0 : n);
      }),
      { numRuns: 500, seed: 14 },
    );
  });
});
