// Diagnostics are data: every layer (parser, checker, runtime pre-flight) produces these, and the
// CLI, `--format json` and the language server only render them.

/** A point in a source text. `line` and `column` are 1-based; `offset` is a 0-based UTF-16 index. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** A span of text; `end` is exclusive (it points just past the last character). */
export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

/** A replacement an editor or `--fix` can apply ("did you mean"). */
export interface Suggestion {
  title: string;
  range: Range;
  replacement: string;
}

export interface RelatedInformation {
  message: string;
  range: Range;
}

export interface Diagnostic {
  /** Stable identifier, e.g. `SL1001`; wording may change, codes do not. */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  /** Extra guidance shown under the message (what is available, how to fix it). */
  hint?: string;
  related?: RelatedInformation[];
  suggest?: Suggestion[];
}

export const pos = (line: number, column: number, offset: number): Position => ({ line, column, offset });

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.offset - b.range.start.offset || a.range.end.offset - b.range.end.offset || a.code.localeCompare(b.code);
}

export const hasErrors = (ds: readonly Diagnostic[], strict = false): boolean =>
  ds.some((d) => d.severity === 'error' || (strict && d.severity === 'warning'));

/** Position of `offset` in `text` (used where only an offset is known). */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1, offset: end };
}
