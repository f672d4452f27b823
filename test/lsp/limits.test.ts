// Deep input in the editor: the server publishes the limit's diagnostic and goes on serving.
import { describe, expect, it } from 'vitest';
import { DocumentFormattingRequest, HoverRequest, DocumentSymbolRequest, SemanticTokensRequest, CompletionRequest } from 'vscode-languageserver-protocol/node.js';
import { LspClient } from './client.js';
import { env } from './helpers.js';

const inMap = (expr: string) => `source pipedrive.persons\n  -> map { a: ${expr} }\n  -> dest stdout\n`;

describe('the server on deep input', () => {
  it.each([
    ['300 nested parentheses', inMap(`${'('.repeat(300)}1${')'.repeat(300)}`), 'SL1021'],
    ['200 nested maps', inMap(`${'{ a: '.repeat(200)}1${' }'.repeat(200)}`), 'SL1021'],
    ['a flat sum of 2,500 terms', inMap(Array.from({ length: 2500 }, () => 'id').join(' + ')), 'SL1022'],
  ])('%s: publishes the diagnostic, and every request is answered', async (_name, text, code) => {
    const c = LspClient.inProcess({ env });
    await c.initialize();
    const uri = 'file:///w/deep.flow';
    const published = await c.open(uri, text);
    expect(published.diagnostics.map((d) => d.code)).toContain(code);
    const textDocument = { uri };
    const position = { line: 1, character: 14 };
    await c.conn.sendRequest(HoverRequest.type, { textDocument, position });
    await c.conn.sendRequest(CompletionRequest.type, { textDocument, position });
    await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument });
    await c.conn.sendRequest(SemanticTokensRequest.type, { textDocument });
    await c.conn.sendRequest(DocumentFormattingRequest.type, { textDocument, options: { tabSize: 2, insertSpaces: true } });
    expect(c.logs.filter((l) => /failed|internal/.test(l))).toEqual([]);
    c.conn.dispose();
  });
});
