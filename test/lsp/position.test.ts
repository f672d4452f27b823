// Positions: our 1-based line/column with UTF-16 columns become LSP's 0-based line/character
// unchanged in meaning, and "what is at the cursor" finds the innermost node, also in broken text.
import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { checkSource } from '../../src/check/check-source.js';
import { diagnostics, toLspDiagnostic } from '../../src/lsp/diagnostics.js';
import { nodePath, offsetsToRange, tokenAt } from '../../src/lsp/position.js';
import { parse } from '../../src/language/parse.js';
import { INVALID, VALID } from '../language/samples.js';
import { analyse, autoEnv as env, cursor, URI } from './helpers.js';

describe('diagnostics as LSP', () => {
  const texts = [...INVALID.map((c) => c.text), ...VALID.map((c) => c.text), 'source pipedrive.persns -> map { x: nam } -> dest pipedrive.leads'];
  it.each(texts)('keeps code, severity, message and the range (line - 1, column - 1): %s', (text) => {
    const a = analyse(text, { auto: true });
    const ours = checkSource(text, { fileName: '/work/flows/test.flow', env: env() }).diagnostics;
    const lsp = diagnostics(a);
    expect(lsp.length).toBe(ours.length);
    ours.forEach((d, i) => {
      const l = lsp[i];
      expect(l.code).toBe(d.code);
      expect(l.source).toBe('sluice');
      expect(l.severity).toBe(d.severity === 'error' ? DiagnosticSeverity.Error : d.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information);
      expect(l.message.split('\nhint: ')[0]).toBe(d.message);
      if (d.hint) expect(l.message).toBe(`${d.message}\nhint: ${d.hint}`);
      expect(l.range).toEqual({ start: { line: d.range.start.line - 1, character: d.range.start.column - 1 }, end: { line: d.range.end.line - 1, character: d.range.end.column - 1 } });
    });
  });

  it('counts columns in UTF-16 code units, as LSP does (a character outside the BMP is two)', () => {
    // 😀 is two UTF-16 units: the unknown field after it starts at character 27, not 26.
    const text = 'source pipedrive.persons -> map { a: "😀" + nam } -> dest stdout';
    const [d] = checkSource(text, { env: env() }).diagnostics;
    expect(d.message).toMatch(/unknown field `nam`/);
    const l = toLspDiagnostic(TextDocument.create(URI, 'flow', 1, text), d);
    expect(l.range.start.character).toBe(text.indexOf('nam'));
    expect(l.range.start.character).toBe(d.range.start.column - 1);
    expect(l.range.end.character - l.range.start.character).toBe(3);
  });

  it('places diagnostics right after CRLF and lone CR line breaks', () => {
    for (const nl of ['\r\n', '\r']) {
      const text = `flow a {${nl}  source pipedrive.persons${nl}    -> map { x: nam }${nl}    -> dest stdout${nl}}${nl}`;
      const a = analyse(text, { auto: true });
      const [l] = diagnostics(a);
      expect(l.message).toMatch(/unknown field `nam`/);
      expect(l.range.start).toEqual({ line: 2, character: '    -> map { x: '.length });
    }
  });

  it('relates a duplicate flow name to the first one', () => {
    const a = analyse('flow a {\n  source pipedrive.persons -> dest stdout\n}\nflow a {\n  source pipedrive.persons -> dest stdout\n}\n', { auto: true });
    const [l] = diagnostics(a);
    expect(l.range.start).toEqual({ line: 3, character: 5 });
    expect(l.relatedInformation).toEqual([{ location: { uri: URI, range: { start: { line: 0, character: 5 }, end: { line: 0, character: 6 } } }, message: 'first defined here' }]);
  });
});

describe('ranges never leave the document', () => {
  it('clamps offsets outside the text and orders start before end', () => {
    const doc = TextDocument.create(URI, 'flow', 1, 'ab\ncd');
    expect(offsetsToRange(doc, -5, 99)).toEqual({ start: { line: 0, character: 0 }, end: { line: 1, character: 2 } });
    expect(offsetsToRange(doc, 4, 1)).toEqual({ start: { line: 1, character: 1 }, end: { line: 1, character: 1 } });
    expect(offsetsToRange(doc, Number.NaN, 2)).toEqual({ start: { line: 0, character: 0 }, end: { line: 0, character: 2 } });
  });
});

describe('what is at the cursor', () => {
  const kinds = (marked: string) => {
    const c = cursor(marked);
    return nodePath(parse(c.text).program, c.offset).map((n) => n.kind);
  };

  it('finds the innermost node, with a cursor just after a name counting as on it', () => {
    expect(kinds('source a.b -> map { x: owner.na$0me } -> dest stdout').slice(-3)).toEqual(['FieldEntry', 'Member', 'Name']);
    expect(kinds('source a.b -> map { x: owner$0.name } -> dest stdout').slice(-2)).toEqual(['Member', 'FieldRef']);
    expect(kinds('source a.b -> filter lower(em$0ail) -> dest stdout').slice(-3)).toEqual(['Filter', 'Call', 'FieldRef']);
    expect(kinds('source pipe$0drive.persons -> dest stdout').slice(-3)).toEqual(['Source', 'ActionRef', 'Name']);
    expect(kinds('source a.b since ~{Crea$0tedDate}~ -> dest stdout').slice(-1)).toEqual(['Template']);
  });

  it('still finds nodes in broken text', () => {
    expect(kinds('source a.b -> map { x: owner.na$0 -> dest stdout').slice(-2)).toEqual(['Member', 'Name']);
    expect(kinds('source a.b -> filter x ==  -> dest std$0out').slice(-3)).toEqual(['Dest', 'ActionRef', 'Name']);
  });

  it('finds the token at an offset', () => {
    const tokens = parse('source a.b -> dest stdout').tokens;
    expect(tokenAt(tokens, 0)?.image).toBe('source');
    expect(tokenAt(tokens, 5)?.image).toBe('source');
    expect(tokenAt(tokens, 6)).toBeUndefined();
    expect(tokenAt(tokens, 12)?.image).toBe('->');
  });
});
