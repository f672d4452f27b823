// Completion, in process: the cursor is marked `$0` in each flow.
import { describe, expect, it } from 'vitest';
import { CompletionItemKind, InsertTextFormat, type CompletionItem, type TextEdit } from 'vscode-languageserver';
import { completion } from '../../src/lsp/completion.js';
import { at, slice } from './helpers.js';

function complete(marked: string, snippets = true) {
  const { a, position } = at(marked);
  return { a, items: completion(a, position, { snippets }) };
}
const labels = (marked: string): string[] => complete(marked).items.map((i) => i.label);
const item = (marked: string, label: string): CompletionItem => {
  const found = complete(marked).items.find((i) => i.label === label);
  if (!found) throw new Error(`no completion \`${label}\` at ${marked}`);
  return found;
};

interface Case {
  name: string;
  flow: string;
  has: string[];
  not?: string[];
  /** The list is exactly `has` (in this order). */
  exact?: boolean;
}

const CASES: Case[] = [
  { name: 'an empty file: a flow or a bare pipeline', flow: '$0', has: ['flow', 'source', 'flow block'], exact: true },
  { name: 'after a flow block: another block', flow: 'flow a {\n  source pipedrive.persons -> dest stdout\n}\n$0', has: ['flow', 'flow block'], exact: true },
  { name: 'the start of a block: settings and the source', flow: 'flow a {\n  $0\n}', has: ['source', 'schedule', 'on reject'], exact: true },
  { name: 'after a schedule: the rest of the block', flow: 'flow a {\n  schedule every 15m\n  $0\n}', has: ['source', 'on reject'] },
  { name: 'after on reject: its options, or the rest of the block', flow: 'flow a {\n  on reject file.jsonl $0\n}', has: ['with', 'source'] },
  { name: 'schedule kinds', flow: 'flow a {\n  schedule $0\n}', has: ['every', 'cron'], exact: true },
  { name: 'on reject', flow: 'flow a {\n  on $0\n}', has: ['reject'], exact: true },
  { name: 'apps with reads after source', flow: 'source $0', has: ['pipedrive', 'file', 'sqlite'], not: ['stdout'] },
  { name: 'apps with writes after dest', flow: 'source pipedrive.persons -> dest $0', has: ['pipedrive', 'file', 'sqlite', 'stdout'] },
  { name: 'apps after lookup NAME =', flow: 'source pipedrive.persons -> lookup owner = $0', has: ['pipedrive'], not: ['stdout'] },
  { name: 'apps while typing one', flow: 'source pipe$0', has: ['pipedrive'] },
  { name: 'read actions after APP.', flow: 'source pipedrive.$0', has: ['persons', 'users.find', 'leads', 'recents'], not: ['leads.update', 'persons.create'] },
  { name: 'write actions after dest APP.', flow: 'source pipedrive.persons -> dest pipedrive.$0', has: ['leads', 'leads.update'], not: ['recents', 'users.find'] },
  { name: 'write actions after on reject APP.', flow: 'flow a {\n  on reject file.$0\n}', has: ['jsonl', 'csv'] },
  { name: 'clauses after a source action', flow: 'source pipedrive.persons $0', has: ['with', 'where', 'since'], not: ['as'] },
  { name: '`as` for a source that needs a record type', flow: 'source file.csv $0', has: ['with', 'as', 'where', 'since'] },
  { name: 'where keys: parameters and fields of the source', flow: 'source pipedrive.persons where $0', has: ['limit', 'first_char', 'filter_id', 'name', 'owner_name'], not: ['title'] },
  { name: 'where keys after and', flow: 'source pipedrive.persons where limit = 1 and $0', has: ['first_char', 'name'] },
  { name: 'an API parameter only takes =', flow: 'source pipedrive.persons where first_char $0', has: ['='], exact: true },
  { name: 'a field takes every operator', flow: 'source pipedrive.persons where name $0', has: ['=', '!=', '<', '<=', '>', '>=', 'in', 'contains'], exact: true },
  { name: 'enum values of a parameter', flow: 'source pipedrive.persons where sort = $0', has: ['~{CreatedDate}~'] },
  { name: 'after a condition', flow: 'source pipedrive.persons where limit = 5 $0', has: ['and', 'since'], exact: true },
  { name: 'templates after since', flow: 'source pipedrive.persons since $0', has: ['~{CreatedDate}~', '~{LastRunTime}~', '~{Now}~'], exact: true },
  { name: 'template names inside ~{', flow: 'source pipedrive.persons since ~{Cr$0', has: ['CreatedDate', 'LastRunTime', 'Now'], exact: true },
  { name: 'template names inside ~<', flow: 'source pipedrive.persons since ~<$0>~', has: ['CreatedDate'] },
  { name: 'whole templates after ~', flow: 'source pipedrive.persons -> map { a: ~$0 }', has: ['~{CreatedDate}~'] },
  { name: 'lookup where keys: only the action parameters', flow: 'source pipedrive.persons -> lookup o = pipedrive.users.find where $0', has: ['term', 'search_by_email'], exact: true },
  { name: 'lookup where values: the fields flowing in', flow: 'source pipedrive.persons -> lookup o = pipedrive.users.find where term = $0', has: ['owner_name', 'name', 'lower'] },
  { name: 'step keywords after ->', flow: 'source pipedrive.persons -> $0', has: ['map', 'filter', 'lookup', 'dedupe by', 'take', 'dest', 'tee'], exact: true },
  { name: 'by after dedupe', flow: 'source pipedrive.persons -> dedupe $0', has: ['by'], exact: true },
  { name: 'fields and functions after filter', flow: 'source pipedrive.persons -> filter $0', has: ['name', 'email', 'owner_id', 'primary', 'lower', 'if', 'not', 'null'], not: ['title'] },
  { name: 'fields after dedupe by', flow: 'source pipedrive.persons -> dedupe by $0', has: ['email', 'lower'] },
  { name: 'operators after an operand', flow: 'source pipedrive.persons -> filter name != null $0', has: ['and', 'or'], exact: true },
  { name: 'then inside if', flow: 'source pipedrive.persons -> filter if active_flag $0', has: ['then', 'and', 'or'], exact: true },
  { name: 'else after then', flow: 'source pipedrive.persons -> map { a: if active_flag then 1 $0 }', has: ['else', 'and', 'or'], exact: true },
  { name: 'fields in a call', flow: 'source pipedrive.persons -> map { e: primary($0) }', has: ['email', 'phone'] },
  { name: 'fields while typing one', flow: 'source pipedrive.persons -> map { e: primary(em$0) }', has: ['email'] },
  { name: 'the record after a map, not before it', flow: 'source pipedrive.persons -> map { full: name } -> filter $0', has: ['full'], not: ['name', 'email'] },
  { name: 'the record after a spread map', flow: 'source pipedrive.persons -> map { ..., full: name } -> filter $0', has: ['full', 'name', 'email'] },
  { name: 'a lookup adds its field', flow: 'source pipedrive.persons -> lookup owner = pipedrive.users.find where term = owner_name -> filter $0', has: ['owner', 'name'] },
  { name: 'fields of a lookup result after owner.', flow: 'source pipedrive.persons -> lookup owner = pipedrive.users.find where term = owner_name -> map { o: owner.$0 }', has: ['id', 'name', 'email'], not: ['owner_name'] },
  { name: 'fields of a list element after [0].', flow: 'source pipedrive.persons -> filter email[0].$0', has: ['value', 'primary', 'label'], exact: true },
  { name: 'a dotted where key of the source', flow: 'source pipedrive.persons where owner_id.$0', has: ['value', 'name'] },
  { name: 'options of the destination', flow: 'source pipedrive.persons -> dest file.jsonl with $0', has: ['path', 'append'], exact: true },
  { name: 'options not given yet', flow: 'source pipedrive.persons -> dest file.jsonl with path = "x", $0', has: ['append'], exact: true },
  { name: 'options of the source and what may follow them', flow: 'source pipedrive.persons with connection = "x" $0', has: ['where', 'since'], not: ['as'] },
  { name: 'type names in as { }', flow: 'source file.csv with path = "x" as { a: $0 }', has: ['string', 'integer', 'datetime'] },
  { name: 'map keys without a destination: the input fields and ...', flow: 'source pipedrive.persons -> map { $0 }', has: ['...', 'name', 'email'] },
  { name: 'nothing in a comment', flow: 'source pipedrive.persons # so$0', has: [], exact: true },
  { name: 'nothing in a string', flow: 'source pipedrive.persons -> dest file.jsonl with path = "o$0ut"', has: [], exact: true },
  { name: 'nothing after a number', flow: 'source pipedrive.persons -> take 1$0', has: [], exact: true },
];

describe('completion', () => {
  it.each(CASES)('$name', ({ flow, has, not, exact }) => {
    const got = labels(flow);
    if (exact) expect(got).toEqual(has);
    else expect(got).toEqual(expect.arrayContaining(has));
    for (const n of not ?? []) expect(got).not.toContain(n);
  });

  it('lists the fields a destination still needs in the map before it, required first', () => {
    const { items } = complete('source pipedrive.persons -> map { title: name, $0 } -> dest pipedrive.leads');
    const names = items.map((i) => i.label);
    expect(names).not.toContain('title');
    expect(names).not.toContain('...');
    const person = items.find((i) => i.label === 'person_id')!;
    expect(person.detail).toBe('integer · pipedrive.leads needs one of person_id, organization_id');
    expect(person.textEdit?.newText).toBe('person_id: ');
    const sorted = [...items].sort((x, y) => (x.sortText ?? x.label).localeCompare(y.sortText ?? y.label)).map((i) => i.label);
    expect(sorted.slice(0, 2)).toEqual(['organization_id', 'person_id']);
    expect(items.find((i) => i.label === 'owner_id')?.detail).toBe('integer · optional in pipedrive.leads');
    // A field the input has under the same name is filled in.
    expect(items.find((i) => i.label === 'visible_to')?.textEdit?.newText).toBe('visible_to: visible_to');
  });

  it('marks a required destination field', () => {
    expect(item('source pipedrive.persons -> map { $0 } -> dest pipedrive.leads', 'title').detail).toBe('string · required by pipedrive.leads');
  });

  it('offers no destination fields for a map that a later map replaces', () => {
    const got = labels('source pipedrive.persons -> map { $0 } -> map { title: name } -> dest pipedrive.leads');
    expect(got).not.toContain('title');
    expect(got).toContain('name');
  });

  it('counts a spread as every input field present', () => {
    const got = labels('source pipedrive.persons -> map { ..., $0 } -> dest sqlite.table with db = "x", table = "t"');
    expect(got).not.toContain('name');
  });

  it('shows an action with its method and path, replacing the text after `app.`', () => {
    const { a, items } = complete('source pipedrive.users.f$0');
    const find = items.find((i) => i.label === 'users.find')!;
    expect(find.kind).toBe(CompletionItemKind.Method);
    expect(find.detail).toBe('GET /users/find');
    expect(find.documentation).toMatchObject({ value: expect.stringMatching(/user/i) });
    expect(slice(a, (find.textEdit as TextEdit).range)).toBe('users.f');
  });

  it('gives fields with their types and origin', () => {
    const f = item('source pipedrive.persons -> filter $0', 'owner_name');
    expect(f.kind).toBe(CompletionItemKind.Field);
    expect(f.detail).toBe('string');
    expect(f.documentation).toMatchObject({ value: expect.stringContaining('From pipedrive.persons') });
    expect(item('source pipedrive.persons -> filter $0', 'first_name').detail).toBe('string or null');
  });

  it('gives where keys with their types and where they are applied', () => {
    expect(item('source pipedrive.persons where $0', 'first_char').detail).toBe('string · sent to the API');
    expect(item('source pipedrive.persons where $0', 'limit').detail).toBe('integer · how many records to fetch in total');
    expect(item('source pipedrive.persons where $0', 'name').detail).toBe('string · a field: applied by the engine after fetching');
    expect(item('source pipedrive.persons -> lookup o = pipedrive.users.find where $0', 'term').detail).toBe('string · required, sent to the API');
  });

  it('gives functions with their signature, as a snippet when the client takes them', () => {
    const f = item('source pipedrive.persons -> filter $0', 'lower');
    expect(f.kind).toBe(CompletionItemKind.Function);
    expect(f.detail).toBe('lower(s): string');
    expect(f.insertTextFormat).toBe(InsertTextFormat.Snippet);
    expect(f.textEdit?.newText).toBe('lower($1)');
    const plain = complete('source pipedrive.persons -> filter $0', false).items.find((i) => i.label === 'lower')!;
    expect(plain.insertTextFormat).toBeUndefined();
    expect(plain.textEdit?.newText).toBe('lower(');
  });

  it('closes a template when completing its name', () => {
    const { a, items } = complete('source pipedrive.persons since ~{Cr$0');
    const c = items.find((i) => i.label === 'CreatedDate')!;
    expect(c.textEdit?.newText).toBe('CreatedDate}~');
    expect(slice(a, (c.textEdit as TextEdit).range)).toBe('Cr');
    const closed = complete('source pipedrive.persons since ~{Cr$0}~').items.find((i) => i.label === 'CreatedDate')!;
    expect(closed.textEdit?.newText).toBe('CreatedDate');
  });

  it('offers --var names as templates', () => {
    const { a, position } = at('source pipedrive.persons where term = ~{$0', { vars: ['Region'] });
    expect(completion(a, position).map((i) => i.label)).toContain('Region');
  });

  it('completes in a block of a larger file, with the block\'s own record', () => {
    const text = [
      'flow a {\n  source pipedrive.deals -> dest stdout\n}',
      'flow b {\n  source pipedrive.persons\n    -> filter $0\n}',
      'flow c {\n  source pipedrive.users -> dest stdout\n}',
    ].join('\n');
    const got = labels(text);
    expect(got).toContain('owner_name');
    expect(got).not.toContain('is_admin');
  });
});
