// Comments in `fmt`'s output stay on the token they follow. A comment belongs to the token before it
// (or to the start of the file) and is either on that token's line or on a line of its own; the
// printer lays out the code without comments, and this module puts each comment back after its
// token, breaking the line there when code followed it. Because where a comment goes depends only
// on its token and its kind, and the layout depends only on the tree (and on which maps hold a
// comment), formatting the output again gives the same text.
import type { IToken } from 'chevrotain';
import type * as A from './ast.js';
import { FlowLexer } from './tokens.js';

export interface Attachment {
  comment: A.Comment;
  /** Index, among the tokens that are not commas, of the token the comment follows (-1: none). */
  after: number;
  /** On the line of that token (else on a line of its own). */
  sameLine: boolean;
}

/** Commas separate; the printer adds one after the last entry of a broken map, so they carry no comment. */
const significant = (tokens: readonly IToken[]): IToken[] => tokens.filter((t) => t.image !== ',');

/** Where each comment is, relative to the tokens of the code. */
export function attachments(tokens: readonly IToken[], comments: readonly A.Comment[]): Attachment[] {
  const code = significant(tokens);
  let i = -1;
  return comments.map((comment) => {
    const at = comment.range.start.offset;
    while (i + 1 < code.length && code[i + 1].startOffset < at) i++;
    const prev = code[i];
    return { comment, after: i, sameLine: prev !== undefined && prev.startLine === comment.range.start.line };
  });
}

const CLOSERS = new Set(['}', ']', ')']);

const isParen = (t: IToken) => t.image === '(' || t.image === ')';

/**
 * For each significant source token, the significant output token it became. The printer may drop
 * or add parentheses and respell a literal (`1.50` as `1.5`); a dropped parenthesis maps to the
 * token before it.
 */
function align(source: readonly IToken[], output: readonly IToken[]): number[] {
  const map: number[] = [];
  let j = 0;
  for (const t of source) {
    while (j < output.length && isParen(output[j]) && !isParen(t)) j++;
    if (isParen(t) && output[j]?.image !== t.image) {
      map.push(j - 1);
      continue;
    }
    map.push(Math.min(j, output.length - 1));
    j++;
  }
  return map;
}

/**
 * `code` (printed without comments) with the comments of the source put back after their tokens.
 * Returns undefined when the tokens cannot be matched; the caller then places comments by line.
 */
export function placeComments(code: string, sourceTokens: readonly IToken[], comments: readonly A.Comment[]): string | undefined {
  if (comments.length === 0) return code;
  const all = FlowLexer.tokenize(code).tokens;
  const out = significant(all);
  const src = significant(sourceTokens);
  if (out.length === 0 && src.length > 0) return undefined;
  const map = align(src, out);
  const indexInAll = new Map(all.map((t, k) => [t, k] as const));

  // Comments grouped by the output token (index in `all`) they follow; -1 is the start of the file.
  const groups = new Map<number, Attachment[]>();
  for (const a of attachments(sourceTokens, comments)) {
    let k = a.after < 0 ? -1 : indexInAll.get(out[map[a.after]])!;
    // After the commas that follow the token, so that `a: 1,  # note` keeps its comma.
    while (k >= 0 && all[k + 1]?.image === ',') k++;
    const g = groups.get(k) ?? [];
    g.push(a);
    groups.set(k, g);
  }

  const lineStart = (offset: number) => code.lastIndexOf('\n', offset - 1) + 1;
  const indentAt = (offset: number) => {
    const start = lineStart(offset);
    let end = start;
    while (code[end] === ' ') end++;
    return code.slice(start, end);
  };
  let text = '';
  let from = 0;
  const start = groups.get(-1) ?? [];
  for (const a of start) text += `#${a.comment.text}\n`;
  for (const [k, group] of [...groups].filter(([k]) => k >= 0).sort((x, y) => x[0] - y[0])) {
    const tok = all[k];
    const end = tok.endOffset! + 1;
    const next = all[k + 1];
    const gapEnd = next ? next.startOffset : code.length;
    const gap = code.slice(end, gapEnd);
    text += code.slice(from, end);
    // In order: only the first can share the token's line (when tokens merged, as a dropped
    // parenthesis does, a later one goes on a line of its own rather than before an earlier one).
    const [first, ...rest] = group;
    const trailing = first.sameLine ? [first] : [];
    const own = first.sameLine ? rest : group;
    for (const a of trailing) text += `  #${a.comment.text}`;
    if (next && !gap.includes('\n')) {
      // Code went on on this line: the comment ends it, and the code continues below, indented.
      const cont = `${indentAt(tok.startOffset)}    `;
      for (const a of own) text += `\n${cont}#${a.comment.text}`;
      text += `\n${cont}`;
    } else if (next) {
      // Own-line comments go just above the next token's line, at its indentation.
      const nl = gap.lastIndexOf('\n') + 1;
      text += gap.slice(0, nl);
      const indent = gap.slice(nl);
      // Above a closing bracket, at the indentation of what it closes.
      const inner = CLOSERS.has(next.image) ? `${indent}  ` : indent;
      for (const a of own) text += `${inner}#${a.comment.text}\n`;
      text += indent;
    } else {
      const indent = indentAt(tok.startOffset);
      for (const a of own) text += `\n${indent}#${a.comment.text}`;
      text += gap;
    }
    from = gapEnd;
  }
  text += code.slice(from);
  return text;
}
