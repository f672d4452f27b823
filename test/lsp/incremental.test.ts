// The document cache checks a file block by block and reuses unchanged blocks. These tests hold it
// to its promise: after any edit its diagnostics are exactly those of checking the whole text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { checkSource } from '../../src/check/check-source.js';
import { CHECK } from '../../src/check/codes.js';
import { DocumentCache, unitStarts } from '../../src/lsp/document-cache.js';
import { VALID } from '../language/samples.js';
import { env, URI } from './helpers.js';
import { runs } from '../helpers/runs.js';

const BLOCKS = [
  ...VALID.filter((v) => v.text.startsWith('flow')).map((v) => v.text),
  'flow dup {\n  source pipedrive.persons -> map { x: nam } -> dest stdout\n}',
  'flow dup {\n  on reject file.jsonl with path = "r.jsonl"\n  source pipedrive.deals where limit = 5 -> dest pipedrive.leads\n}',
  '# a comment between blocks\nflow c {\n  source pipedrive.persons.get where id = 1\n    -> dest stdout\n}',
];
const BASE = BLOCKS.join('\n\n') + '\n';

/** Bits of the language that change how a file is cut into blocks or parsed. */
const PIECES = ['(', ')', '[', ']', '<', '>', '~', '!', '@', '...', 'map {', ' where ', 'flow ', 'flow x {', 'flow map {', '}', '{', '\n', '\r\n', '.', '. ', '#', '"', '~{', ' ', 'a', '->', 'source ', ':', ',', '=', 'dest stdout', '\nflow dup {\n'];

function fullCheck(text: string) {
  return checkSource(text, { fileName: '/work/flows/test.flow', env: env() }).diagnostics;
}

describe('unitStarts', () => {
  it('cuts before each line that starts a named block', () => {
    const text = 'flow a {\n  source x.y -> dest stdout\n}\nflow b {\n}\n  flow c {}\n';
    expect(unitStarts(text)).toEqual([0, text.indexOf('flow b'), text.indexOf('  flow c')]);
  });

  it('keeps leading comments with the first block', () => {
    const text = '# about\n\nflow a {\n}\nflow b {\n}\n';
    expect(unitStarts(text)).toEqual([0, text.indexOf('flow b')]);
  });

  it('does not cut where the parser does not: after a dot, before a keyword name, at `flow {`', () => {
    expect(unitStarts('flow a {\n  source x.\nflow b {\n}\n')).toEqual([0]);
    expect(unitStarts('flow a {\n  source x. # why\n\nflow b {\n}\n')).toEqual([0]);
    expect(unitStarts('flow a {\n}\nflow map {\n}\n')).toEqual([0]);
    expect(unitStarts('flow a {\n}\nflow {\n}\n')).toEqual([0]);
    expect(unitStarts('flow a {\n}\nflowing b {\n}\n')).toEqual([0]);
  });

  it('makes a file one unit when a bare pipeline or stray text comes before the blocks', () => {
    expect(unitStarts('source a.b -> dest stdout\nflow b {\n}\n')).toEqual([0]);
    expect(unitStarts('@\nflow b {\n}\nflow c {\n}\n')).toEqual([0]);
  });
});

describe('incremental checking', () => {
  it('gives the diagnostics of a whole-text check after every edit (random edits, reused blocks)', () => {
    const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), insert: fc.constantFrom(...PIECES) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        // One cache across the edits, as in the server: later versions reuse earlier blocks.
        const cache = new DocumentCache(env);
        let text = BASE;
        let version = 1;
        expect(cache.get(TextDocument.create(URI, 'flow', version, text)).diagnostics).toEqual(fullCheck(text));
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.del);
          const a = cache.get(TextDocument.create(URI, 'flow', ++version, text));
          expect(a.diagnostics).toEqual(fullCheck(text));
        }
      }),
      { numRuns: runs(200) },
    );
  });

  it('re-checks only the block that changed', () => {
    const cache = new DocumentCache(env);
    const a1 = cache.get(TextDocument.create(URI, 'flow', 1, BASE));
    const edited = BASE.replace('nam }', 'name }');
    const a2 = cache.get(TextDocument.create(URI, 'flow', 2, edited));
    expect(a2.units.length).toBe(a1.units.length);
    const changed = a2.units.filter((u, i) => u.checked !== a1.units[i].checked);
    expect(changed.map((u) => u.text)).toEqual([a1.units.find((u) => u.text.includes('nam }'))!.text.replace('nam }', 'name }')]);
  });

  it('finds flow names given twice across blocks, pointing at the first', () => {
    const a = new DocumentCache(env).get(TextDocument.create(URI, 'flow', 1, BASE));
    const dups = a.diagnostics.filter((d) => d.code === CHECK.duplicateFlow);
    expect(dups).toHaveLength(1);
    expect(dups[0].range.start.offset).toBe(BASE.lastIndexOf('flow dup') + 5);
    expect(dups[0].related?.[0].range.start.offset).toBe(BASE.indexOf('flow dup') + 5);
  });
});
