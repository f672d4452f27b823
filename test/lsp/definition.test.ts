// Go to definition, in process: the cursor is marked `$0`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { definition, pointerOffset } from '../../src/lsp/definition.js';
import { URI, at } from './helpers.js';

function go(marked: string) {
  const { a, position } = at(marked);
  return { a, locs: definition(a, position) };
}

/** The text at a location in a JSON file of the standard library, from its start. */
function stdlibTextAt(uri: string, line: number, character: number): string {
  const text = readFileSync(fileURLToPath(uri), 'utf8');
  const lines = text.split('\n');
  return lines[line].slice(character);
}

describe('definition', () => {
  it('goes from an action to its definition in the standard library', () => {
    const { locs } = go('source pipedrive.users.fi$0nd -> dest stdout');
    expect(locs).toHaveLength(1);
    const [l] = locs!;
    expect(l.uri).toMatch(/\/stdlib\/pipedrive\/actions\/users\.json$/);
    expect(stdlibTextAt(l.uri, l.range.start.line, l.range.start.character)).toMatch(/^\{/);
    // The definition there is the action `users.find`, read.
    const text = readFileSync(fileURLToPath(l.uri), 'utf8');
    const from = text.split('\n').slice(0, l.range.start.line).join('\n').length + 1 + l.range.start.character;
    expect(text.slice(from, from + 400)).toMatch(/"name":\s*"users\.find"/);
  });

  it('goes from the app part of an action to the app', () => {
    const [l] = go('source pipe$0drive.persons -> dest stdout').locs!;
    expect(l.uri).toMatch(/\/stdlib\/pipedrive\/app\.json$/);
    expect(l.range.start).toEqual({ line: 0, character: 0 });
  });

  it('goes from `on reject APP.ACTION` and a destination to the write action', () => {
    const [r] = go('flow a {\n  on reject file.js$0onl with path = "r"\n  source pipedrive.persons -> dest stdout\n}').locs!;
    expect(r.uri).toMatch(/\/stdlib\/file\/app\.json$/);
    expect(r.range.start.line).toBeGreaterThan(0);
    const [d] = go('source pipedrive.persons -> dest pipedrive.lea$0ds').locs!;
    expect(d.uri).toMatch(/\/stdlib\/pipedrive\/actions\/leads\.json$/);
  });

  it('goes from a function to stdlib/functions.json', () => {
    const [l] = go('source pipedrive.persons -> filter prim$0ary(email) != null -> dest stdout').locs!;
    expect(l.uri).toMatch(/\/stdlib\/functions\.json$/);
    expect(stdlibTextAt(l.uri, l.range.start.line, l.range.start.character)).toMatch(/^\{/);
  });

  it('goes from a flow name given twice to the first flow of that name', () => {
    const text = 'flow a {\n  source pipedrive.persons -> dest stdout\n}\nflow b {\n  source pipedrive.persons -> dest stdout\n}\nflow $0a {\n  source pipedrive.deals -> dest stdout\n}\n';
    expect(go(text).locs).toEqual([{ uri: URI, range: { start: { line: 0, character: 5 }, end: { line: 0, character: 6 } } }]);
    expect(go(text.replace('flow $0a', 'flow a').replace('flow a {', 'flow $0a {')).locs).toBeNull();
  });

  it('goes from a field to the map entry, lookup or `as` field that made it', () => {
    expect(go('source pipedrive.persons -> map { full: name } -> filter fu$0ll != null -> dest stdout').locs).toEqual([
      { uri: URI, range: { start: { line: 0, character: 34 }, end: { line: 0, character: 38 } } },
    ]);
    expect(go('source pipedrive.persons -> lookup owner = pipedrive.users.find where term = owner_name -> map { o: own$0er.id } -> dest stdout').locs).toEqual([
      { uri: URI, range: { start: { line: 0, character: 35 }, end: { line: 0, character: 40 } } },
    ]);
    expect(go('source file.csv with path = "x" as { id: integer } -> map { i: i$0d } -> dest stdout').locs).toEqual([
      { uri: URI, range: { start: { line: 0, character: 37 }, end: { line: 0, character: 39 } } },
    ]);
    const [src] = go('source pipedrive.persons -> map { ..., x: 1 } -> filter na$0me != null -> dest stdout').locs!;
    expect(src.uri).toMatch(/persons\.json$/);
  });

  it('goes to the related location of a diagnostic under the cursor', () => {
    const text = 'flow a {\n  schedule every 1m\n  sche$0dule every 2m\n  source pipedrive.persons -> dest stdout\n}';
    expect(go(text).locs).toEqual([{ uri: URI, range: { start: { line: 1, character: 2 }, end: { line: 1, character: 19 } } }]);
  });

  it('finds nothing elsewhere', () => {
    expect(go('source pipedrive.persons -> take 1$00 -> dest stdout').locs).toBeNull();
  });
});

describe('pointerOffset', () => {
  const json = '{\n  "a": { "b/c": [10, {"d": "x\\"}"}], "e": 1 },\n  "f": "}"\n}';
  it('finds members and elements, and stops where the pointer goes nowhere', () => {
    expect(json.slice(pointerOffset(json, '/a'))).toMatch(/^"a"/);
    expect(json.slice(pointerOffset(json, '/a/b~1c'))).toMatch(/^"b\/c"/);
    expect(json.slice(pointerOffset(json, '/a/b~1c/1'))).toMatch(/^\{"d"/);
    expect(json.slice(pointerOffset(json, '/a/b~1c/1/d'))).toMatch(/^"d"/);
    expect(json.slice(pointerOffset(json, '/a/e'))).toMatch(/^"e"/);
    expect(json.slice(pointerOffset(json, '/f'))).toMatch(/^"f"/);
    expect(json.slice(pointerOffset(json, '/a/zz'))).toMatch(/^"a"/);
    expect(pointerOffset(json, '')).toBe(0);
  });
});
