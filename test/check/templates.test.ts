import { describe } from 'vitest';
import { runCases } from './harness.js';

describe('rule: templates', () => {
  runCases([
    { name: 'built-in templates', flow: 'source pipedrive.persons since ~{LastRunTime}~ -> map { at: ~{Now}~, c: ~<CreatedDate>~ } -> dest stdout', expected: [] },
    {
      name: 'unknown template with did you mean',
      flow: 'source pipedrive.persons since ~{CreatedDat}~ -> dest stdout',
      expected: [{ code: 'SL2040', line: 1, column: 32, endColumn: 46, message: 'unknown template `~{CreatedDat}~`; did you mean `CreatedDate`?' }],
    },
    { name: 'a --var name is known', flow: 'source pipedrive.persons -> map { r: ~{Region}~ } -> dest stdout', vars: ['Region'], expected: [] },
    {
      name: 'a --var name that was not given',
      flow: 'source pipedrive.persons -> map { r: ~{Region}~ } -> dest stdout',
      expected: [{ code: 'SL2040', line: 1, column: 38, endColumn: 48 }],
    },
  ]);
});
