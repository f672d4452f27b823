import { describe } from 'vitest';
import { conn, runCases, V1 } from './harness.js';

describe('rule: where', () => {
  runCases([
    { name: 'API parameters and record fields', flow: 'source pipedrive.persons where limit = 1000 and first_char = "a" and name contains "x" and id in [1, 2] -> dest stdout', connections: V1, expected: [] },
    { name: 'v2 parameters by default (auto)', flow: 'source pipedrive.persons where limit = 1000 and owner_id = 3 and sort_by = "update_time" and name contains "x" -> dest stdout', expected: [] },
    {
      name: 'limit = "ten" is not a number',
      flow: 'source pipedrive.persons where limit = "ten" -> dest stdout',
      expected: [{ code: 'SL2021', line: 1, column: 40, endColumn: 45, message: '`limit` must be an integer, found a string ("ten")' }],
    },
    {
      name: 'first_char takes one character',
      flow: 'source pipedrive.persons where first_char = "ab" -> dest stdout',
      connections: V1,
      expected: [{ code: 'SL2021', line: 1, column: 45, endColumn: 49, message: '`first_char` must have at most 1 character, found "ab"' }],
    },
    {
      name: 'limit must be at least 1',
      flow: 'source pipedrive.persons where limit = 0 -> dest stdout',
      expected: [{ code: 'SL2021', line: 1, column: 40, endColumn: 41, message: '`limit` must be at least 1, found 0' }],
    },
    {
      name: 'unknown key with did you mean',
      flow: 'source pipedrive.persons where limt = 10 -> dest stdout',
      expected: [{ code: 'SL2020', line: 1, column: 32, endColumn: 36, message: /^`limt` is neither a parameter of `pipedrive.persons` nor a field of its records; did you mean `limit`\?$/ }],
    },
    {
      name: 'API parameters only take =',
      flow: 'source pipedrive.persons where limit < 10 -> dest stdout',
      expected: [{ code: 'SL2022', line: 1, column: 38, endColumn: 39, message: 'the API parameter `limit` only takes `=`, not `<`' }],
    },
    {
      name: 'a field compared with a value of another type',
      flow: 'source pipedrive.persons where name > 3 -> dest stdout',
      expected: [{ code: 'SL2023', line: 1, column: 39, endColumn: 40 }],
    },
    {
      name: 'in needs a list',
      flow: 'source pipedrive.persons where id in 3 -> dest stdout',
      expected: [{ code: 'SL2023', line: 1, column: 38, endColumn: 39, message: '`in` needs a list such as `[1, 2]`, found integer' }],
    },
    {
      name: 'users.find needs term',
      flow: 'source pipedrive.users.find -> dest stdout',
      expected: [{ code: 'SL2024', line: 1, column: 8, endColumn: 28, message: /needs the parameter `term`/ }],
    },
    {
      name: 'recents: since stands for since_timestamp',
      flow: 'source pipedrive.recents where items = "deal,person" and limit = 50 since ~{CreatedDate}~ -> dest stdout',
      expected: [],
    },
    {
      name: 'recents: items must be known kinds',
      flow: 'source pipedrive.recents where since_timestamp = "2026-01-01 00:00:00" and items = 3 -> dest stdout',
      expected: [{ code: 'SL2021', line: 1, column: 84, endColumn: 85 }],
    },
    {
      name: 'a lookup can only use API parameters',
      flow: 'source pipedrive.persons -> lookup o = pipedrive.users.find where term = name and email = "x" -> dest stdout',
      expected: [{ code: 'SL2020', line: 1, column: 83, endColumn: 88, message: /a lookup can only ask the API/ }],
    },
    {
      name: 'v2 persons take updated_since, v1 do not',
      flow: 'flow a { source pipedrive.persons with connection = "v2c" where updated_since = "2026-01-01T00:00:00Z" -> dest stdout }\nflow b { source pipedrive.persons where updated_since = "x" -> dest stdout }',
      connections: [conn('v2c', 'v2'), ...V1],
      expected: [{ code: 'SL2020', line: 2, column: 41, endColumn: 54 }],
    },
  ]);
});
