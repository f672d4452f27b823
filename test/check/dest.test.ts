import { describe } from 'vitest';
import { runCases, V1 } from './harness.js';

describe('rule: dest', () => {
  runCases([
    { name: 'a lead with a title and a person', flow: 'source pipedrive.persons -> map { title: name, person_id: id } -> dest pipedrive.leads', expected: [] },
    {
      name: 'leads need a title',
      flow: 'source pipedrive.persons -> map { person_id: id } -> dest pipedrive.leads',
      expected: [{ code: 'SL2060', line: 1, column: 29, endColumn: 50, message: /requires the field `title`/ }],
    },
    {
      name: 'leads need a person or an organization',
      flow: 'source pipedrive.persons -> map { title: name } -> dest pipedrive.leads',
      expected: [{ code: 'SL2061', line: 1, column: 29, endColumn: 48, message: '`pipedrive.leads` requires `person_id` or `organization_id`; the records here have none of them' }],
    },
    {
      name: 'a field of the wrong type',
      flow: 'source pipedrive.persons -> map { title: name, person_id: name } -> dest pipedrive.leads',
      expected: [{ code: 'SL2062', line: 1, column: 59, endColumn: 63, message: '`person_id` must be integer for `pipedrive.leads`, found string' }],
    },
    {
      name: 'a field the destination does not accept',
      flow: 'source pipedrive.persons -> map { title: name, person_id: id, titel: name } -> dest pipedrive.leads',
      expected: [{ code: 'SL2063', line: 1, column: 63, endColumn: 68, message: /does not accept the field `titel`/ }],
    },
    {
      name: 'leads.update needs the id for its path',
      flow: 'source pipedrive.leads -> map { title: title } -> dest pipedrive.leads.update',
      expected: [{ code: 'SL2060', line: 1, column: 27, endColumn: 47, message: /requires the field `id`/ }],
    },
    {
      name: 'a title that may be null is a warning',
      flow: 'source pipedrive.persons -> map { title: first_name, person_id: id } -> dest pipedrive.leads',
      expected: [{ code: 'SL2065', line: 1, column: 42, endColumn: 52, severity: 'warning' }],
    },
    {
      name: 'the scheduled flow of LANGUAGE.md',
      flow: `flow new_persons_to_leads {
  schedule every 15m
  source pipedrive.persons since ~{CreatedDate}~
  -> filter primary(email) != null
  -> lookup owner = pipedrive.users.find where term = owner_name
  -> map { title: "Lead: " + name, person_id: id, owner_id: owner.id }
  -> dest pipedrive.leads
}`,
      connections: V1,
      expected: [],
    },
  ]);
});
