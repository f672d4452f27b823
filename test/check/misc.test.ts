import { describe } from 'vitest';
import { conn, runCases } from './harness.js';

describe('rule: flows', () => {
  runCases([
    {
      name: 'duplicate flow names',
      flow: 'flow a { source pipedrive.persons -> dest stdout }\nflow a { source pipedrive.persons -> dest stdout }',
      expected: [{ code: 'SL2070', line: 2, column: 6, endColumn: 7 }],
    },
    {
      name: 'an id that another flow of the file already stands for',
      flow: 'flow a { source pipedrive.persons -> dest stdout }\nflow b { id "a" source pipedrive.persons -> dest stdout }',
      expected: [{ code: 'SL2071', line: 2, column: 10, endColumn: 16 }],
    },
    {
      name: 'ids tell flows apart',
      flow: 'flow a { id "x" source pipedrive.persons -> dest stdout }\nflow b { id "y" source pipedrive.persons -> dest stdout }',
      expected: [],
    },
  ]);
});

describe('rule: connections', () => {
  runCases([
    { name: 'a saved connection', flow: 'source pipedrive.persons with connection = "acme" -> dest stdout', connections: [conn('acme', 'v1')], expected: [] },
    {
      name: 'a connection that is not saved is a warning',
      flow: 'source pipedrive.persons with connection = "acm" -> dest stdout',
      connections: [conn('acme', 'v1')],
      expected: [{ code: 'SL2080', line: 1, column: 44, endColumn: 49, severity: 'warning', message: 'no saved connection `acm`; did you mean `acme`?' }],
    },
    { name: 'no saved connections at all (CI): nothing to say', flow: 'source pipedrive.persons with connection = "acme" -> dest stdout', expected: [] },
    {
      name: 'two connections of the same app in one flow',
      flow: 'source pipedrive.persons with connection = "a" -> map { name: name } -> dest pipedrive.persons.create with connection = "b"',
      connections: [conn('a', 'v1'), conn('b', 'v2')],
      expected: [],
    },
  ]);
});

describe('rule: steps', () => {
  runCases([
    {
      name: 'take needs a whole number',
      flow: 'source pipedrive.persons -> take 1.5 -> dest stdout',
      expected: [{ code: 'SL2090', line: 1, column: 34, endColumn: 37 }],
    },
    {
      name: '... must come first',
      flow: 'source pipedrive.persons -> map { a: 1, ... } -> dest stdout',
      expected: [{ code: 'SL2091', line: 1, column: 41, endColumn: 44 }],
    },
    {
      name: 'a key set twice',
      flow: 'source pipedrive.persons -> map { a: 1, a: 2 } -> dest stdout',
      expected: [{ code: 'SL2092', line: 1, column: 41, endColumn: 42 }],
    },
    {
      name: 'unknown type in as',
      flow: 'source file.csv with path = "x.csv" as { id: integr } -> dest stdout',
      expected: [{ code: 'SL2093', line: 1, column: 46, endColumn: 52, message: 'unknown type `integr`; did you mean `integer`?' }],
    },
  ]);
});
