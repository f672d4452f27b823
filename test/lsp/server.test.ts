// The server in process, over in-memory streams: request isolation, versions and debouncing.
import { describe, expect, it } from 'vitest';
import { CompletionRequest, DidCloseTextDocumentNotification, DocumentSymbolRequest, HoverRequest, SemanticTokensRequest } from 'vscode-languageserver-protocol/node.js';
import { PROVIDERS } from '../../src/lsp/server.js';
import { LspClient } from './client.js';
import { autoEnv as env } from './helpers.js';

const FLOW = 'source pipedrive.persons\n  -> map { name: name }\n  -> dest stdout\n';

describe('the server, in process', () => {
  it('answers a request whose provider throws with an error, and keeps serving', async () => {
    const c = LspClient.inProcess({
      env,
      providers: {
        hover: async (a, pos, o) => {
          if (pos.line === 0) throw new Error('boom on line 1');
          return PROVIDERS.hover(a, pos, o);
        },
      },
    });
    await c.initialize();
    const uri = 'file:///w/iso.flow';
    await c.open(uri, FLOW);
    await expect(c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 2 } })).rejects.toThrow(
      'sluice: hover failed: boom on line 1',
    );
    const ok = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 13 } });
    expect(JSON.stringify(ok)).toContain('**name**');
    const items = await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 1, character: 17 } });
    expect(Array.isArray(items) && items.length).toBeGreaterThan(0);
    expect(c.logs.some((l) => l.includes('sluice: hover failed: Error: boom on line 1'))).toBe(true);
    c.conn.dispose();
  });

  it('keeps publishing after a check that throws', async () => {
    let fail = true;
    const c = LspClient.inProcess({
      env,
      providers: {
        diagnostics: (a) => {
          if (fail) {
            fail = false;
            throw new Error('check exploded');
          }
          return PROVIDERS.diagnostics(a);
        },
      },
    });
    await c.initialize();
    const uri = 'file:///w/fail.flow';
    const v2 = c.diagnostics(uri, 2);
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'flow', version: 1, text: FLOW } });
    await new Promise((r) => setTimeout(r, 50));
    await c.change(uri, 2, [{ range: { start: { line: 1, character: 21 }, end: { line: 1, character: 21 } }, text: 'x' }], false);
    expect((await v2).diagnostics.map((d) => d.code)).toEqual(['SL2050']);
    expect(c.published.map((p) => p.version)).toEqual([2]);
    expect(c.logs.some((l) => l.includes('check exploded'))).toBe(true);
    c.conn.dispose();
  });

  it('checks only the last of quick edits, and never publishes an older version', async () => {
    const c = LspClient.inProcess({ env });
    await c.initialize(null, { diagnosticsDelayMs: 40 });
    const uri = 'file:///w/quick.flow';
    await c.open(uri, FLOW);
    const last = c.diagnostics(uri, 6);
    // Type "nam" then fix it: versions 2-5 arrive within the debounce and are never checked.
    const at = (ch: number) => ({ line: 1, character: ch });
    await c.change(uri, 2, [{ range: { start: at(17), end: at(21) }, text: 'n' }], false);
    await c.change(uri, 3, [{ range: { start: at(18), end: at(18) }, text: 'a' }], false);
    await c.change(uri, 4, [{ range: { start: at(19), end: at(19) }, text: 'm' }], false);
    await c.change(uri, 5, [{ range: { start: at(20), end: at(20) }, text: 'x' }], false);
    await c.change(uri, 6, [{ range: { start: at(20), end: at(21) }, text: 'e' }], false);
    expect((await last).diagnostics).toEqual([]);
    expect(c.published.filter((p) => p.uri === uri).map((p) => p.version)).toEqual([1, 6]);
    c.conn.dispose();
  });

  it('clears the diagnostics of a closed document and answers nothing for it', async () => {
    const c = LspClient.inProcess({ env });
    await c.initialize();
    const uri = 'file:///w/close.flow';
    expect((await c.open(uri, 'source pipedrive.persns -> dest stdout')).diagnostics).toHaveLength(1);
    const cleared = c.diagnostics(uri);
    await c.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    expect((await cleared).diagnostics).toEqual([]);
    expect(await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 1 } })).toBeNull();
    c.conn.dispose();
  });

  it('serves symbols and semantic tokens over the protocol', async () => {
    const c = LspClient.inProcess({ env });
    const init = await c.initialize();
    expect(init.capabilities.semanticTokensProvider?.legend.tokenTypes).toContain('keyword');
    const uri = 'file:///w/persons.flow';
    await c.open(uri, FLOW);
    const symbols = await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    expect(symbols?.map((s) => s.name)).toEqual(['persons']);
    const tokens = await c.conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    // source pipedrive persons -> map name name -> dest stdout
    expect(tokens?.data.length).toBe(5 * 10);
    c.conn.dispose();
  });
});
