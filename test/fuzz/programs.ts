// Generated flow texts for the fuzz tests: token soup over the language's real vocabulary (apps,
// actions, fields, functions), printed random trees, and valid samples with tokens deleted,
// duplicated or swapped; each with comments after random tokens, sometimes nested deep.
import fc from 'fast-check';
import { parse } from '../../src/language/parse.js';
import { print } from '../../src/language/printer.js';
import { program } from '../language/ast-arbitrary.js';
import { VALID } from '../language/samples.js';

const WORDS = [
  'source', 'dest', 'flow', 'map', 'filter', 'lookup', 'dedupe', 'by', 'take', 'with', 'where', 'since', 'as', 'schedule', 'every', 'cron',
  'on', 'reject', 'if', 'then', 'else', 'and', 'or', 'not', 'in', 'contains', 'true', 'false', 'null', 'var',
  'pipedrive.persons', 'pipedrive.deals', 'pipedrive.leads', 'pipedrive.users.find', 'pipedrive.recents', 'file.jsonl', 'file.csv', 'sqlite.table', 'stdout',
  'name', 'email', 'id', 'owner_id', 'value', 'Segment', 'custom', 'owner', 'title', 'person_id', 'limit', 'items', 'term', 'path', 'connection',
  'primary', 'lower', 'len', 'coalesce', 'to_number', 'date', 'string', 'integer', 'date', 'x',
  '->', '...', '??', '==', '!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '%', '?', '{', '}', '(', ')', '[', ']', ',', ':', '.',
  '"text"', '"SMB"', '"2026-03-31"', '""', '"\\u00e9"', '0', '10', '1.5', '1e309', '15m', '~{CreatedDate}~', '~{Now}~', '~{rep}~', '~<Now>~',
];

const soup = fc.array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(' ', ' ', '\n', '')), { maxLength: 60 }).map((ts) => ts.map(([w, sep]) => w + sep).join(''));

const mutated = fc
  .record({
    sample: fc.nat(VALID.length - 1),
    edits: fc.array(fc.record({ kind: fc.constantFrom('delete', 'duplicate', 'swap'), at: fc.nat(), other: fc.nat() }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ sample, edits }) => {
    let text = VALID[sample].text;
    for (const e of edits) {
      const toks = parse(text).tokens.map((t) => [t.startOffset, t.endOffset! + 1] as const);
      if (toks.length === 0) break;
      const [a, b] = toks[e.at % toks.length];
      const [c, d] = toks[e.other % toks.length];
      if (e.kind === 'delete') text = text.slice(0, a) + text.slice(b);
      else if (e.kind === 'duplicate') text = text.slice(0, b) + ' ' + text.slice(a, b) + text.slice(b);
      else if (a < c && b <= c) text = text.slice(0, a) + text.slice(c, d) + text.slice(b, c) + text.slice(a, b) + text.slice(d);
    }
    return text;
  });

const deep = fc.record({ n: fc.integer({ min: 1, max: 400 }), kind: fc.constantFrom('(', '[', '{ a: ', 'if x then 1 else ', '- ', 'not ', '1 + ') }).map(({ n, kind }) => {
  const close = kind === '(' ? ')' : kind === '[' ? ']' : kind === '{ a: ' ? ' }' : '';
  return `source pipedrive.persons -> map { a: ${kind.repeat(n)}1${close.repeat(n)} } -> dest stdout`;
});

/** Comments after random tokens (never between a number and its unit). */
function commented(text: string, picks: number[]): string {
  const tokens = parse(text).tokens;
  const ends = tokens.filter((t, i) => !(/^\d/.test(t.image) && tokens[i + 1]?.startOffset === t.endOffset! + 1)).map((t) => t.endOffset! + 1);
  if (ends.length === 0 || picks.length === 0) return text;
  const at = [...new Set(picks.map((p) => ends[p % ends.length]))].sort((a, b) => a - b);
  let out = '';
  let from = 0;
  at.forEach((pos, i) => {
    out += `${text.slice(from, pos)}${i % 2 ? '\n' : ' '}# c${i}\n`;
    from = pos;
  });
  return out + text.slice(from);
}

/** Any text the fuzz tests feed to check, fmt and the language server. */
export const flowText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: program.map((p) => print(p)) }, { weight: 3, arbitrary: mutated }, { weight: 3, arbitrary: soup }, { weight: 1, arbitrary: deep }),
    fc.array(fc.nat(), { maxLength: 6 }),
  )
  .map(([text, picks]) => commented(text, picks));
