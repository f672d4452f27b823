// Text -> tokens -> CST -> AST, with every syntax problem as a Diagnostic. Never throws.
import type { CstNode, IToken, ILexingError } from 'chevrotain';
import { compareDiagnostics, type Diagnostic, type Range } from '../diagnostics.js';
import type * as A from './ast.js';
import { AstBuilder, keywordOf, tokenRange } from './build-ast.js';
import { CODES } from './codes.js';
import { MAX_EXPRESSION_DEPTH, MAX_NESTING, tooDeepBracket } from './limits.js';
import { flowParser, parseContext } from './parser.js';
import * as T from './tokens.js';

export interface ParseResult {
  program: A.Program;
  diagnostics: Diagnostic[];
  /** Every token, comments excluded (the language server uses them for semantic tokens). */
  tokens: IToken[];
}

export function parse(text: string): ParseResult {
  const lexed = T.FlowLexer.tokenize(text);
  const diagnostics: Diagnostic[] = lexed.errors.map((e) => lexError(text, e));
  const tokens = lexed.tokens;
  const comments: A.Comment[] = (lexed.groups.comments ?? []).map((t) => ({ kind: 'Comment', text: t.image.slice(1), range: tokenRange(t) }));

  const builder = new AstBuilder();
  const flows: A.Flow[] = [];
  const vars: A.VarDecl[] = [];
  const parser = flowParser();
  parseContext.tokens = tokens;
  // Each `flow` block is parsed on its own, so a mistake in one can never hide the next.
  const lexErrorAt = lexed.errors.map((e) => e.offset);
  const broken: Range[] = [];
  for (const chunk of chunks(tokens)) {
    const deep = tooDeepBracket(chunk);
    if (deep) {
      // Parsing it would recurse once per level; the chunk is reported and left out of the tree.
      diagnostics.push({
        code: CODES.nestingTooDeep,
        severity: 'error',
        message: `brackets nest more than ${MAX_NESTING} deep here`,
        range: tokenRange(deep),
        hint: 'Split the expression into steps (`map`, then another `map`), or name parts with `lookup`.',
      });
      broken.push(tokenSpan(chunk));
      continue;
    }
    parser.input = chunk;
    let cst: CstNode;
    try {
      cst = parser.file();
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      diagnostics.push(tooDeepChunk(chunk));
      broken.push(tokenSpan(chunk));
      continue;
    }
    const from = chunk[0]?.startOffset ?? 0;
    const to = chunk[chunk.length - 1]?.endOffset ?? from;
    let chunkBroken = lexErrorAt.some((o) => o >= from && o <= to + 1);
    for (const e of parser.errors) {
      chunkBroken = true;
      // A character the lexer dropped already has its error; what the parser then trips over is noise.
      const at = e.token?.startOffset;
      if (at !== undefined && !Number.isNaN(at)) {
        const prev = tokens[tokens.indexOf(e.token) - 1];
        const prevEnd = prev ? prev.endOffset! : -1;
        if (lexErrorAt.some((o) => o > prevEnd && o < at)) continue;
      }
      diagnostics.push(syntaxError(e, tokens));
    }
    if (chunkBroken && chunk.length > 0) broken.push(tokenSpan(chunk));
    const built: A.Flow[] = [];
    const declared: A.VarDecl[] = [];
    try {
      builder.file(cst, built, declared);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      diagnostics.push(tooDeepChunk(chunk));
      continue;
    }
    flows.push(...built);
    vars.push(...declared);
  }
  parseContext.tokens = [];
  diagnostics.push(...builder.diagnostics, ...structure(flows, tokens, broken));
  diagnostics.sort(compareDiagnostics);
  const end = endPosition(text);
  const program: A.Program = { kind: 'Program', vars, flows, comments, range: { start: { line: 1, column: 1, offset: 0 }, end } };
  return { program, diagnostics: dedupe(diagnostics), tokens };
}

/** Splits the token stream before every `flow` keyword that starts a block (`flow NAME {`). */
function chunks(tokens: IToken[]): IToken[][] {
  const out: IToken[][] = [];
  let current: IToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    // Not a name in a dotted action, nor the action of `dest flow upsert by ...` or of
    // `on reject flow` (a setting, before `id "..."` on the next line), nor the field of
    // `upsert by flow`, on the same line. On a line of its own after `dest`, `reject` or `by`, it
    // starts a block, as the editor's cut into blocks says (lsp/document-cache.ts): what comes
    // before it is unfinished.
    const prev = tokens[i - 1];
    const sameLine = prev !== undefined && prev.endLine === t.startLine;
    const startsBlock =
      t.tokenType === T.Flow &&
      prev?.tokenType !== T.Dot &&
      !((prev?.tokenType === T.Dest || prev?.tokenType === T.By || prev?.tokenType === T.Reject) && sameLine) &&
      (tokens[i + 1]?.tokenType === T.Identifier || tokens[i + 1]?.tokenType === T.LCurly);
    if (startsBlock && current.length > 0) {
      out.push(current);
      current = [];
    }
    current.push(t);
  }
  if (current.length > 0 || out.length === 0) out.push(current);
  return out;
}

/** The safety net for nesting the bracket count does not see (thousands of `if`s in a row). */
function tooDeepChunk(chunk: IToken[]): Diagnostic {
  return {
    code: CODES.expressionTooDeep,
    severity: 'error',
    message: `this flow nests too deep to read (more than ${MAX_EXPRESSION_DEPTH} levels)`,
    range: tokenSpan(chunk),
  };
}

function tokenSpan(ts: IToken[]): Range {
  return { start: tokenRange(ts[0]).start, end: tokenRange(ts[ts.length - 1]).end };
}

function lexError(text: string, e: ILexingError): Diagnostic {
  const ch = text[e.offset] ?? '';
  const range: Range = {
    start: { line: e.line ?? 1, column: e.column ?? 1, offset: e.offset },
    end: { line: e.line ?? 1, column: (e.column ?? 1) + e.length, offset: e.offset + e.length },
  };
  const shown = text.slice(e.offset, e.offset + Math.min(e.length, 12));
  let hint: string | undefined;
  if (ch === '!') hint = 'Write `not x` for negation and `!=` for "not equal".';
  else if (ch === '&' || ch === '|') hint = 'Write `and` and `or`.';
  else if (ch === "'") hint = 'Strings use double quotes: "text".';
  else if (ch === '~') hint = 'Templates are written ~{Name}~.';
  return { code: CODES.unexpectedCharacter, severity: 'error', message: `unexpected character${e.length > 1 ? 's' : ''} \`${shown}\``, range, hint };
}

interface ChevrotainError {
  name: string;
  message: string;
  token: IToken;
  previousToken?: IToken;
}

function syntaxError(e: ChevrotainError, all: IToken[]): Diagnostic {
  let range: Range;
  const tok = e.token;
  if (tok && !Number.isNaN(tok.startOffset) && tok.tokenType !== undefined && tok.image !== '') {
    range = tokenRange(tok);
  } else {
    // At the end of input, or a token that recovery invented: point just after the last real token.
    const prev = e.previousToken && !Number.isNaN(e.previousToken.startOffset) ? e.previousToken : all[all.length - 1];
    const p = prev ? tokenRange(prev).end : { line: 1, column: 1, offset: 0 };
    range = { start: p, end: p };
  }
  return { code: CODES.syntax, severity: 'error', message: e.message, range };
}

/** Rules of shape that the grammar leaves open on purpose, for better recovery. */
function structure(flows: A.Flow[], tokens: IToken[], broken: Range[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const bare = flows.filter((f) => f.name === null);
  const blocks = flows.filter((f) => f.name !== null);
  if (bare.length > 0 && blocks.length > 0) {
    for (const f of bare) {
      out.push({
        code: CODES.bareAndBlocks,
        severity: 'error',
        message: 'a file holds either one bare pipeline or `flow NAME { ... }` blocks, not both',
        range: f.pipeline?.source?.range ?? f.range,
        hint: 'Wrap this pipeline in `flow NAME { ... }`.',
      });
    }
  } else if (bare.length > 1) {
    for (const f of bare.slice(1)) {
      out.push({
        code: CODES.bareAndBlocks,
        severity: 'error',
        message: 'a file holds only one bare pipeline; wrap each pipeline in `flow NAME { ... }`',
        range: f.pipeline?.source?.range ?? f.range,
      });
    }
  }
  for (const f of flows) {
    const label = f.name ? `flow \`${f.name.value}\`` : 'this pipeline';
    if (f.name && !f.pipeline) {
      out.push({ code: CODES.missingPipeline, severity: 'error', message: `${label} has no pipeline: add \`source APP.ACTION -> ... -> dest APP.ACTION\``, range: f.name.range });
    }
    const p = f.pipeline;
    // In a flow with syntax errors a "missing" destination is usually one the parser lost.
    const isBroken = broken.some((r) => r.start.offset <= f.range.start.offset && f.range.start.offset <= r.end.offset);
    if (p && p.source && !p.dest && !isBroken) {
      const last = p.steps[p.steps.length - 1]?.range ?? p.source.range;
      out.push({
        code: CODES.missingDest,
        severity: 'error',
        message: `${label} has no destination: end it with \`-> dest APP.ACTION\` (for example \`-> dest stdout\`)`,
        range: { start: last.end, end: last.end },
      });
    }
    const seen = new Map<string, A.Setting>();
    for (const s of f.settings) {
      const key = s.kind === 'OnReject' ? 'on reject' : s.kind === 'FlowId' ? 'id' : 'schedule';
      const first = seen.get(key);
      if (first) {
        out.push({
          code: CODES.duplicateSetting,
          severity: 'error',
          message: `${label} has more than one \`${key}\``,
          range: s.range,
          related: [{ message: 'first given here', range: first.range }],
        });
      } else seen.set(key, s);
    }
  }
  if (tokens.length === 0) {
    out.push({
      code: CODES.emptyFile,
      severity: 'warning',
      message: 'this file holds no flow',
      range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } },
    });
  }
  return out;
}

/** chevrotain can report the same spot twice (rule-level and token-level recovery). */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}:${d.range.start.offset}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function endPosition(text: string) {
  let line = 1;
  let last = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; last = i + 1; }
  return { line, column: text.length - last + 1, offset: text.length };
}

export { keywordOf };
