// `sluice lsp --stdio` as editors run it: a process driven by a vscode-languageserver-protocol
// client. The CLI must be built first (`npm test` does it; or node scripts/build.mjs).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CompletionRequest, DocumentFormattingRequest, HoverRequest, type Diagnostic } from 'vscode-languageserver-protocol/node.js';
import { SqliteStateStore as StateStore, flowKey } from '../../src/state/index.js';
import { BIN, ROOT, runSluice, tempDir } from '../helpers/cli.js';
import { LspClient } from './client.js';

const home = tempDir('sluice-lsp-e2e-');
// No saved connections and no state: the same world for `sluice check` and the server.
const ENV = { SLUICE_CONFIG_DIR: join(home, 'config'), SLUICE_HOME: join(home, 'data') };
afterAll(() => rmSync(home, { recursive: true, force: true }));

const VALID = `flow new_persons_to_leads {
  schedule every 15m
  source pipedrive.persons since ~{CreatedDate}~
    -> filter primary(emails) != null
    -> lookup owner = pipedrive.users.find where term = name
    -> map { title: "Lead: " + name, person_id: id, owner_id: owner.id }
    -> dest pipedrive.leads
}
`;

describe('sluice lsp --stdio', () => {
  it('initializes, checks as edits come in, completes, hovers, formats, and exits 0 after shutdown', async () => {
    const c = LspClient.spawn(ENV);
    try {
      const init = await c.initialize(pathToFileURL(home).href);
      expect(init.capabilities.textDocumentSync).toEqual({ openClose: true, change: 2, save: { includeText: false } });
      expect(init.capabilities.completionProvider?.triggerCharacters).toContain('.');
      expect(init.serverInfo?.name).toBe('sluice');

      const uri = pathToFileURL(join(home, 'leads.flow')).href;
      expect((await c.open(uri, VALID)).diagnostics).toEqual([]);

      // Edit into an error: `name` -> `nae` (an incremental change of one character).
      const line = 4;
      const col = '    -> lookup owner = pipedrive.users.find where term = na'.length;
      const broken = await c.change(uri, 2, [{ range: { start: { line, character: col }, end: { line, character: col + 1 } }, text: '' }]);
      expect(broken!.diagnostics).toHaveLength(1);
      const [d] = broken!.diagnostics;
      expect(d.code).toBe('SL2050');
      expect(d.message).toMatch(/^unknown field `nae`; did you mean `name`\?/);
      expect(d.range).toEqual({ start: { line, character: col - 2 }, end: { line, character: col + 1 } });
      // And a syntax error on top of it, then back to clean in two edits.
      const worse = await c.change(uri, 3, [{ range: { start: { line: 5, character: 11 }, end: { line: 5, character: 12 } }, text: '' }]);
      expect(worse!.diagnostics.map((x) => x.code)).toContain('SL1010');
      await c.change(uri, 4, [{ range: { start: { line: 5, character: 11 }, end: { line: 5, character: 11 } }, text: '{' }]);
      const clean = await c.change(uri, 5, [{ range: { start: { line, character: col }, end: { line, character: col } }, text: 'm' }]);
      expect(clean!.diagnostics).toEqual([]);

      const items = await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 5, character: '    -> map { title: "Lead: " + name, person_id: id, owner_id: owner.'.length } });
      const labels = (Array.isArray(items) ? items : (items?.items ?? [])).map((i) => i.label);
      expect(labels).toEqual(expect.arrayContaining(['id', 'name', 'email']));

      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 2, character: 14 } });
      expect(JSON.stringify(h?.contents)).toContain('pipedrive.persons');

      const messy = 'source pipedrive.persons   ->   dest stdout';
      const uri2 = pathToFileURL(join(home, 'messy.flow')).href;
      await c.open(uri2, messy);
      const edits = await c.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: uri2 }, options: { tabSize: 2, insertSpaces: true } });
      expect(edits).toHaveLength(1);
      expect(c.published.every((p) => p.uri === uri || p.uri === uri2)).toBe(true);

      expect(await c.stop(true)).toBe(0);
    } finally {
      c.kill();
    }
  });

  it('shows the value a template gets from the state store', async () => {
    const file = join(home, 'leads.flow');
    const store = StateStore.open(ENV.SLUICE_HOME);
    const key = flowKey(file, 'new_persons_to_leads');
    const run = await store.startRun(key, { trigger: 'cli', file });
    await store.commitProgress(run, key, 'pipedrive.persons@pipedrive', { watermark: '2026-01-02T03:04:05Z' });
    await store.finishRun(run, { status: 'succeeded' });
    await store.close();
    const c = LspClient.spawn(ENV);
    try {
      await c.initialize(pathToFileURL(home).href);
      const uri = pathToFileURL(file).href;
      await c.open(uri, VALID);
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 2, character: 36 } });
      expect(JSON.stringify(h?.contents)).toMatch(/Resolves to `2026-01-02T03:04:05(\.000)?Z` now/);
      expect(await c.stop()).toBe(0);
    } finally {
      c.kill();
    }
  });

  it('exits 1 on exit without shutdown', async () => {
    const c = LspClient.spawn(ENV);
    try {
      await c.initialize();
      expect(await c.stop(false)).toBe(1);
    } finally {
      c.kill();
    }
  });

  it('publishes the same diagnostics as `sluice check`', async () => {
    const dir = join(home, 'same');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'broken.flow');
    const text = `flow a {
  schedule every 15m
  source pipedrive.persns where limt = 5
    -> map { title: nam, x: ~{Creatd}~ }
    -> dest pipedrive.leads with conection = "x"
}
flow a {
  source pipedrive.persons -> filter x = 1 -> dest stdout
}
`;
    writeFileSync(file, text);
    const cli = await runSluice(['check', '--format', 'json', file], { env: ENV });
    expect(cli.code).toBe(1);
    const expected = (JSON.parse(cli.stdout) as { files: { diagnostics: { code: string; message: string; hint?: string; range: { start: { line: number; column: number }; end: { line: number; column: number } } }[] }[] }).files[0].diagnostics;
    expect(expected.length).toBeGreaterThan(4);

    const c = LspClient.spawn(ENV);
    try {
      await c.initialize();
      const got = (await c.open(pathToFileURL(file).href, text)).diagnostics;
      const asCli = (x: Diagnostic) => {
        const [message, hint] = x.message.split('\nhint: ');
        return { code: x.code, message, hint, range: { start: { line: x.range.start.line + 1, column: x.range.start.character + 1 }, end: { line: x.range.end.line + 1, column: x.range.end.character + 1 } } };
      };
      const fromCli = expected.map((e) => ({ code: e.code, message: e.message, hint: e.hint, range: { start: { line: e.range.start.line, column: e.range.start.column }, end: { line: e.range.end.line, column: e.range.end.column } } }));
      expect(got.map(asCli)).toEqual(fromCli);
      expect(await c.stop()).toBe(0);
    } finally {
      c.kill();
    }
  });

  it('writes nothing but protocol messages to stdout', async () => {
    const child = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { cwd: ROOT, env: { ...process.env, ...ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    const send = (m: object) => {
      const body = JSON.stringify({ jsonrpc: '2.0', ...m });
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    send({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    send({ method: 'initialized', params: {} });
    send({ method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///x/a.flow', languageId: 'flow', version: 1, text: 'source ->' } } });
    // Wait for the diagnostics (a slow machine may take a while to start) before shutting down.
    for (let i = 0; i < 200 && !Buffer.concat(chunks).includes('textDocument/publishDiagnostics'); i++) await new Promise((r) => setTimeout(r, 50));
    send({ id: 2, method: 'shutdown' });
    send({ method: 'exit' });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    let out = Buffer.concat(chunks);
    const messages: { id?: number; method?: string }[] = [];
    while (out.length > 0) {
      const m = /^Content-Length: (\d+)\r\n\r\n/.exec(out.toString('latin1', 0, 64));
      expect(m, `not a protocol frame: ${out.toString('utf8', 0, 80)}`).not.toBeNull();
      const start = m![0].length;
      const len = Number(m![1]);
      messages.push(JSON.parse(out.subarray(start, start + len).toString('utf8')) as { id?: number; method?: string });
      out = out.subarray(start + len);
    }
    expect(messages.map((x) => x.id ?? x.method)).toEqual([1, 'textDocument/publishDiagnostics', 2]);
  });

  it('is a usage error without --stdio', async () => {
    const r = await runSluice(['lsp'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('`sluice lsp` needs --stdio');
    const unknown = await runSluice(['lsp', '--socket=4000'], { env: ENV });
    expect(unknown.code).toBe(2);
  });
});
