// The value of an expression known before the run (literals, lists of them, `-3`), for range checks.
import type * as A from '../language/ast.js';

export const NOT_CONSTANT = Symbol('not constant');

export function constantValue(e: A.Expr): unknown {
  switch (e.kind) {
    case 'String':
    case 'Number':
    case 'Boolean':
      return e.value;
    case 'Null':
      return null;
    case 'Unary': {
      const v = constantValue(e.operand);
      if (e.op === '-' && typeof v === 'number') return -v;
      if (e.op === 'not' && typeof v === 'boolean') return !v;
      return NOT_CONSTANT;
    }
    case 'List': {
      const items = e.items.map(constantValue);
      return items.includes(NOT_CONSTANT) ? NOT_CONSTANT : items;
    }
    default:
      return NOT_CONSTANT;
  }
}
