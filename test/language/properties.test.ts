// Properties of the front end: printing round-trips, formatting is idempotent, and no input, however
// broken, makes the parser throw or report a range outside the text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { format } from '../../src/language/format.js';
import { parse } from '../../src/language/parse.js';
import { print } from '../../src/language/printer.js';
import { program, strip } from './ast-arbitrary.js';
import { VALID } from './samples.js';
import { runs } from '../helpers/runs.js';

const inside = (text: string, r: { start: { offset: number }; end: { offset: number } }) =>
  r.start.offset >= 0 && r.start.offset <= r.end.offset && r.end.offset <= text.length;

describe('properties', () => {
  it('parse(print(ast)) equals ast, with no diagnostics', () => {
    fc.assert(
      fc.property(program, (ast) => {
        const text = print(ast);
        const r = parse(text);
        expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(strip(r.program)).toEqual(strip(ast));
      }),
      { numRuns: runs(300) },
    );
  });

  it('formatting is idempotent', () => {
    fc.assert(
      fc.property(program, (ast) => {
        const once = format(print(ast));
        expect(once.ok).toBe(true);
        if (!once.ok) return;
        const twice = format(once.text);
        expect(twice).toEqual(once);
      }),
      { numRuns: runs(200) },
    );
  });

  it('comments survive formatting, and formatting them is idempotent', () => {
    fc.assert(
      fc.property(program, fc.array(fc.tuple(fc.nat(), fc.stringMatching(/^[^\n\r]{0,12}$/)), { maxLength: 5 }), (ast, comments) => {
        const lines = print(ast).split('\n');
        for (const [at, text] of comments) {
          const i = at % lines.length;
          lines[i] = at % 2 === 0 ? `${lines[i]} # ${text}` : `# ${text}\n${lines[i]}`;
        }
        const text = lines.join('\n');
        const once = format(text);
        expect(once.ok).toBe(true);
        if (!once.ok) return;
        expect(format(once.text)).toEqual(once);
        const kept = parse(once.text).program.comments.map((c) => c.text.trim()).sort();
        expect(kept).toEqual(parse(text).program.comments.map((c) => c.text.trim()).sort());
        expect(strip(parse(once.text).program)).toEqual(strip(parse(text).program));
      }),
      { numRuns: runs(200) },
    );
  });

  it('never throws on arbitrary text, and every range lies inside it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const r = parse(text);
        for (const d of r.diagnostics) expect(inside(text, d.range)).toBe(true);
      }),
      { numRuns: runs(500) },
    );
  });

  it('never throws on mutations of valid flows (deleted, duplicated, swapped tokens)', () => {
    const corpus = VALID.map((v) => v.text);
    const mutation = fc.record({
      sample: fc.nat(corpus.length - 1),
      edits: fc.array(fc.record({ kind: fc.constantFrom('delete', 'duplicate', 'swap'), at: fc.nat(), other: fc.nat() }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ sample, edits }) => {
        const text0 = corpus[sample];
        const toks = parse(text0).tokens.map((t) => [t.startOffset, t.endOffset! + 1] as const);
        const parts = toks.map(([s, e]) => text0.slice(s, e));
        for (const ed of edits) {
          if (parts.length === 0) break;
          const i = ed.at % parts.length;
          const j = ed.other % parts.length;
          if (ed.kind === 'delete') parts.splice(i, 1);
          else if (ed.kind === 'duplicate') parts.splice(i, 0, parts[i]);
          else [parts[i], parts[j]] = [parts[j], parts[i]];
        }
        const text = parts.join(' ');
        const r = parse(text);
        for (const d of r.diagnostics) expect(inside(text, d.range)).toBe(true);
        // Formatting either succeeds or refuses with errors; it never throws either.
        format(text);
      }),
      { numRuns: runs(500) },
    );
  });
});
