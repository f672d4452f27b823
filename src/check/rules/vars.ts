// Variables declared in the file (`var NAME: TYPE [= VALUE]`): one declaration per name, not a
// built-in template's name, a known type, and a default that is a literal of that type.
import type * as A from '../../language/ast.js';
import { walk } from '../../language/printer.js';
import { BUILTIN_TEMPLATES } from '../env.js';
import { CHECK } from '../codes.js';
import { constantValue, NOT_CONSTANT } from '../constant.js';
import { TYPE_NAMES } from '../model.js';
import { diag, didYouMean, type Rule } from '../rule.js';
import { valueProblem } from '../value-check.js';

export const varsRule: Rule = {
  name: 'vars',
  description: 'variables are declared once, with a known type and a literal default of that type',
  run(ctx) {
    const first = new Map<string, A.VarDecl>();
    for (const v of ctx.program.vars) {
      const name = v.name.value;
      const earlier = first.get(name);
      if (earlier) {
        ctx.report(diag(CHECK.duplicateVar, 'error', `the variable \`${name}\` is declared twice`, v.name.range, { related: [{ message: 'first declared here', range: earlier.name.range }] }));
        continue;
      }
      first.set(name, v);
      if (name in BUILTIN_TEMPLATES) {
        ctx.report(diag(CHECK.varBuiltin, 'error', `\`${name}\` is a built-in template (~{${name}}~): Sluice computes it; choose another name`, v.name.range));
      }
      let knownType = true;
      walk(v.type, (n) => {
        if (n.kind !== 'NamedType') return;
        const t = (n as A.NamedTypeExpr).name;
        if (TYPE_NAMES.includes(t.value)) return;
        knownType = false;
        const s = didYouMean(t.value, TYPE_NAMES, t.range);
        ctx.report(diag(CHECK.unknownType, 'error', `unknown type \`${t.value}\`${s.text}`, t.range, { hint: `Types: ${TYPE_NAMES.join(', ')}, [T] for lists, { ... } for objects, T? for "may be null".`, suggest: s.suggest }));
      });
      if (!v.default) continue;
      if (constantValue(v.default) === NOT_CONSTANT) {
        ctx.report(
          diag(CHECK.varDefault, 'error', `the default of \`${name}\` must be a literal value (text, a number, true/false, null or a list of them)`, v.default.range, {
            hint: 'A variable is known before the run starts; compute values from records in a `map`.',
          }),
        );
        continue;
      }
      const m = ctx.model.vars.get(name);
      if (!knownType || !m?.defaultType) continue;
      const problem = valueProblem(`the default of \`${name}\``, m.type, v.default, m.defaultType);
      if (problem) ctx.report(diag(CHECK.varDefault, 'error', problem, v.default.range));
    }
  },
};
