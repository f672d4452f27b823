import { describe, expect, it } from 'vitest';
import { check, runCases } from './harness.js';

describe('rule: vars (declared in the file)', () => {
  runCases([
    {
      name: 'a declared variable is a known template, typed as declared',
      flow: 'var rep: string = "Eva Olsen"\nvar n: integer = 10\nsource pipedrive.persons where limit = ~{n}~\n  -> filter name == ~{rep}~\n  -> dest stdout',
      expected: [],
    },
    {
      name: 'without a default (given with --var at run time)',
      flow: 'var rep: string\nsource pipedrive.persons -> filter name == ~{rep}~ -> dest stdout',
      expected: [],
    },
    {
      name: 'the declared type is checked at use',
      flow: 'var rep: string = "Eva"\nsource pipedrive.persons where limit = ~{rep}~ -> dest stdout',
      expected: [{ code: 'SL2021', line: 2, column: 40, endColumn: 47 }],
    },
    {
      name: 'a default of the wrong type',
      flow: 'var n: integer = "ten"\nsource pipedrive.persons -> dest stdout',
      expected: [{ code: 'SL2096', line: 1, column: 18, endColumn: 23, message: 'the default of `n` must be an integer, found a string ("ten")' }],
    },
    {
      name: 'a default that is not a date',
      flow: 'var start: date = "next week"\nsource pipedrive.persons -> dest stdout',
      expected: [{ code: 'SL2096', line: 1, column: 19, endColumn: 30, message: 'the default of `start` must be a date such as "2026-03-31", found "next week"' }],
    },
    {
      name: 'a default that is not a literal',
      flow: 'var n: string = name\nsource pipedrive.persons -> dest stdout',
      expected: [{ code: 'SL2096', line: 1, column: 17, endColumn: 21 }],
    },
    {
      name: 'declared twice',
      flow: 'var n: string\nvar n: integer\nsource pipedrive.persons -> dest stdout',
      expected: [{ code: 'SL2095', line: 2, column: 5, endColumn: 6 }],
    },
    {
      name: 'a built-in name',
      flow: 'var Now: string\nsource pipedrive.persons -> dest stdout',
      expected: [{ code: 'SL2097', line: 1, column: 5, endColumn: 8 }],
    },
    {
      name: 'an unknown type with did you mean',
      flow: 'var n: integr\nsource pipedrive.persons -> dest stdout',
      expected: [{ code: 'SL2093', line: 1, column: 8, endColumn: 14, message: 'unknown type `integr`; did you mean `integer`?' }],
    },
    {
      name: 'an undeclared template is still an error, with did you mean',
      flow: 'var rep: string\nsource pipedrive.persons -> filter name == ~{rpe}~ -> dest stdout',
      expected: [{ code: 'SL2040', line: 2, column: 44, endColumn: 51, message: 'unknown template `~{rpe}~`; did you mean `rep`?' }],
    },
    {
      name: 'every flow block of the file sees the variables',
      flow: 'var rep: string = "Eva"\nflow a { source pipedrive.persons -> filter name == ~{rep}~ -> dest stdout }\nflow b { source pipedrive.persons -> filter name == ~{rep}~ -> dest stdout }',
      expected: [],
    },
  ]);

  it('`var` stays a plain field name everywhere else', () => {
    const r = check('source file.jsonl with path = "a.jsonl" as { var: string } -> map { var: var } -> dest stdout');
    expect(r.diagnostics).toEqual([]);
  });
});
