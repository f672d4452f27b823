// `fmt` as a function: text in, canonical text out, or the syntax errors that prevent it.
import type { Diagnostic } from '../diagnostics.js';
import { parse } from './parse.js';
import { print } from './printer.js';

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

/** Formats `text`. A file with syntax errors is not formatted: guessing could lose the author's text. */
export function format(text: string): FormatResult {
  const { program, diagnostics } = parse(text);
  const errors = diagnostics.filter((d) => d.severity === 'error' && d.code < 'SL1100');
  if (errors.length > 0) return { ok: false, diagnostics: errors };
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
