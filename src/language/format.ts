// `fmt` as a function: text in, canonical text out, or the syntax errors that prevent it.
import type { Diagnostic } from '../diagnostics.js';
import type * as A from './ast.js';
import { placeComments } from './comments.js';
import { parse } from './parse.js';
import { print } from './printer.js';
import { FlowLexer } from './tokens.js';

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

/** Formats `text`. A file with syntax errors is not formatted: guessing could lose the author's text. */
export function format(text: string): FormatResult {
  const { program, diagnostics, tokens } = parse(text);
  const errors = diagnostics.filter((d) => d.severity === 'error' && d.code < 'SL1100');
  if (errors.length > 0) return { ok: false, diagnostics: errors };
  const placed = withComments(program, tokens);
  if (placed !== undefined) return { ok: true, text: placed };
  // Printing attaches comments to lines; a comment that had to move (one of several on a line) is
  // attached again when the output is read back. Printing until nothing moves makes `fmt` idempotent.
  let out = print(program);
  for (let i = 0; i < 3; i++) {
    const again = print(parse(out).program);
    if (again === out) break;
    out = again;
  }
  return { ok: true, text: out };
}

/**
 * The code laid out without comments (a map that holds one is broken over lines), then every
 * comment put back after the token it follows. Undefined when the result would not read back as the
 * same code (a token the printer respells beyond recognition): the caller then places comments by line.
 */
function withComments(program: A.Program, tokens: Parameters<typeof placeComments>[1]): string | undefined {
  const { comments } = program;
  const offsets = comments.map((c) => c.range.start.offset);
  const holdsComment = (m: A.MapStep) => {
    // The first comment after the map's start (offsets are in source order), then whether it is inside.
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid] <= m.range.start.offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets.length && offsets[lo] < m.range.end.offset - 1;
  };
  const code = print(program, { comments: [], breakMap: holdsComment });
  const text = placeComments(code, tokens, comments);
  if (text === undefined || text === code) return text;
  const again = parse(text);
  const images = (ts: typeof tokens) => ts.map((t) => t.image).filter((i) => i !== ',').join(' ');
  const broken = again.diagnostics.some((d) => d.severity === 'error' && d.code < 'SL1100');
  if (broken || images(again.tokens) !== images(FlowLexer.tokenize(code).tokens) || again.program.comments.length !== comments.length) return undefined;
  return text;
}
