// Operators get operands they can work on; `filter` and `if` get a boolean.
import type * as A from '../../language/ast.js';
import { CHECK } from '../codes.js';
import { diag, expressions, type Rule, type RuleContext } from '../rule.js';
import { isKind, isNullable, nonNull, show, type Type } from '../types.js';

export const operatorsRule: Rule = {
  name: 'operators',
  description: 'operands fit their operators; conditions are booleans',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const t = (e: A.Expr): Type => f.types.get(e) ?? { kind: 'any' };
      for (const [e] of expressions(f)) {
        if (e.kind === 'Binary') binary(ctx, e, t(e.left), t(e.right));
        else if (e.kind === 'Unary' && e.op === '-') {
          if (!isKind(t(e.operand), 'number')) ctx.report(diag(CHECK.operandType, 'error', `\`-\` needs a number, found ${show(t(e.operand))}`, e.operand.range));
        } else if (e.kind === 'If') condition(ctx, e.cond, t(e.cond), '`if`');
        else if (e.kind === 'Unary' && e.op === 'not') condition(ctx, e.operand, t(e.operand), '`not`');
      }
      for (const step of f.flow.pipeline?.steps ?? []) {
        if (step.kind === 'Filter') condition(ctx, step.expr, t(step.expr), '`filter`');
      }
    }
  },
};

function condition(ctx: RuleContext, e: A.Expr, t: Type, what: string): void {
  if (!isKind(t, 'boolean')) {
    ctx.report(diag(CHECK.filterNotBoolean, 'error', `${what} needs a condition (true or false), found ${show(t)}`, e.range, { hint: 'Compare with ==, !=, <, >, or test a value with `!= null`.' }));
  }
}

function binary(ctx: RuleContext, e: A.Binary, l: Type, r: Type): void {
  const bad = (msg: string, at: A.Expr = e) => ctx.report(diag(CHECK.operandType, 'error', msg, at.range));
  switch (e.op) {
    case '+':
      if (isKind(l, 'string') || isKind(r, 'string')) return;
      if (!isKind(l, 'number')) return bad(`\`+\` adds numbers or joins text, found ${show(l)}`, e.left);
      if (!isKind(r, 'number')) return bad(`\`+\` adds numbers or joins text, found ${show(r)}`, e.right);
      return nullWarn(ctx, e, l, r);
    case '-':
    case '*':
    case '/':
    case '%':
      if (!isKind(l, 'number')) return bad(`\`${e.op}\` needs numbers, found ${show(l)}`, e.left);
      if (!isKind(r, 'number')) return bad(`\`${e.op}\` needs numbers, found ${show(r)}`, e.right);
      return nullWarn(ctx, e, l, r);
    case '<':
    case '<=':
    case '>':
    case '>=':
      if ((isKind(l, 'number') && isKind(r, 'number')) || (isKind(l, 'string') && isKind(r, 'string'))) return;
      return bad(`\`${e.op}\` compares numbers with numbers or text with text, found ${show(l)} and ${show(r)}`);
    case 'and':
    case 'or':
      if (!isKind(l, 'boolean')) return bad(`\`${e.op}\` needs conditions, found ${show(l)}`, e.left);
      if (!isKind(r, 'boolean')) return bad(`\`${e.op}\` needs conditions, found ${show(r)}`, e.right);
      return;
    default:
      return;
  }
}

/** Arithmetic with a value that may be null gives null: worth a warning, not an error. */
function nullWarn(ctx: RuleContext, e: A.Binary, l: Type, r: Type): void {
  const side = isNullable(l) && nonNull(l).kind !== 'null' ? e.left : isNullable(r) && nonNull(r).kind !== 'null' ? e.right : undefined;
  if (!side) return;
  ctx.report(
    diag(CHECK.nullableOperand, 'warning', `this value may be null, which makes \`${e.op}\` give null`, side.range, {
      hint: 'Give a default with `??`, e.g. `(x ?? 0)`.',
    }),
  );
}
