// In-process provider tests: a document with the cursor marked `$0`, analysed like the server does.
import type { Position } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CheckEnv, ConnectionInfo } from '../../src/check/env.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { DocumentCache, type Analysis } from '../../src/lsp/document-cache.js';

export const URI = 'file:///work/flows/test.flow';
export const MARK = '$0';

let shared: CheckEnv | undefined;
/**
 * The providers are tested on the seed's configuration, the default connection on API v1 (records
 * with `email`, parameters such as `first_char`).
 */
export const SEED_CONNECTIONS: ConnectionInfo[] = [{ name: 'pipedrive', app: 'pipedrive', apiVersion: 'v1' }];
export const env = (): CheckEnv => (shared ??= stdlibEnv({ connections: SEED_CONNECTIONS }));
let auto: CheckEnv | undefined;
/** A workspace without saved connections: every action on its default (auto) version. */
export const autoEnv = (): CheckEnv => (auto ??= stdlibEnv());

/** The text without its cursor mark, and the cursor as an LSP position and offset. */
export function cursor(marked: string): { text: string; position: Position; offset: number } {
  const offset = marked.indexOf(MARK);
  if (offset < 0) throw new Error(`no ${MARK} in the test text`);
  if (marked.indexOf(MARK, offset + 1) >= 0) throw new Error(`more than one ${MARK}`);
  const text = marked.slice(0, offset) + marked.slice(offset + MARK.length);
  return { text, position: TextDocument.create(URI, 'flow', 1, text).positionAt(offset), offset };
}

export function analyse(text: string, options: { uri?: string; connections?: ConnectionInfo[]; vars?: string[]; auto?: boolean } = {}): Analysis {
  const e = options.connections || options.vars ? stdlibEnv({ ...(options.connections ? { connections: options.connections } : {}), vars: options.vars ?? [] }) : options.auto ? autoEnv() : env();
  return new DocumentCache(() => e).get(TextDocument.create(options.uri ?? URI, 'flow', 1, text));
}

/** The analysis of a marked text and the cursor in it. */
export function at(marked: string, options: Parameters<typeof analyse>[1] = {}): { a: Analysis; position: Position; offset: number; text: string } {
  const c = cursor(marked);
  return { a: analyse(c.text, options), ...c };
}

/** The text an LSP range covers. */
export function slice(a: Analysis, r: { start: Position; end: Position }): string {
  return a.text.slice(a.doc.offsetAt(r.start), a.doc.offsetAt(r.end));
}
