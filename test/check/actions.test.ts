import { describe } from 'vitest';
import { conn, runCases } from './harness.js';

describe('rule: actions', () => {
  runCases([
    { name: 'known read and write actions check clean', flow: 'source pipedrive.persons -> map { title: name, person_id: id } -> dest pipedrive.leads', expected: [] },
    {
      name: 'unknown app, with did you mean',
      flow: 'source pipedrvie.persons -> dest stdout',
      expected: [{ code: 'SL2001', line: 1, column: 8, endColumn: 17, message: 'unknown app `pipedrvie`; did you mean `pipedrive`?' }],
    },
    {
      name: 'unknown action, with did you mean',
      flow: 'source pipedrive.persns -> dest stdout',
      expected: [{ code: 'SL2002', line: 1, column: 18, endColumn: 24, message: 'unknown action `persns` of app `pipedrive`; did you mean `persons`?' }],
    },
    {
      name: 'a write used as a source',
      flow: 'source pipedrive.leads.update -> dest stdout',
      expected: [{ code: 'SL2003', line: 1, column: 8, endColumn: 30, message: /^`pipedrive\.leads\.update` cannot be a source or lookup: it can only write/ }],
    },
    {
      name: 'a read used as a destination',
      flow: 'source pipedrive.persons -> dest pipedrive.users.find',
      expected: [{ code: 'SL2003', line: 1, column: 34, endColumn: 54 }],
    },
    {
      name: 'a lookup of an unknown action',
      flow: 'source pipedrive.persons -> lookup o = pipedrive.user.find where term = name -> dest stdout',
      expected: [{ code: 'SL2002', line: 1, column: 50, endColumn: 59 }],
    },
    {
      name: 'leads is v1 only: a v2 connection still reads leads through v1',
      flow: 'source pipedrive.leads with connection = "acme2" -> dest stdout',
      connections: [conn('acme2', 'v2')],
      expected: [],
    },
  ]);
});
