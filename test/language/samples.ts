// Golden inputs: valid flows (every example of LANGUAGE.md and every construct), and invalid ones
// with the exact diagnostics expected (code, line, column, end line, end column).

export const VALID: { name: string; text: string }[] = [
  {
    name: 'the seed one-liner',
    text: 'source pipedrive.persons where limit = 10 since ~{CreatedDate}~ -> map { name: name } -> dest file.jsonl with path = "out/p.jsonl"',
  },
  {
    name: 'LANGUAGE.md: the seed one-liner with primary()',
    text: 'source pipedrive.persons where limit = 10 since ~{CreatedDate}~ -> map { id: id, name: name, email: primary(email) } -> dest file.jsonl with path = "out/persons.jsonl"',
  },
  {
    name: 'LANGUAGE.md: a scheduled flow',
    text: `flow new_persons_to_leads {
  schedule every 15m
  source pipedrive.persons since ~{CreatedDate}~
  -> filter primary(email) != null
  -> lookup owner = pipedrive.users.find where term = owner_name
  -> map { title: "Lead: " + name, person_id: id, owner_id: owner.id }
  -> dest pipedrive.leads
}`,
  },
  {
    name: 'LANGUAGE.md: recents with general filters',
    text: `source pipedrive.recents where items = "deal,person" and limit = 50 since ~{CreatedDate}~
  -> dest stdout`,
  },
  {
    name: 'every construct',
    text: `# a comment at the top
flow everything {  # after the brace
  schedule cron "*/15 * * * *"
  on reject file.jsonl with path = "out/rejected.jsonl"
  source pipedrive.persons with connection = "acme", api = ~<Version>~
    where limit = 1000 and first_char = "a" and owner_id.value != 3 and name in ["a", "b"] and name contains "x"
    and add_time < "2020" and add_time <= "x" and id > 1 and id >= -2
    since ~{LastRunTime}~
  -> map { ..., full_name: first_name + " " + last_name, "odd key": a["b c"][0].d, n: -x * (2 + 3) % 4 / 5 }
  -> filter not (a == b) and c or d ?? e
  -> lookup owner = pipedrive.users.find with connection = "acme" where term = owner_name and search_by_email = 0
  -> dedupe by lower(trim(email))
  -> map { v: if x > 1 then "big" else "small", o: { k: [1, 2.5, 3e2], t: true, f: false, z: null }, w: ~{Now}~ }
  -> take 100
  -> dest sqlite.table with db = "out.db", table = "persons", key = "id"
}

flow second {
  schedule every 2h
  source file.csv with path = "in.csv" as { id: integer, title: string, tags: [string]?, meta: { a: number }? }
    -> map { id: id, title: upper(title), esc: "tab\\tquote\\"uni\\u00e9" }
    -> dest stdout
}`,
  },
  { name: 'trailing commas', text: 'source a.b -> map { a: 1, b: [1, 2,], c: { d: 1, }, } -> dest stdout' },
  { name: 'keywords as names where only names can stand', text: 'source map.filter where source = 1 -> map { dest: a.where, flow: 1 } -> lookup take = x.by -> dest stdout' },
  { name: 'comments only between steps', text: 'source a.b\n  # why we filter\n  -> filter x # keep x\n  -> dest stdout # done\n' },
];

export interface Expected {
  code: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message?: string | RegExp;
}

export const INVALID: { name: string; text: string; expected: Expected[] }[] = [
  {
    name: 'missing arrow before dest',
    text: 'source a.b -> map { a: b } dest stdout',
    expected: [{ code: 'SL1011', line: 1, column: 28, endLine: 1, endColumn: 32, message: 'expected `->` before `dest`' }],
  },
  {
    name: 'missing value after +',
    text: 'source a.b -> map { a: 1 + } -> dest stdout',
    expected: [{ code: 'SL1010', line: 1, column: 28, endLine: 1, endColumn: 29, message: /^expected a value .* after `\+`, found `\}`$/ }],
  },
  {
    name: '= in an expression',
    text: 'source a.b -> filter x = 3 -> dest stdout',
    expected: [{ code: 'SL1012', line: 1, column: 24, endLine: 1, endColumn: 25 }],
  },
  {
    name: '== in a where condition',
    text: 'source a.b where limit == 3 -> dest stdout',
    expected: [{ code: 'SL1013', line: 1, column: 24, endLine: 1, endColumn: 26 }],
  },
  {
    name: 'unterminated string',
    text: 'source a.b -> dest file.jsonl with path = "out.jsonl\n',
    expected: [{ code: 'SL1002', line: 1, column: 43, endLine: 1, endColumn: 53 }],
  },
  {
    name: 'bad escape',
    text: 'source a.b -> map { a: "x\\qy" } -> dest stdout',
    expected: [{ code: 'SL1004', line: 1, column: 26, endLine: 1, endColumn: 28 }],
  },
  {
    name: 'malformed template',
    text: 'source a.b since ~{CreatedDate} -> dest stdout',
    expected: [{ code: 'SL1003', line: 1, column: 18, endLine: 1, endColumn: 32 }],
  },
  {
    name: 'unexpected character with a hint',
    text: 'source a.b -> filter !x -> dest stdout',
    expected: [{ code: 'SL1001', line: 1, column: 22, endLine: 1, endColumn: 23 }],
  },
  {
    name: 'no destination',
    text: 'source a.b -> map { a: 1 }',
    expected: [{ code: 'SL1015', line: 1, column: 27, endLine: 1, endColumn: 27 }],
  },
  {
    name: 'step after dest',
    text: 'source a.b -> dest stdout -> take 1',
    expected: [{ code: 'SL1014', line: 1, column: 30, endLine: 1, endColumn: 36 }],
  },
  {
    name: 'bare pipeline mixed with flow blocks',
    text: 'source a.b -> dest stdout\nflow f { source a.b -> dest stdout }',
    expected: [{ code: 'SL1016', line: 1, column: 1, endLine: 1, endColumn: 11 }],
  },
  {
    name: 'two bare pipelines',
    text: 'source a.b -> dest stdout\nsource c.d -> dest stdout',
    expected: [{ code: 'SL1016', line: 2, column: 1, endLine: 2, endColumn: 11 }],
  },
  {
    name: 'bad schedule unit',
    text: 'flow f {\n  schedule every 15 minutes\n  source a.b -> dest stdout\n}',
    expected: [{ code: 'SL1017', line: 2, column: 18, endLine: 2, endColumn: 28 }],
  },
  {
    name: 'two schedules',
    text: 'flow f {\n  schedule every 1m\n  schedule every 2m\n  source a.b -> dest stdout\n}',
    expected: [{ code: 'SL1019', line: 3, column: 3, endLine: 3, endColumn: 20 }],
  },
  {
    name: 'an unknown flow setting',
    text: 'flow f {\n  key "x"\n  source a.b -> dest stdout\n}',
    expected: [{ code: 'SL1023', line: 2, column: 3, endLine: 2, endColumn: 6 }],
  },
  {
    name: 'a flow id that cannot name state',
    text: 'flow f {\n  id "a b"\n  source a.b -> dest stdout\n}',
    expected: [{ code: 'SL1024', line: 2, column: 6, endLine: 2, endColumn: 11 }],
  },
  {
    name: 'two flow ids',
    text: 'flow f {\n  id "a"\n  id "b"\n  source a.b -> dest stdout\n}',
    expected: [{ code: 'SL1019', line: 3, column: 3, endLine: 3, endColumn: 9 }],
  },
  {
    name: 'flow without pipeline',
    text: 'flow f {\n  schedule every 1m\n}',
    expected: [{ code: 'SL1018', line: 1, column: 6, endLine: 1, endColumn: 7 }],
  },
  {
    name: 'an error in one flow does not hide the next',
    text: 'flow a {\n  source x.y -> map { a: } -> dest stdout\n}\nflow b {\n  source x.y -> filter x = 1 -> dest stdout\n}\n',
    expected: [
      { code: 'SL1010', line: 2, column: 26, endLine: 2, endColumn: 27, message: /^expected a value .* after `:`, found `\}`$/ },
      { code: 'SL1012', line: 5, column: 26, endLine: 5, endColumn: 27 },
    ],
  },
  {
    name: 'unclosed flow block at the end of the file',
    text: 'flow a {\n  source x.y -> dest stdout\n',
    expected: [{ code: 'SL1010', line: 2, column: 28, endLine: 2, endColumn: 28, message: 'expected `}` after `stdout`, found the end of the file' }],
  },
  {
    name: 'missing action after source',
    text: 'source -> dest stdout',
    expected: [{ code: 'SL1010', line: 1, column: 8, endLine: 1, endColumn: 10, message: /^expected a name after `source`, found `->`$/ }],
  },
  {
    name: 'stray closing brace',
    text: 'source a.b -> dest stdout }',
    expected: [{ code: 'SL1010', line: 1, column: 27, endLine: 1, endColumn: 28, message: 'unexpected `}` after `stdout`: there is no `{` for it to close' }],
  },
];
