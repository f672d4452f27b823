// Literals the language can read but no value can hold: a number too large for a double reads as
// infinity, which no API accepts and which cannot be written back as a number.
import { CHECK } from '../codes.js';
import { diag, expressions, type Rule } from '../rule.js';

export const literalsRule: Rule = {
  name: 'literals',
  description: 'number literals are finite',
  run(ctx) {
    for (const f of ctx.model.flows) {
      for (const [e] of expressions(f)) {
        if (e.kind === 'Number' && !Number.isFinite(e.value)) {
          ctx.report(diag(CHECK.numberTooLarge, 'error', 'this number is too large: it is beyond the largest number a value can hold (about 1.8e308)', e.range));
        }
      }
    }
  },
};
