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
  return { ok: true, text: print(program) };
}
