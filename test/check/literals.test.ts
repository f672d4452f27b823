import { describe } from 'vitest';
import { runCases } from './harness.js';

describe('rule: literals', () => {
  runCases([
    {
      name: 'a number that overflows to infinity in a map',
      flow: 'source pipedrive.persons -> map { a: 1e309 } -> dest stdout',
      expected: [{ code: 'SL2094', line: 1, column: 38, endColumn: 43, severity: 'error' }],
    },
    {
      name: 'take 1e400 is one error, not two',
      flow: 'source pipedrive.persons -> take 1e400 -> dest stdout',
      expected: [{ code: 'SL2094', line: 1, column: 34, endColumn: 39 }],
    },
    {
      name: 'in a where value',
      flow: 'source pipedrive.persons where id > 2e308 -> dest stdout',
      expected: [{ code: 'SL2094', line: 1, column: 37, endColumn: 42 }],
    },
    {
      name: 'the largest double is fine',
      flow: 'source pipedrive.persons -> map { a: 1.7976931348623157e308, b: 5e-324 } -> dest stdout',
      expected: [],
    },
  ]);
});
