import { describe } from 'vitest';
import { runCases } from './harness.js';

describe('rule: options', () => {
  runCases([
    { name: 'file.jsonl with a path', flow: 'source pipedrive.persons -> dest file.jsonl with path = "out/p.jsonl"', expected: [] },
    {
      name: 'unknown option with did you mean (the misspelt required option is not reported missing too)',
      flow: 'source pipedrive.persons -> dest file.jsonl with pth = "x"',
      expected: [
        { code: 'SL2010', line: 1, column: 50, endColumn: 53, message: '`file.jsonl` has no option `pth`; did you mean `path`?' },
      ],
    },
    {
      name: 'option of the wrong type',
      flow: 'source pipedrive.persons -> dest file.jsonl with path = 3',
      expected: [{ code: 'SL2011', line: 1, column: 57, endColumn: 58, message: 'option `path` must be a string, found an integer (3)' }],
    },
    {
      name: 'option out of range',
      flow: 'source pipedrive.persons -> dest file.csv with path = "x.csv", delimiter = ";;"',
      expected: [{ code: 'SL2011', line: 1, column: 76, endColumn: 80, message: 'option `delimiter` must have at most 1 character, found ";;"' }],
    },
    {
      name: 'required option missing',
      flow: 'source pipedrive.persons -> dest sqlite.table with db = "x.db"',
      expected: [{ code: 'SL2012', line: 1, column: 34, endColumn: 46, message: /needs the option `table`/ }],
    },
    {
      name: 'an option given twice',
      flow: 'source pipedrive.persons -> dest file.jsonl with path = "a", path = "b"',
      expected: [{ code: 'SL2092', line: 1, column: 62, endColumn: 66 }],
    },
  ]);
});
