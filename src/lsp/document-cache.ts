// Parse and check once per document version, shared by every provider.
//
// Incremental by flow block. A file of many `flow NAME { ... }` blocks is cut into units at the lines
// that start a block; each unit is checked on its own with the same `checkSource` as `sluice check`,
// and a unit whose text did not change since the previous version reuses its result. A one-character
// edit in a 2,000-line file then re-checks one block (well under a millisecond) instead of the file
// (~30 ms, with GC pauses beyond the 50 ms budget).
//
// Why the results are the same as checking the whole text (a property test compares them on random
// edits, test/lsp/incremental.test.ts):
// - the parser already parses each block on its own (parse.ts `chunks`), and units are cut only where
//   it cuts, so each unit's parse sees the same tokens;
// - tokens never span lines (strings, templates and comments end at the line break), so lexing a
//   unit gives the same tokens as lexing the file;
// - a unit starts at a line start, so local columns are document columns; only lines and offsets
//   shift;
// - a syntax error after a `}` names what the brace closes ("after `map { ... }`"), found by looking
//   back for its `{`: a unit that closes a brace it did not open is merged with the units before it
//   until the brace is matched, so that the lookup finds the same `{`;
// - the checker's rules look at one flow at a time, except `flows` (names unique in the file): its
//   in-unit results are dropped and it runs once over the flows of all units. A new rule that
//   compares flows must be added here too; the property test fails until it is.
// - text before the first block that holds anything but comments (a bare pipeline, stray
//   characters) makes the file one unit: the "bare pipeline and blocks" rule needs the whole file.
import type { IToken } from 'chevrotain';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { checkSource, type CheckedSource } from '../check/check-source.js';
import { CHECK } from '../check/codes.js';
import type { CheckEnv } from '../check/env.js';
import type { FlowModel, VarModel } from '../check/model.js';

const NO_VARS: ReadonlyMap<string, VarModel> = new Map();
import { flowsRule } from '../check/rules/flows.js';
import { compareDiagnostics, type Diagnostic, type Position, type Range } from '../diagnostics.js';
import type * as A from '../language/ast.js';
import { Dot, Flow, FlowLexer, Identifier, LCurly, RCurly, keywordNames } from '../language/tokens.js';

export interface Lexed {
  /** Every token but comments, in order (chevrotain offsets are 0-based UTF-16 indexes, ends inclusive). */
  tokens: IToken[];
  comments: IToken[];
}

/** What is known of one unit's text; shared by every unit (in any version) that has the same text. */
interface Entry {
  text: string;
  checked?: CheckedSource;
  lexed?: Lexed;
  /** Brace depth from the start: the lowest reached (negative: it closes what it did not open), and at the end. */
  braces?: { min: number; end: number };
}

function lexEntry(e: Entry): Lexed {
  if (!e.lexed) {
    const r = FlowLexer.tokenize(e.text);
    e.lexed = { tokens: r.tokens, comments: r.groups.comments ?? [] };
  }
  return e.lexed;
}

function bracesOf(e: Entry): { min: number; end: number } {
  if (!e.braces) {
    let depth = 0;
    let min = 0;
    for (const t of lexEntry(e).tokens) {
      if (t.tokenType === LCurly) depth++;
      else if (t.tokenType === RCurly) min = Math.min(min, --depth);
    }
    e.braces = { min, end: depth };
  }
  return e.braces;
}

/** A run of whole lines of the document, checked on its own. Its positions are local. */
export class Unit {
  constructor(
    /** Where the unit starts in the document (always at a line start). */
    readonly offset: number,
    /** How many lines come before it (its local line 1 is document line `line + 1`). */
    readonly line: number,
    readonly text: string,
    private readonly entry: Entry & { checked: CheckedSource },
  ) {}

  get checked(): CheckedSource {
    return this.entry.checked;
  }

  get program(): A.Program {
    return this.entry.checked.program;
  }

  get flows(): FlowModel[] {
    return this.entry.checked.model?.flows ?? [];
  }

  /** The file's `var` declarations (a file with any is one unit, so this is all of them). */
  get vars(): ReadonlyMap<string, VarModel> {
    return this.entry.checked.model?.vars ?? NO_VARS;
  }

  /** Tokens and comments, lexed on first use (completion, semantic tokens) and kept with the entry. */
  lexed(): Lexed {
    return lexEntry(this.entry);
  }

  /** The analysis of the flow that holds (or, in broken text, comes last before) local `offset`. */
  flowAt(offset: number): FlowModel | undefined {
    const flows = this.flows;
    let found: FlowModel | undefined = flows[0];
    for (const f of flows) if (f.flow.range.start.offset <= offset) found = f;
    return found;
  }

  /** A local position as a document position. */
  toDoc(p: Position): Position {
    return { line: p.line + this.line, column: p.column, offset: p.offset + this.offset };
  }

  toDocRange(r: Range): Range {
    return { start: this.toDoc(r.start), end: this.toDoc(r.end) };
  }

  /** A field's origin as the checker wrote it, its local `map at LINE:COL` made a document line. */
  origin(text: string | undefined): string | undefined {
    return text?.replace(/^map at (\d+):(\d+)$/, (_m, l: string, c: string) => `map at ${Number(l) + this.line}:${c}`);
  }
}

export class Analysis {
  constructor(
    readonly doc: TextDocument,
    readonly text: string,
    /** The file the document is (for a bare pipeline's name and the state store's flow key). */
    readonly fileName: string,
    readonly env: CheckEnv,
    readonly units: Unit[],
    /** In document positions; the same list `checkSource(text)` gives. */
    readonly diagnostics: Diagnostic[],
  ) {}

  get uri(): string {
    return this.doc.uri;
  }

  get version(): number {
    return this.doc.version;
  }

  /** The unit holding document `offset` (an offset between two units belongs to the later one). */
  unitAt(offset: number): Unit {
    let lo = 0;
    let hi = this.units.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.units[mid].offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.units[lo];
  }

  /** Every flow of the document with its unit, in order. */
  *flows(): Iterable<[Unit, FlowModel]> {
    for (const u of this.units) for (const f of u.flows) yield [u, f];
  }
}

/** The path of a `file:` URI; for other schemes (`untitled:`), the last segment of the URI. */
export function fileNameOf(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      // A file URI with a host on a platform that cannot have one: fall through.
    }
  }
  const last = uri.replace(/[?#].*$/, '').split(/[/:\\]/).pop() ?? '';
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // Not percent-encoded after all.
  }
  return name === '' ? 'untitled.flow' : name;
}

export class DocumentCache {
  private readonly docs = new Map<string, { analysis: Analysis; entries: Map<string, Entry> }>();

  /** `env` is asked on every new version; a different object than last time drops every reusable result. */
  constructor(private readonly env: () => CheckEnv) {}

  /** The analysis of the document's current version (computed now if it is not cached). */
  get(doc: TextDocument): Analysis {
    const env = this.env();
    const cached = this.docs.get(doc.uri);
    if (cached && cached.analysis.version === doc.version && cached.analysis.env === env && cached.analysis.text === doc.getText()) return cached.analysis;
    const previous = cached && cached.analysis.env === env ? cached.entries : new Map<string, Entry>();
    const { analysis, entries } = analyse(doc, env, previous);
    this.docs.set(doc.uri, { analysis, entries });
    return analysis;
  }

  /** The last analysis computed, whatever its version (for requests that may use a slightly old one). */
  peek(uri: string): Analysis | undefined {
    return this.docs.get(uri)?.analysis;
  }

  delete(uri: string): void {
    this.docs.delete(uri);
  }
}

function analyse(doc: TextDocument, env: CheckEnv, previous: Map<string, Entry>): { analysis: Analysis; entries: Map<string, Entry> } {
  const text = doc.getText();
  const fileName = fileNameOf(doc.uri);
  const entries = new Map<string, Entry>();
  const units: Unit[] = [];
  const diagnostics: Diagnostic[] = [];
  const entryOf = (unitText: string): Entry => {
    let e = entries.get(unitText) ?? previous.get(unitText);
    if (!e) e = { text: unitText };
    entries.set(unitText, e);
    return e;
  };
  const starts = mergeUnmatched(text, unitStarts(text), entryOf);
  let line = 0;
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i];
    const to = i + 1 < starts.length ? starts[i + 1] : text.length;
    const unitText = text.slice(from, to);
    const entry = entryOf(unitText);
    entry.checked ??= checkSource(unitText, { fileName, env });
    const unit = new Unit(from, line, unitText, entry as Entry & { checked: CheckedSource });
    units.push(unit);
    for (const d of entry.checked.diagnostics) {
      // Names are unique per file: checked once over all units below.
      if (d.code === CHECK.duplicateFlow && starts.length > 1) continue;
      diagnostics.push(shiftDiagnostic(d, unit));
    }
    line += lineBreaks(unitText);
  }
  if (starts.length > 1) diagnostics.push(...duplicateFlows(units));
  diagnostics.sort(compareDiagnostics);
  return { analysis: new Analysis(doc, text, fileName, env, units, diagnostics), entries };
}

/** Merges each unit that closes a brace it did not open into the units before it, until matched. */
function mergeUnmatched(text: string, starts: number[], entryOf: (t: string) => Entry): number[] {
  if (starts.length === 1) return starts;
  const groups: { from: number; min: number; end: number }[] = [];
  for (let i = 0; i < starts.length; i++) {
    const b = bracesOf(entryOf(text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length)));
    let g = { from: starts[i], min: b.min, end: b.end };
    while (g.min < 0 && groups.length > 0) {
      const p = groups.pop()!;
      g = { from: p.from, min: Math.min(p.min, p.end + g.min), end: p.end + g.end };
    }
    groups.push(g);
  }
  return groups.map((g) => g.from);
}

/** Line breaks as the lexer counts them (`\r\n`, `\n`, and a lone `\r`). */
function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/** The `flows` rule over the flows of every unit, in document positions. */
function duplicateFlows(units: Unit[]): Diagnostic[] {
  const flows: A.Flow[] = [];
  for (const u of units) {
    for (const f of u.program.flows) flows.push(f.name ? { ...f, name: { ...f.name, range: u.toDocRange(f.name.range) } } : f);
  }
  const out: Diagnostic[] = [];
  const program: A.Program = { kind: 'Program', vars: [], flows, comments: [], range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } } };
  // The rule reads only the program; the rest of the context is for other rules.
  flowsRule.run({ program, model: { flows: [], env: undefined as never, vars: new Map() }, env: undefined as never, report: (d) => out.push(d) });
  return out;
}

function shiftDiagnostic(d: Diagnostic, u: Unit): Diagnostic {
  if (u.offset === 0 && u.line === 0) return d;
  return {
    ...d,
    range: u.toDocRange(d.range),
    ...(d.related ? { related: d.related.map((r) => ({ ...r, range: u.toDocRange(r.range) })) } : {}),
    ...(d.suggest ? { suggest: d.suggest.map((s) => ({ ...s, range: u.toDocRange(s.range) })) } : {}),
  };
}

// ---- cutting the text into units

/**
 * `flow NAME` at the start of a line: where the parser starts a new block. Not `flow {`: the parser
 * cuts there too, but a block without a name counts as a bare pipeline, and whether that is an
 * error depends on the named blocks elsewhere in the file; it stays in the unit before it.
 */
const BLOCK_LINE = /[ \t]*flow(?![A-Za-z0-9_])[ \t]*([A-Za-z_][A-Za-z0-9_]*)/y;
/** A line that starts with a `var` declaration. */
const VAR_LINE = /^[ \t]*var[ \t]+[A-Za-z_]/m;
/** A line ending in one of these (and holding no comment) cannot end with a `.` token. */
const SAFE_LAST = /[A-Za-z0-9_})\]"][ \t\r]*$/;

/** Offsets where units start: 0, then each line that starts a flow block the way `parse` cuts them. */
export function unitStarts(text: string): number[] {
  // Every flow of the file sees its `var` declarations: such a file is checked as one unit.
  if (VAR_LINE.test(text)) return [0];
  const starts = [0];
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl < 0) break;
    from = nl + 1;
    BLOCK_LINE.lastIndex = from;
    const m = BLOCK_LINE.exec(text);
    if (!m) continue;
    // `flow map {` is not a block start for the parser (`map` is a keyword), so not for us.
    if (keywordNames.has(m[1])) continue;
    // `source a.` + newline + `flow x {`: the parser reads `flow` as part of the action name.
    if (lastTokenBefore(text, from) === Dot) continue;
    starts.push(from);
  }
  if (starts.length === 1) return starts;
  // What comes before the first block line must be a block itself, or nothing but comments.
  const head = FlowLexer.tokenize(text.slice(0, starts[1]));
  if (head.errors.length > 0) return [0];
  if (head.tokens.length === 0) starts.splice(1, 1);
  else if (!(head.tokens[0].tokenType === Flow && head.tokens[1]?.tokenType === Identifier)) return [0];
  return starts;
}

/** The type of the last token before `end` (a line start), looking back over empty and comment lines. */
function lastTokenBefore(text: string, end: number): unknown {
  // The previous line is [lineStart, lineEnd): lineEnd is the '\n' that ends it.
  let lineEnd = end - 1;
  while (lineEnd > 0) {
    const lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
    const line = text.slice(lineStart, lineEnd);
    lineEnd = lineStart - 1;
    if (line.trim() === '') continue;
    if (!line.includes('#') && SAFE_LAST.test(line)) return undefined;
    const tokens = FlowLexer.tokenize(line).tokens;
    if (tokens.length > 0) return tokens[tokens.length - 1].tokenType;
  }
  return undefined;
}
