import { describe } from 'vitest';
import { runCases } from './harness.js';

describe('rule: since', () => {
  runCases([
    { name: 'persons can do since', flow: 'source pipedrive.persons since ~{CreatedDate}~ -> dest stdout', expected: [] },
    { name: 'a literal time', flow: 'source pipedrive.persons since "2026-01-01T00:00:00Z" -> dest stdout', expected: [] },
    {
      name: 'users.me has no time to compare',
      flow: 'source pipedrive.users.me since ~{CreatedDate}~ -> dest stdout',
      expected: [{ code: 'SL2030', line: 1, column: 33, endColumn: 48 }],
    },
    {
      name: 'since needs a time',
      flow: 'source pipedrive.persons since 3 -> dest stdout',
      expected: [{ code: 'SL2031', line: 1, column: 32, endColumn: 33 }],
    },
  ]);
});
