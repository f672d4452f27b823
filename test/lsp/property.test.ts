// Property: random single-character edits of valid flows, sent as incremental changes, never crash
// the server; every published range lies inside the document; and completion, hover, definition,
// symbols, semantic tokens and formatting answer (without an error) at random places in the text.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Range } from 'vscode-languageserver';
import {
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  HoverRequest,
  SemanticTokensRequest,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { VALID } from '../language/samples.js';
import { codeActions } from '../../src/lsp/code-actions.js';
import { completion } from '../../src/lsp/completion.js';
import { definition } from '../../src/lsp/definition.js';
import { diagnostics } from '../../src/lsp/diagnostics.js';
import { formatting } from '../../src/lsp/formatting.js';
import { hover } from '../../src/lsp/hover.js';
import { semanticTokens } from '../../src/lsp/semantic-tokens.js';
import { documentSymbols } from '../../src/lsp/symbols.js';
import { LspClient } from './client.js';
import { analyse, env, URI } from './helpers.js';
import { runs } from '../helpers/runs.js';

const ALPHABET = [...'{}()[].,:=<>!?+-*/%#"~ \n\tax1', '->', '~{', 'é', '😀'];

interface Edit {
  kind: 'insert' | 'delete' | 'replace';
  at: number;
  char: string;
}

const editArb = fc.record({ kind: fc.constantFrom<Edit['kind']>('insert', 'delete', 'replace'), at: fc.nat(), char: fc.constantFrom(...ALPHABET) });

/** Whether an LSP range is a real span of the document (start before end, both on existing lines). */
function inside(doc: TextDocument, r: Range): boolean {
  const lines = doc.getText().split(/\r\n|\r|\n/);
  const ok = (p: Range['start']) => p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line].length;
  return ok(r.start) && ok(r.end) && (r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character));
}

describe('random edits of valid flows', () => {
  const c = LspClient.inProcess({ env });
  const ready = c.initialize(null, { diagnosticsDelayMs: 0 });
  let n = 0;
  afterAll(() => c.conn.dispose());

  it('never crash the server, and every published range lies inside the document', async () => {
    await ready;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VALID.map((v) => v.text)), fc.array(editArb, { minLength: 1, maxLength: 6 }), fc.nat(), async (text, edits, probe) => {
        const uri = `file:///prop/f${++n}.flow`;
        let doc = TextDocument.create(uri, 'flow', 1, text);
        await c.open(uri, text);
        for (const e of edits) {
          const len = doc.getText().length;
          const at = e.at % (len + 1);
          // Keep surrogate pairs whole: an edit inside one is not something an editor sends.
          const safeAt = at > 0 && /[\udc00-\udfff]/.test(doc.getText()[at] ?? '') ? at - 1 : at;
          const width = e.kind === 'insert' || safeAt >= len ? 0 : /[\ud800-\udbff]/.test(doc.getText()[safeAt]) ? 2 : 1;
          const change: TextDocumentContentChangeEvent = {
            range: { start: doc.positionAt(safeAt), end: doc.positionAt(safeAt + width) },
            text: e.kind === 'delete' ? '' : e.char,
          };
          doc = TextDocument.update(doc, [change], doc.version + 1);
          const published = await c.change(uri, doc.version, [change]);
          for (const d of published!.diagnostics) {
            expect(inside(doc, d.range), `${JSON.stringify(d.range)} in ${JSON.stringify(doc.getText())}`).toBe(true);
            for (const r of d.relatedInformation ?? []) expect(inside(doc, r.location.range)).toBe(true);
          }
        }
        // Every other feature answers on the edited text, at a random place.
        const position = doc.positionAt(probe % (doc.getText().length + 1));
        const td = { textDocument: { uri } };
        await c.conn.sendRequest(CompletionRequest.type, { ...td, position });
        await c.conn.sendRequest(HoverRequest.type, { ...td, position });
        await c.conn.sendRequest(DefinitionRequest.type, { ...td, position });
        await c.conn.sendRequest(DocumentSymbolRequest.type, td);
        const tokens = await c.conn.sendRequest(SemanticTokensRequest.type, td);
        expect(tokens!.data.length % 5).toBe(0);
        const edits2 = await c.conn.sendRequest(DocumentFormattingRequest.type, { ...td, options: { tabSize: 2, insertSpaces: true } });
        for (const e of edits2 ?? []) expect(inside(doc, e.range)).toBe(true);
        await c.conn.sendNotification('textDocument/didClose', td);
      }),
      { numRuns: runs(120) },
    );
    expect(c.logs).toEqual([]);
  }, 60_000);
});

describe('any text at all', () => {
  // Pieces of the language mixed with arbitrary characters: mostly nonsense, sometimes nearly a flow.
  const piece = fc.oneof(
    fc.constantFrom('flow a {', '}', 'source ', 'pipedrive.persons', ' -> ', 'map {', 'x: ', 'filter ', 'dest stdout', 'where ', ' = ', 'owner.', '~{', '"', '\n', '#'),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );

  it('every provider answers on it without throwing, with ranges inside the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), fc.nat(), async (parts, probe) => {
        const a = analyse(parts.join(''));
        const doc = a.doc;
        const position = doc.positionAt(probe % (a.text.length + 1));
        for (const d of diagnostics(a)) expect(inside(doc, d.range)).toBe(true);
        for (const item of completion(a, position, { snippets: true })) {
          const edit = item.textEdit as { range: Range } | undefined;
          if (edit) expect(inside(doc, edit.range)).toBe(true);
        }
        const h = await hover(a, position);
        if (h?.range) expect(inside(doc, h.range)).toBe(true);
        definition(a, position);
        for (const s of documentSymbols(a)) expect(inside(doc, s.range) && inside(doc, s.selectionRange)).toBe(true);
        expect(semanticTokens(a).data.length % 5).toBe(0);
        for (const e of formatting(a)) expect(inside(doc, e.range)).toBe(true);
        codeActions(a, { textDocument: { uri: URI }, range: { start: { line: 0, character: 0 }, end: doc.positionAt(a.text.length) }, context: { diagnostics: [] } });
      }),
      { numRuns: runs(300) },
    );
  });
});
