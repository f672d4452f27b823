// Comparing a field of fixed options (an enum: Pipedrive option labels, statuses) with text that is
// none of them is never true: with a label in another case (`Segment == "smb"` for `SMB`) or a
// near miss it is an error with "did you mean"; with anything else, a warning.
import type * as A from '../../language/ast.js';
import type { Range } from '../../diagnostics.js';
import { printExpr } from '../../language/printer.js';
import { closest } from '../../util/suggest.js';
import { CHECK } from '../codes.js';
import { constantValue } from '../constant.js';
import { placeCondition } from '../plan.js';
import { diag, expressions, type RuleContext, type Rule } from '../rule.js';
import { nonNull, type Type } from '../types.js';

export const labelsRule: Rule = {
  name: 'labels',
  description: 'text compared with a field of fixed options is one of its options',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const t = (e: A.Expr): Type => f.types.get(e) ?? { kind: 'any' };
      for (const [e] of expressions(f)) {
        if (e.kind !== 'Binary' || (e.op !== '==' && e.op !== '!=')) continue;
        compare(ctx, e.left, t(e.left), e.right);
        compare(ctx, e.right, t(e.right), e.left);
      }
      const src = f.flow.pipeline?.source;
      const action = f.source?.action;
      if (!src || !action?.record) continue;
      for (const c of src.where) {
        const p = placeCondition(action, action.record, c);
        if (p.kind !== 'engine') continue;
        const subject = c.key.map((k) => k.value).join('.');
        if (c.op === '=' || c.op === '!=') check(ctx, subject, p.fieldType, c.value);
        else if (c.op === 'in' && c.value.kind === 'List') for (const it of c.value.items) check(ctx, subject, p.fieldType, it);
      }
    }
  },
};

function compare(ctx: RuleContext, field: A.Expr, type: Type, other: A.Expr): void {
  const subject = field.kind === 'FieldRef' || field.kind === 'Member' || field.kind === 'Index' ? printExpr(field) : 'this value';
  check(ctx, subject, type, other);
}

function check(ctx: RuleContext, subject: string, type: Type, value: A.Expr): void {
  const base = nonNull(type);
  const v = constantValue(value);
  if (base.kind !== 'string' || !base.enum || typeof v !== 'string' || base.enum.includes(v)) return;
  const options = base.enum.map((x) => JSON.stringify(x)).join(', ');
  const sameCase = base.enum.find((x) => x.toLowerCase() === v.toLowerCase());
  const guess = sameCase ?? closest(v, base.enum);
  const range: Range = value.range;
  ctx.report(
    diag(CHECK.enumLabel, guess ? 'error' : 'warning', `\`${subject}\` is one of ${options}: ${JSON.stringify(v)} never equals it${guess ? `; did you mean ${JSON.stringify(guess)}?` : ''}`, range, {
      ...(guess ? { suggest: [{ title: `Change to ${JSON.stringify(guess)}`, range, replacement: JSON.stringify(guess) }] } : {}),
    }),
  );
}
