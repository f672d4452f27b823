// How deep a flow may nest. The parser, the checker, the formatter and the interpreter walk trees
// recursively; stopping at a documented depth with a diagnostic keeps every one of them far from
// the JavaScript stack limit, whatever the input.
import type { IToken } from 'chevrotain';
import type * as A from './ast.js';
import * as T from './tokens.js';

/** Brackets (`(`, `[`, `{`) open at once. */
export const MAX_NESTING = 100;
/** Levels of one expression tree, operators of a chain included (`1 + 1 + ...` nests on the left). */
export const MAX_EXPRESSION_DEPTH = 200;

const OPEN = new Set([T.LParen, T.LBracket, T.LCurly]);
const CLOSE = new Set([T.RParen, T.RBracket, T.RCurly]);

/** The first bracket that opens a level past MAX_NESTING, if any. */
export function tooDeepBracket(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (OPEN.has(t.tokenType)) {
      if (++depth > MAX_NESTING) return t;
    } else if (CLOSE.has(t.tokenType) && depth > 0) depth--;
  }
  return undefined;
}

/** Direct sub-expressions of `e`. */
export function children(e: A.Expr): A.Expr[] {
  switch (e.kind) {
    case 'List':
      return e.items;
    case 'Object':
      return e.entries.map((en) => en.value);
    case 'Member':
      return [e.object];
    case 'Index':
      return [e.object, e.index];
    case 'Call':
      return e.args;
    case 'Unary':
      return [e.operand];
    case 'Binary':
      return [e.left, e.right];
    case 'If':
      return [e.cond, e.then, e.else];
    default:
      return [];
  }
}

/** Whether `e` nests deeper than MAX_EXPRESSION_DEPTH; measured without recursion. */
export function tooDeep(e: A.Expr): boolean {
  const stack: [A.Expr, number][] = [[e, 1]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (d > MAX_EXPRESSION_DEPTH) return true;
    for (const c of children(x)) stack.push([c, d + 1]);
  }
  return false;
}
