import { describe } from 'vitest';
import { runCases, V1 } from './harness.js';

describe('rule: operators', () => {
  runCases([
    { name: 'arithmetic, joins and comparisons', flow: 'source pipedrive.persons -> filter open_deals_count * 2 > 1 and name + "!" != "x" -> map { n: -id % 3, s: name + 1 } -> dest stdout', expected: [] },
    {
      name: 'filter needs a boolean',
      flow: 'source pipedrive.persons -> filter name -> dest stdout',
      expected: [{ code: 'SL2056', line: 1, column: 36, endColumn: 40, message: '`filter` needs a condition (true or false), found string' }],
    },
    {
      name: 'arithmetic on text',
      flow: 'source pipedrive.persons -> map { x: name * 2 } -> dest stdout',
      expected: [{ code: 'SL2053', line: 1, column: 38, endColumn: 42, message: '`*` needs numbers, found string' }],
    },
    {
      name: 'ordering text against a number',
      flow: 'source pipedrive.persons -> filter name < 3 -> dest stdout',
      expected: [{ code: 'SL2053', line: 1, column: 36, endColumn: 44 }],
    },
    {
      name: 'and needs conditions',
      flow: 'source pipedrive.persons -> filter id and true -> dest stdout',
      expected: [{ code: 'SL2053', line: 1, column: 36, endColumn: 38, message: '`and` needs conditions, found integer' }],
    },
    {
      name: 'arithmetic with a value that may be null is a warning',
      flow: 'source pipedrive.persons -> map { x: label + 1 } -> dest stdout',
      connections: V1,
      expected: [{ code: 'SL2055', line: 1, column: 38, endColumn: 43, severity: 'warning' }],
    },
    { name: '?? removes the warning', flow: 'source pipedrive.persons -> map { x: (label ?? 0) + 1 } -> dest stdout', connections: V1, expected: [] },
  ]);
});
