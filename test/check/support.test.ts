import { describe } from 'vitest';
import { conn, runCases } from './harness.js';

describe('rule: support', () => {
  runCases([
    { name: 'auto (the default) uses v2 where it exists: no warning', flow: 'source pipedrive.persons -> map { id: id, name: name } -> dest pipedrive.persons.update', expected: [] },
    { name: 'v1-only actions on auto: no warning', flow: 'source pipedrive.recents where since_timestamp = "2026-01-01 00:00:00" -> dest stdout', expected: [] },
    {
      name: 'a connection forcing v1 warns on each v1 endpoint out of support, with the date',
      flow: 'source pipedrive.persons with connection = "old" -> lookup u = pipedrive.users.find with connection = "old" where term = name -> map { title: name, person_id: id } -> dest pipedrive.leads with connection = "old"',
      connections: [conn('old', 'v1')],
      expected: [
        {
          code: 'SL2005',
          line: 1,
          column: 8,
          endColumn: 25,
          severity: 'warning',
          message: '`pipedrive.persons` uses GET /v1/persons, which pipedrive no longer supports since 2026-08-01',
        },
      ],
    },
    {
      name: 'writes too',
      flow: 'source pipedrive.persons with connection = "new" -> map { id: id, name: name } -> dest pipedrive.persons.update with connection = "old"',
      connections: [conn('old', 'v1'), conn('new', 'auto')],
      expected: [{ code: 'SL2005', line: 1, column: 88, endColumn: 112, severity: 'warning', message: /PUT \/v1\/persons\/\{id\}, which pipedrive no longer supports since 2026-08-01/ }],
    },
  ]);
});
