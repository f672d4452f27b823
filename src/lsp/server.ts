// The language server: one connection, open documents with incremental sync, and one provider per
// feature (diagnostics.ts, completion.ts, hover.ts, ...). It never runs a flow.
//
// Robustness: every handler runs inside `guard`, so an exception in one request becomes an error
// response for that request (and a log line), and the server keeps serving. Diagnostics are
// computed per document version after a short debounce; a version that a newer one replaced before
// its turn is never checked, and results older than what was published are never sent.
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type CancellationToken,
  type ClientCapabilities,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CheckEnv } from '../check/env.js';
import { checkerEnvironment } from '../check/environment.js';
import { connectionsPath } from '../connections/index.js';
import { dataDir } from '../util/paths.js';
import { codeActions } from './code-actions.js';
import { completion } from './completion.js';
import { definition } from './definition.js';
import { diagnostics } from './diagnostics.js';
import { DocumentCache, type Analysis } from './document-cache.js';
import { formatting } from './formatting.js';
import { hover } from './hover.js';
import { LEGEND, semanticTokens } from './semantic-tokens.js';
import { StateReader } from './state.js';
import { documentSymbols, symbolInformation } from './symbols.js';

/** The providers, replaceable in tests (to check that a failing one does not take the server down). */
export const PROVIDERS = { completion, hover, definition, documentSymbols, symbolInformation, formatting, codeActions, semanticTokens, diagnostics };
export type Providers = typeof PROVIDERS;

export interface ServerOptions {
  providers?: Partial<Providers>;
  /** The checker's world; default: the one `sluice check` builds (defaultEnv). */
  env?: () => CheckEnv;
  /** Environment variables (SLUICE_CONFIG_DIR, SLUICE_HOME, SLUICE_<NAME>_URL). */
  processEnv?: Record<string, string | undefined>;
  /** Where the state store is looked for when the client names no workspace folder. */
  cwd?: string;
  /** Milliseconds between an edit and its check; more edits within it are checked once. */
  diagnosticsDelayMs?: number;
}

const DEFAULT_DELAY_MS = 5;

/**
 * The checker's world of `sluice check` run in the workspace folder (checkerEnvironment: standard
 * library, saved connections, discovered custom fields), with no `--var`; problems go to the log.
 * Built again when the connections file changes, and after a document is saved (`sluice discover`
 * may have stored custom fields meanwhile).
 */
export function defaultEnv(processEnv: Record<string, string | undefined>, log: (s: string) => void): { get: () => CheckEnv; invalidate: () => void } {
  let env: CheckEnv | undefined;
  let stamp = '';
  return {
    get() {
      let now = 'none';
      try {
        const s = statSync(connectionsPath(processEnv));
        now = `${s.mtimeMs}:${s.size}`;
      } catch {
        // No connections file: only SLUICE_* variables can name connections.
      }
      if (!env || now !== stamp) {
        env = checkerEnvironment({ processEnv, warn: log });
        stamp = now;
      }
      return env;
    },
    invalidate() {
      env = undefined;
    },
  };
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const providers: Providers = { ...PROVIDERS, ...options.providers };
  const processEnv = options.processEnv ?? process.env;
  const log = (message: string) => connection.console.error(message);
  // Connections and custom fields live in the config folder, whatever the workspace folder.
  const world = defaultEnv(processEnv, log);
  const cache = new DocumentCache(options.env ?? (() => world.get()));
  const documents = new TextDocuments(TextDocument);
  let capabilities: ClientCapabilities = {};
  let state: StateReader | undefined;
  let delay = options.diagnosticsDelayMs ?? DEFAULT_DELAY_MS;
  const timers = new Map<string, NodeJS.Timeout>();
  const published = new Map<string, number>();

  /** Runs a request handler; an exception answers this request with an error, nothing more. */
  function guard<P, R>(name: string, fn: (params: P, token: CancellationToken) => R | Promise<R>) {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
      if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      try {
        return await fn(params, token);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        log(`sluice: ${name} failed: ${e.stack ?? e.message}`);
        return new ResponseError(ErrorCodes.InternalError, `sluice: ${name} failed: ${e.message}`);
      }
    };
  }

  /** The analysis of the open document `uri` at its current version, or null when it is not open. */
  const analysisOf = (uri: string): Analysis | null => {
    const doc = documents.get(uri);
    return doc ? cache.get(doc) : null;
  };

  function schedule(uri: string): void {
    const old = timers.get(uri);
    if (old) clearTimeout(old);
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        validate(uri);
      }, delay),
    );
  }

  function validate(uri: string): void {
    try {
      const doc = documents.get(uri);
      if (!doc) return;
      const a = cache.get(doc);
      // Checking is synchronous, so nothing can arrive meanwhile today; the guard keeps it right if
      // it ever yields: never publish a version older than the document or than what was sent.
      if (documents.get(uri)?.version !== a.version || (published.get(uri) ?? -Infinity) > a.version) return;
      published.set(uri, a.version);
      void connection.sendDiagnostics({ uri, version: a.version, diagnostics: providers.diagnostics(a) });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      log(`sluice: checking ${uri} failed: ${e.stack ?? e.message}`);
    }
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    capabilities = params.capabilities;
    const init = (params.initializationOptions ?? {}) as { diagnosticsDelayMs?: unknown };
    if (typeof init.diagnosticsDelayMs === 'number' && init.diagnosticsDelayMs >= 0) delay = init.diagnosticsDelayMs;
    const root = rootOf(params) ?? options.cwd ?? process.cwd();
    state = new StateReader(dataDir(processEnv, root), root);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        completionProvider: { triggerCharacters: ['.', '{', '<', '~', ',', '>'], resolveProvider: false },
        hoverProvider: true,
        definitionProvider: true,
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        semanticTokensProvider: { legend: LEGEND, full: true },
      },
      serverInfo: { name: 'sluice', version: '0.1.0' },
    };
  });

  documents.onDidOpen((e) => schedule(e.document.uri));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidSave(() => world.invalidate());
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.delete(uri);
    cache.delete(uri);
    published.delete(uri);
    // An editor keeps the last diagnostics of a closed file unless told otherwise.
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  connection.onCompletion(
    guard('completion', (p) => {
      const a = analysisOf(p.textDocument.uri);
      return a ? providers.completion(a, p.position, { snippets: capabilities.textDocument?.completion?.completionItem?.snippetSupport === true }) : null;
    }),
  );
  connection.onHover(
    guard('hover', async (p) => {
      const a = analysisOf(p.textDocument.uri);
      return a ? providers.hover(a, p.position, state ? { state } : {}) : null;
    }),
  );
  connection.onDefinition(
    guard('definition', (p) => {
      const a = analysisOf(p.textDocument.uri);
      return a ? providers.definition(a, p.position) : null;
    }),
  );
  connection.onDocumentSymbol(
    guard('documentSymbol', (p) => {
      const a = analysisOf(p.textDocument.uri);
      if (!a) return null;
      return capabilities.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport ? providers.documentSymbols(a) : providers.symbolInformation(a);
    }),
  );
  connection.onDocumentFormatting(
    guard('formatting', (p) => {
      const a = analysisOf(p.textDocument.uri);
      return a ? providers.formatting(a) : null;
    }),
  );
  connection.onCodeAction(
    guard('codeAction', (p) => {
      const a = analysisOf(p.textDocument.uri);
      return a ? providers.codeActions(a, p) : null;
    }),
  );
  connection.languages.semanticTokens.on(
    guard('semanticTokens', (p) => {
      const a = analysisOf(p.textDocument.uri);
      return a ? providers.semanticTokens(a) : { data: [] };
    }),
  );
  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    state?.close();
  });

  documents.listen(connection);
  connection.listen();
}

/** The workspace's folder, where `sluice run` would be started (and so where `.sluice` is). */
function rootOf(params: InitializeParams): string | undefined {
  const uri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  if (uri?.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  return params.rootPath && isAbsolute(params.rootPath) ? params.rootPath : undefined;
}
