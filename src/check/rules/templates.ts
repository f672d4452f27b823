// Template names: the built-in ones, variables declared in the file, or names given with --var.
import type * as A from '../../language/ast.js';
import { walk } from '../../language/printer.js';
import { BUILTIN_TEMPLATES } from '../env.js';
import { CHECK } from '../codes.js';
import { diag, didYouMean, type Rule } from '../rule.js';

export const templatesRule: Rule = {
  name: 'templates',
  description: 'templates name a built-in value, a declared variable or a --var',
  run(ctx) {
    const known = [...Object.keys(BUILTIN_TEMPLATES), ...ctx.env.vars, ...ctx.model.vars.keys()];
    for (const f of ctx.program.flows) {
      walk(f, (n) => {
        if (n.kind !== 'Template') return;
        const t = n as A.Template;
        if (known.includes(t.name)) return;
        const s = didYouMean(t.name, known, t.nameRange);
        ctx.report(
          diag(CHECK.unknownTemplate, 'error', `unknown template \`~{${t.name}}~\`${s.text}`, t.range, {
            hint: `Built in: ~{CreatedDate}~, ~{LastRunTime}~, ~{Now}~. Declare others in the file (\`var ${t.name}: string\`) or give them with --var ${t.name}=VALUE.`,
            suggest: s.suggest,
          }),
        );
      });
    }
  },
};
