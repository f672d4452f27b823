// Flow names are unique in a file.
import { CHECK } from '../codes.js';
import { diag, type Rule } from '../rule.js';

export const flowsRule: Rule = {
  name: 'flows',
  description: 'flow names are unique within a file',
  run(ctx) {
    const seen = new Map<string, import('../../language/ast.js').Name>();
    for (const f of ctx.program.flows) {
      if (!f.name) continue;
      const first = seen.get(f.name.value);
      if (first) {
        ctx.report(diag(CHECK.duplicateFlow, 'error', `there is already a flow named \`${f.name.value}\` in this file`, f.name.range, { related: [{ message: 'first defined here', range: first.range }] }));
      } else seen.set(f.name.value, f.name);
    }
  },
};
