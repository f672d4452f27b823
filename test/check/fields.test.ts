import { describe } from 'vitest';
import { runCases, V1 } from './harness.js';

describe('rule: fields', () => {
  runCases([
    { name: 'fields of persons (v1)', flow: 'source pipedrive.persons -> map { n: name, o: owner_id.name, e: primary(email), c: org_id.name } -> dest stdout', connections: V1, expected: [] },
    {
      name: 'unknown field with did you mean',
      flow: 'source pipedrive.persons -> map { n: naem } -> dest stdout',
      expected: [{ code: 'SL2050', line: 1, column: 38, endColumn: 42, message: 'unknown field `naem`; did you mean `name`?' }],
    },
    {
      name: 'fields follow the map: the old names are gone after it',
      flow: 'source pipedrive.persons -> map { full: name } -> filter name != null -> dest stdout',
      expected: [{ code: 'SL2050', line: 1, column: 58, endColumn: 62, message: 'unknown field `name`' }],
    },
    { name: '... keeps the fields', flow: 'source pipedrive.persons -> map { ..., full: name } -> filter name != null and full != null -> dest stdout', expected: [] },
    {
      name: 'a field of a nested object',
      flow: 'source pipedrive.persons -> map { o: owner_id.nme } -> dest stdout',
      connections: V1,
      expected: [{ code: 'SL2050', line: 1, column: 47, endColumn: 50, message: '`nme` is not a field of this object; did you mean `name`?' }],
    },
    {
      name: '. on something that is not an object',
      flow: 'source pipedrive.persons -> map { o: name.first } -> dest stdout',
      expected: [{ code: 'SL2054', line: 1, column: 43, endColumn: 48, message: '`.first` needs an object, but this is string' }],
    },
    { name: 'a lookup adds its field', flow: 'source pipedrive.persons -> lookup owner = pipedrive.users.find where term = owner_name -> map { o: owner.email } -> dest stdout', connections: V1, expected: [] },
    { name: 'fields of persons (auto: v2)', flow: 'source pipedrive.persons -> map { n: name, o: owner_id + 1, e: primary(emails), c: org_id ?? 0 } -> dest stdout', expected: [] },
    {
      name: 'v2 persons have emails, not email',
      flow: 'source pipedrive.persons with connection = "v2c" -> map { e: primary(email) } -> dest stdout',
      connections: [{ name: 'v2c', app: 'pipedrive', apiVersion: 'v2' }],
      expected: [{ code: 'SL2050', line: 1, column: 70, endColumn: 75, message: 'unknown field `email`; did you mean `emails`?' }],
    },
    {
      name: 'declared record types of files',
      flow: 'source file.csv with path = "in.csv" as { id: integer, title: string } -> map { t: title, x: tittle } -> dest stdout',
      expected: [{ code: 'SL2050', line: 1, column: 94, endColumn: 100 }],
    },
    { name: 'untyped files take any field', flow: 'source file.jsonl with path = "in.jsonl" -> map { t: anything } -> dest stdout', expected: [] },
  ]);
});
