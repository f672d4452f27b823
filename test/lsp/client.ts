// A small LSP client for the tests and the benchmark, on vscode-languageserver-protocol: over a
// spawned `sluice lsp --stdio`, or in-process over a pair of streams (to inject failing providers).
import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node.js';
import { createConnection } from 'vscode-languageserver/node.js';
import { startServer, type ServerOptions } from '../../src/lsp/server.js';
import { spawnSluice } from '../helpers/cli.js';

export const CAPABILITIES: ClientCapabilities = {
  textDocument: {
    completion: { completionItem: { snippetSupport: true } },
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
  },
};

interface Waiter {
  uri: string;
  version: number | undefined;
  resolve: (p: PublishDiagnosticsParams) => void;
}

export class LspClient {
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  private waiters: Waiter[] = [];
  readonly stderr: string[] = [];
  /** window/logMessage texts (the server logs failed requests there). */
  readonly logs: string[] = [];

  constructor(
    readonly conn: ProtocolConnection,
    readonly child?: ChildProcess,
  ) {
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || (w.version !== undefined && p.version !== w.version)) return true;
        w.resolve(p);
        return false;
      });
    });
    conn.onNotification(LogMessageNotification.type, (p) => this.logs.push(p.message));
    conn.listen();
  }

  /** `sluice lsp --stdio` as a process (the CLI must be built: node scripts/build.mjs). */
  static spawn(env: Record<string, string | undefined> = {}, cwd?: string): LspClient {
    const child = spawnSluice(['lsp', '--stdio'], { env, ...(cwd ? { cwd } : {}) });
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(conn, child);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => client.stderr.push(d));
    return client;
  }

  /** The server in this process over in-memory streams. Never send `exit` to it: it would end the test process. */
  static inProcess(options: ServerOptions = {}): LspClient {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    startServer(server, options);
    const conn = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    return new LspClient(conn);
  }

  async initialize(rootUri: string | null = null, initializationOptions?: unknown): Promise<InitializeResult> {
    const r = await this.conn.sendRequest(InitializeRequest.type, { processId: null, rootUri, capabilities: CAPABILITIES, ...(initializationOptions ? { initializationOptions } : {}) });
    await this.conn.sendNotification(InitializedNotification.type, {});
    return r;
  }

  /** The next diagnostics published for `uri` (at `version`, when given). */
  diagnostics(uri: string, version?: number, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const why = [...this.logs, ...this.stderr].slice(-3).join('\n');
        reject(new Error(`no diagnostics for ${uri}${version !== undefined ? ` v${version}` : ''} within ${timeoutMs} ms${why ? `; the server said:\n${why}` : ''}`));
      }, timeoutMs);
      this.waiters.push({ uri, version, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  async open(uri: string, text: string, version = 1): Promise<PublishDiagnosticsParams> {
    const d = this.diagnostics(uri, version);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'flow', version, text } });
    return d;
  }

  async change(uri: string, version: number, changes: TextDocumentContentChangeEvent[], wait = true): Promise<PublishDiagnosticsParams | undefined> {
    const d = wait ? this.diagnostics(uri, version) : undefined;
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return d;
  }

  /** `shutdown` (optionally) then `exit`; resolves with the process's exit code. */
  async stop(shutdown = true): Promise<number | null> {
    const child = this.child;
    if (!child) throw new Error('stop() is for a spawned server');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    if (shutdown) await this.conn.sendRequest(ShutdownRequest.type);
    await this.conn.sendNotification(ExitNotification.type);
    const code = await exited;
    this.conn.dispose();
    return code;
  }

  kill(): void {
    this.conn.dispose();
    this.child?.kill('SIGKILL');
  }
}
