// Bounded, seeded fuzzing of the front end over generated texts: `check` never throws and keeps
// every range in the text; when `fmt` formats, the result parses to the same tree, keeps every
// comment in order, and formats to itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/check/check-source.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { format } from '../../src/language/format.js';
import { parse } from '../../src/language/parse.js';
import { strip } from '../language/ast-arbitrary.js';
import { flowText } from './programs.js';
import { runs } from '../helpers/runs.js';

const env = stdlibEnv({ vars: ['Region'] });
const comments = (text: string) => parse(text).program.comments.map((c) => c.text);

describe('fuzz: check and fmt', () => {
  it('check never throws, and reports ranges inside the text', () => {
    fc.assert(
      fc.property(flowText, (text) => {
        const r = checkSource(text, { fileName: 'fuzz.flow', env });
        for (const d of r.diagnostics) {
          expect(d.range.start.offset, text).toBeGreaterThanOrEqual(0);
          expect(d.range.start.offset, text).toBeLessThanOrEqual(d.range.end.offset);
          expect(d.range.end.offset, text).toBeLessThanOrEqual(text.length);
          expect(d.code, text).toMatch(/^SL\d{4}$/);
        }
      }),
      { numRuns: runs(400), seed: 1414 },
    );
  });

  it('fmt round-trips to the same tree, keeps the comments in order, and is idempotent', () => {
    fc.assert(
      fc.property(flowText, (text) => {
        const once = format(text);
        if (!once.ok) return;
        const context = `${text}\n----\n${once.text}`;
        expect(strip(parse(once.text).program), context).toEqual(strip(parse(text).program));
        expect(comments(once.text), context).toEqual(comments(text));
        expect(format(once.text), context).toEqual(once);
      }),
      { numRuns: runs(400), seed: 1414 },
    );
  });
});
