// Framing: a malformed frame costs at most that message, never the session; requests before
// `initialize` get the protocol's error.
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamMessageReader, type Message } from 'vscode-languageserver-protocol/node.js';
import { RecoveringMessageReader } from '../../src/lsp/framing.js';
import { spawnSluice, tempDir } from '../helpers/cli.js';

const body = (id: number, method = 'm') => JSON.stringify({ jsonrpc: '2.0', id, method, params: { text: 'héllo "Content-Length: 3" }' } });
const frame = (json: string) => `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;

/** Feeds `chunks` to a reader and returns the ids of the messages it read. */
async function read(chunks: (string | Buffer)[]): Promise<{ ids: unknown[]; skips: string[] }> {
  const input = new PassThrough();
  const skips: string[] = [];
  const reader = new RecoveringMessageReader(input, { onSkip: (r) => skips.push(r) });
  const ids: unknown[] = [];
  reader.listen((m: Message) => ids.push((m as { id?: unknown }).id));
  for (const c of chunks) {
    input.write(c);
    await new Promise((r) => setImmediate(r));
  }
  return { ids, skips };
}

describe('RecoveringMessageReader', () => {
  const good = frame(body(9));
  it.each<[string, string]>([
    ['LF-only separators', `Content-Length: ${Buffer.byteLength(body(1))}\n\n${body(1)}`],
    ['a Content-Length too large', `Content-Length: 9999\r\n\r\n${body(1)}`],
    ['a Content-Length too small', `Content-Length: 12\r\n\r\n${body(1)}`],
    ['no Content-Length value', `Content-Length: \r\n\r\n${body(1)}`],
  ])('%s: reads the message and the next one', async (_name, bad) => {
    const r = await read([bad, good]);
    expect(r.ids).toEqual([1, 9]);
  });

  it.each<[string, string]>([
    ['a misspelt header', `Content-Lenght: 20\r\n\r\n${body(1)}`],
    ['a body that is not JSON', 'Content-Length: 5\r\n\r\nhello'],
    ['a cut-off body', `Content-Length: 40\r\n\r\n{"jsonrpc":"2.0",`],
    ['garbage', '\u0000\u0001 GET / HTTP/1.1\r\n\r\n'],
  ])('%s: skipped (and said so), the next message is read', async (_name, bad) => {
    const r = await read([bad, good]);
    expect(r.ids).toEqual([9]);
    expect(r.skips.length).toBeGreaterThan(0);
  });

  it('reads valid frames cut anywhere, with nothing skipped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(400), { maxLength: 8 }), async (cuts) => {
        const all = Buffer.from(frame(body(1)) + frame(body(2, 'a/b')) + frame(body(3)));
        const at = [...new Set(cuts.map((c) => c % all.length))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => all.subarray(from, [...at, all.length][i]));
        const r = await read(chunks);
        expect(r.ids).toEqual([1, 2, 3]);
        expect(r.skips).toEqual([]);
      }),
      { numRuns: 60, seed: 14 },
    );
  });
});

describe('sluice lsp --stdio with malformed input', () => {
  it('answers a request before initialize with ServerNotInitialized, and recovers from bad frames', async () => {
    const home = tempDir();
    const child = spawnSluice(['lsp', '--stdio'], { env: { SLUICE_HOME: home, SLUICE_CONFIG_DIR: home } });
    const got: Message[] = [];
    new StreamMessageReader(child.stdout!).listen((m) => got.push(m));
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const waitFor = async (id: number) => {
      for (let i = 0; i < 200 && !got.some((m) => (m as { id?: number }).id === id); i++) await new Promise((r) => setTimeout(r, 25));
      return got.find((m) => (m as { id?: number }).id === id) as { result?: unknown; error?: { code: number } } | undefined;
    };
    const send = (s: string) => child.stdin!.write(s);
    try {
      send(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///x.flow' }, position: { line: 0, character: 0 } } })));
      expect((await waitFor(1))?.error?.code).toBe(-32002);
      // LF-only initialize, then a frame with a wrong length, then a good request.
      const init = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
      send(`Content-Length: ${init.length}\n\n${init}`);
      expect((await waitFor(2))?.result).toBeDefined();
      send(frame(JSON.stringify({ jsonrpc: '2.0', method: 'initialized', params: {} })));
      send(`Content-Length: 4000\r\n\r\n${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'shutdown' })}`);
      expect(await waitFor(3)).toMatchObject({ result: null });
      expect(stderr).toContain('malformed input');
      send(frame(JSON.stringify({ jsonrpc: '2.0', method: 'exit' })));
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(code).toBe(0);
    } finally {
      child.kill();
    }
  });
});
