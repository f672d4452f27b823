// Deep and huge inputs: the front end stops at documented limits with a diagnostic (code and range)
// instead of overflowing the stack, and stays fast on very long tokens.
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/check/check-source.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { format } from '../../src/language/format.js';
import { MAX_EXPRESSION_DEPTH, MAX_NESTING } from '../../src/language/limits.js';

const env = stdlibEnv();
const inMap = (expr: string) => `source pipedrive.persons\n  -> map { a: ${expr} }\n  -> dest stdout\n`;
const parens = (n: number) => inMap(`${'('.repeat(n)}1${')'.repeat(n)}`);
const maps = (n: number) => inMap(`${'{ a: '.repeat(n)}1${' }'.repeat(n)}`);
const sum = (n: number) => inMap(Array.from({ length: n }, () => '1').join(' + '));
const elseIfs = (n: number) => inMap(`${'if id > 1 then 1 else '.repeat(n)}0`);

const DEEP: [string, string, string][] = [
  ['300 nested parentheses', parens(300), 'SL1021'],
  ['200 nested maps', maps(200), 'SL1021'],
  ['a flat sum of 2,500 terms', sum(2500), 'SL1022'],
  ['3,000 chained else-ifs', elseIfs(3000), 'SL1022'],
  ['20,000 nested parentheses', parens(20_000), 'SL1021'],
];

describe('limits', () => {
  it.each(DEEP)('%s: check reports the limit with its code and range, no internal error', (_name, text, code) => {
    const r = checkSource(text, { fileName: 'deep.flow', env });
    const d = r.diagnostics.find((x) => x.code === code);
    expect(d, JSON.stringify(r.diagnostics.map((x) => x.code))).toBeDefined();
    expect(d!.severity).toBe('error');
    expect(d!.range.start.line).toBeLessThanOrEqual(2);
    expect(d!.range.end.line).toBeGreaterThanOrEqual(2);
    expect(d!.range.start.offset).toBeLessThan(d!.range.end.offset);
    expect(d!.range.end.offset).toBeLessThanOrEqual(text.length);
  });

  it.each(DEEP)('%s: fmt refuses with the same diagnostic', (_name, text, code) => {
    const r = format(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toContain(code);
  });

  it('nesting up to the limits checks and formats', () => {
    for (const text of [parens(MAX_NESTING - 3), maps(MAX_NESTING - 3), sum(MAX_EXPRESSION_DEPTH - 2), elseIfs(MAX_EXPRESSION_DEPTH - 2)]) {
      const r = checkSource(text, { fileName: 'deep.flow', env });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const f = format(text);
      expect(f.ok).toBe(true);
      if (f.ok) expect(format(f.text)).toEqual(f);
    }
  });

  it('a 1 MB identifier checks in under a second', () => {
    const text = inMap('x'.repeat(1_000_000));
    const t0 = performance.now();
    const r = checkSource(text, { fileName: 'big.flow', env });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SL2050']);
  });
});
