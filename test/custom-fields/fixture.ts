// A company's field definitions as Pipedrive's *Fields endpoints return them, written by hand (not
// taken from the sandbox), with the cases the naming rules must handle.
import { convertDefinitions } from '../../src/runtime/custom-fields/discover.js';
import type { StoredSchema } from '../../src/apps/custom-fields.js';

/**
 * A 40-hex key from a short tag, readable in failures: key('seg') = 'c736567000...'. It starts with
 * a letter so that a flow can name it bare (a key starting with a digit would be a number).
 */
export const key = (tag: string): string => (`c${Buffer.from(tag).toString('hex')}` + '0'.repeat(40)).slice(0, 40);

export const K = {
  leadSource: key('lead'),
  segment: key('seg'),
  interests: key('int'),
  value: key('ltv'),
  firstContact: key('first'),
  manager: key('mgr'),
  headcount: key('heads'),
  emailLike: key('email'),
  keyword: key('if'),
  region1: key('reg1'),
  region2: key('reg2'),
  customLike: key('custom'),
  contract: key('contract'),
  industry: key('industry'),
};

const builtin = (k: string, name: string, field_type: string) => ({ id: 1, key: k, name, field_type, edit_flag: false });

export const PERSON_DEFS = [
  builtin('id', 'ID', 'int'),
  builtin('name', 'Name', 'varchar'),
  builtin('email', 'Email', 'varchar'),
  builtin('label', 'Label', 'enum'),
  { id: 10, key: K.leadSource, name: 'Lead source', field_type: 'varchar', edit_flag: true, options: null },
  { id: 11, key: K.segment, name: 'Segment', field_type: 'enum', edit_flag: true, options: [{ id: 100, label: 'Enterprise' }, { id: 101, label: 'SMB' }, { id: 102, label: 'Startup' }] },
  { id: 12, key: K.interests, name: 'Interests', field_type: 'set', edit_flag: true, options: [{ id: 200, label: 'Analytics' }, { id: 201, label: 'Security' }, { id: 202, label: 'Automation' }] },
  { id: 13, key: K.value, name: 'Lifetime value', field_type: 'monetary', edit_flag: true },
  { id: 14, key: K.firstContact, name: 'First contact', field_type: 'date', edit_flag: true },
  { id: 15, key: K.manager, name: 'Manager', field_type: 'user', edit_flag: true },
  { id: 16, key: K.headcount, name: 'Headcount', field_type: 'int', edit_flag: true },
  // Named like a built-in field: only under `custom`.
  { id: 17, key: K.emailLike, name: 'email', field_type: 'varchar', edit_flag: true },
  // A keyword of the language: only under `custom`.
  { id: 18, key: K.keyword, name: 'if', field_type: 'varchar', edit_flag: true },
  // Two fields with one name: told apart by key, neither at the top.
  { id: 19, key: K.region1, name: 'Region', field_type: 'varchar', edit_flag: true },
  { id: 20, key: K.region2, name: 'Region', field_type: 'varchar', edit_flag: true },
  // Named like the object that holds them all.
  { id: 21, key: K.customLike, name: 'custom', field_type: 'varchar', edit_flag: true },
];

export const DEAL_DEFS = [builtin('id', 'ID', 'int'), builtin('title', 'Title', 'varchar'), { id: 30, key: K.contract, name: 'Contract type', field_type: 'enum', options: [{ id: 300, label: 'Annual' }, { id: 301, label: 'Monthly' }] }];
export const ORG_DEFS = [builtin('id', 'ID', 'int'), builtin('name', 'Name', 'varchar'), { id: 40, key: K.industry, name: 'Industry', field_type: 'varchar' }];

export function fixtureSchema(connection = 'pipedrive'): StoredSchema {
  return {
    format: 1,
    app: 'pipedrive',
    connection,
    companyUrl: 'https://acme.pipedrive.com',
    readAt: '2026-01-15T12:00:00.000Z',
    entities: {
      person: convertDefinitions('person', PERSON_DEFS, 'fixture'),
      deal: convertDefinitions('deal', DEAL_DEFS, 'fixture'),
      organization: convertDefinitions('organization', ORG_DEFS, 'fixture'),
    },
  };
}
