// Positions between our ranges and LSP's, and "what is at this offset".
//
// Ours (src/diagnostics.ts): 1-based line and column, 0-based offset, `end` exclusive. LSP: 0-based
// line and character, `end` exclusive. Both count characters in UTF-16 code units (chevrotain works
// on JS string indexes; LSP's default position encoding is UTF-16, the only one we announce), so a
// column is a character + 1. We still convert through the offset, with the document's own line
// table: that stays right even where the front end and LSP could count lines differently (a lone
// `\r`), and a range can never point outside the document (test/lsp/position.test.ts checks both).
import type { IToken } from 'chevrotain';
import type { Position as LspPosition, Range as LspRange } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from '../diagnostics.js';
import type * as A from '../language/ast.js';
import type { Analysis, Unit } from './document-cache.js';

const clamp = (n: number, max: number): number => (Number.isFinite(n) ? Math.min(Math.max(0, Math.trunc(n)), max) : 0);

/** Document offsets as an LSP range, clamped into the document (end never before start). */
export function offsetsToRange(doc: TextDocument, start: number, end: number): LspRange {
  const len = doc.getText().length;
  const s = clamp(start, len);
  const e = Math.max(s, clamp(end, len));
  return { start: doc.positionAt(s), end: doc.positionAt(e) };
}

/** A range in document positions (ours) as an LSP range. */
export function toLspRange(doc: TextDocument, r: Range): LspRange {
  return offsetsToRange(doc, r.start.offset, r.end.offset);
}

/** A range local to a unit as an LSP range. */
export function unitRange(a: Analysis, u: Unit, r: Range): LspRange {
  return offsetsToRange(a.doc, u.offset + r.start.offset, u.offset + r.end.offset);
}

/** Where an LSP position falls: its unit and the offset inside it. */
export interface Located {
  unit: Unit;
  /** Offset in the document. */
  offset: number;
  /** Offset in the unit's text. */
  local: number;
}

export function locate(a: Analysis, p: LspPosition): Located {
  const offset = a.doc.offsetAt(p);
  const unit = a.unitAt(offset);
  return { unit, offset, local: offset - unit.offset };
}

/** Whether `offset` is inside `r` or just after it (a cursor at the end of a name is on the name). */
export const touches = (r: Range, offset: number): boolean => r.start.offset <= offset && offset <= r.end.offset;

/** The child nodes of a node, in source order (like printer.walk, one level). */
export function children(node: A.Node): A.Node[] {
  const out: A.Node[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === 'range' || k === 'nameRange' || k === 'opRange') continue;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (!x || typeof x !== 'object') continue;
        if ('kind' in x) out.push(x as A.Node);
        // Object entries and record-type fields are plain `{ key, value | type, range }`.
        else for (const y of Object.values(x)) if (y && typeof y === 'object' && 'kind' in (y as object)) out.push(y as A.Node);
      }
    } else if (v && typeof v === 'object' && 'kind' in v) out.push(v as A.Node);
  }
  return out;
}

/**
 * The nodes that hold `offset`, outermost first, innermost last. Of two siblings that both touch
 * the offset (`a|+b` has none, `f(a)|` has one), the one the offset is strictly inside wins, then the
 * one it ends.
 */
export function nodePath(root: A.Node, offset: number): A.Node[] {
  const path: A.Node[] = [root];
  let node: A.Node = root;
  for (;;) {
    let inside: A.Node | undefined;
    let atEnd: A.Node | undefined;
    for (const c of children(node)) {
      const r = c.range;
      if (r.start.offset <= offset && offset < r.end.offset) {
        inside = c;
        break;
      }
      if (offset === r.end.offset && r.start.offset <= offset && !atEnd) atEnd = c;
    }
    const next = inside ?? atEnd;
    if (!next) return path;
    path.push(next);
    node = next;
  }
}

/** Index of the last token that starts before `offset`, or -1. */
export function tokenIndexBefore(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].startOffset < offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The token that holds `offset` (start <= offset < end), if any. */
export function tokenAt(tokens: readonly IToken[], offset: number): IToken | undefined {
  const i = tokenIndexBefore(tokens, offset + 1);
  const t = tokens[i];
  return t && t.startOffset <= offset && offset <= t.endOffset! ? t : undefined;
}

/** A chevrotain token's local range. */
export function tokenRange(t: IToken): Range {
  return {
    start: { line: t.startLine ?? 1, column: t.startColumn ?? 1, offset: t.startOffset },
    end: { line: t.endLine ?? 1, column: (t.endColumn ?? 0) + 1, offset: t.endOffset! + 1 },
  };
}
