// Bounded, seeded fuzzing of the language server in process: generated texts opened and edited,
// every request at random positions answered, no request failing and diagnostics always published.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  HoverRequest,
  SemanticTokensRequest,
} from 'vscode-languageserver-protocol/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient } from '../lsp/client.js';
import { env } from '../lsp/helpers.js';
import { flowText } from './programs.js';
import { runs } from '../helpers/runs.js';

describe('fuzz: the language server', () => {
  it('answers every request on generated documents and edits, and logs no failure', async () => {
    const c = LspClient.inProcess({ env });
    await c.initialize();
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(flowText, flowText, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), async (text, insert, offsets) => {
          const uri = `file:///w/fuzz${n++}.flow`;
          const published = await c.open(uri, text);
          expect(Array.isArray(published.diagnostics)).toBe(true);
          const doc = TextDocument.create(uri, 'flow', 1, text);
          const at = doc.positionAt(offsets[0] % (text.length + 1));
          // An edit: the second text spliced in at a random place.
          const edited = await c.change(uri, 2, [{ range: { start: at, end: at }, text: insert }]);
          expect(Array.isArray(edited?.diagnostics)).toBe(true);
          const now = TextDocument.create(uri, 'flow', 2, text.slice(0, doc.offsetAt(at)) + insert + text.slice(doc.offsetAt(at)));
          const textDocument = { uri };
          for (const o of offsets) {
            const position = now.positionAt(o % (now.getText().length + 1));
            await c.conn.sendRequest(HoverRequest.type, { textDocument, position });
            await c.conn.sendRequest(CompletionRequest.type, { textDocument, position });
            await c.conn.sendRequest(DefinitionRequest.type, { textDocument, position });
          }
          await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument });
          await c.conn.sendRequest(SemanticTokensRequest.type, { textDocument });
          await c.conn.sendRequest(DocumentFormattingRequest.type, { textDocument, options: { tabSize: 2, insertSpaces: true } });
          await c.conn.sendNotification('textDocument/didClose', { textDocument });
          expect(c.logs.filter((l) => /failed/.test(l)), text + '\n----\n' + insert).toEqual([]);
        }),
        { numRuns: runs(120), seed: 1414 },
      );
    } finally {
      c.conn.dispose();
    }
  });
});
