// Formatting: the same canonical text as `sluice fmt`, as a small edit.
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { formatting } from '../../src/lsp/formatting.js';
import { format } from '../../src/language/format.js';
import { VALID } from '../language/samples.js';
import { URI, analyse } from './helpers.js';

function applyFormatting(text: string): string {
  const a = analyse(text);
  return TextDocument.applyEdits(TextDocument.create(URI, 'flow', 1, text), formatting(a));
}

describe('formatting', () => {
  it.each(VALID.map((v) => v.text))('gives what `sluice fmt` prints: %s', (text) => {
    const r = format(text);
    expect(r.ok).toBe(true);
    expect(applyFormatting(text)).toBe(r.ok ? r.text : '');
  });

  it('edits only the part that changed', () => {
    const text = 'flow a {\n  source pipedrive.persons\n    -> map {id:id}\n    -> dest stdout\n}\n';
    const edits = formatting(analyse(text));
    expect(edits).toHaveLength(1);
    expect(edits[0].range.start.line).toBe(2);
    expect(edits[0].range.end.line).toBe(2);
    expect(applyFormatting(text)).toBe('flow a {\n  source pipedrive.persons\n    -> map { id: id }\n    -> dest stdout\n}\n');
  });

  it('never splits a CRLF or a surrogate pair', () => {
    for (const text of ['source a.b\r\n  -> dest stdout\r\n', 'source a.b -> map { a: "😀x" } -> dest stdout', 'source a.b -> map { a: "😀" ,b: 1 } -> dest stdout']) {
      expect(applyFormatting(text)).toBe((format(text) as { text: string }).text);
    }
  });

  it('returns no edit for formatted text, or text with syntax errors', () => {
    expect(formatting(analyse('source a.b\n  -> dest stdout\n'))).toEqual([]);
    expect(formatting(analyse('source a.b -> map { a: } -> dest stdout'))).toEqual([]);
  });
});
