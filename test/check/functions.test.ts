import { describe } from 'vitest';
import { runCases, V1 } from './harness.js';

describe('rule: functions', () => {
  runCases([
    {
      name: 'every function of LANGUAGE.md',
      flow: 'source pipedrive.persons -> map { a: lower(name), b: upper(name), c: trim(name), d: len(name), e: concat(name, "x", 1), f: coalesce(name, "x"), g: first(email), h: primary(phone), i: to_number("1"), j: to_string(1), k: now(), l: date(update_time), m: env("HOME") } -> dest stdout',
      connections: V1,
      expected: [],
    },
    {
      name: 'unknown function with did you mean',
      flow: 'source pipedrive.persons -> map { a: lowr(name) } -> dest stdout',
      expected: [{ code: 'SL2051', line: 1, column: 38, endColumn: 42, message: 'unknown function `lowr`; did you mean `lower`?' }],
    },
    {
      name: 'too many arguments',
      flow: 'source pipedrive.persons -> map { a: upper(name, name) } -> dest stdout',
      expected: [{ code: 'SL2052', line: 1, column: 38, endColumn: 55, message: '`upper` takes 1 argument, found 2' }],
    },
    {
      name: 'an argument of the wrong type',
      flow: 'source pipedrive.persons -> map { a: lower(id) } -> dest stdout',
      expected: [{ code: 'SL2052', line: 1, column: 44, endColumn: 46, message: 'argument `s` of `lower` must be string, found integer' }],
    },
  ]);
});
