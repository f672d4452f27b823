// Flow names are unique in a file, and so are the state ids they stand for (`id "..."`, else the name).
import type { Range } from '../../diagnostics.js';
import type * as A from '../../language/ast.js';
import { flowStateId } from '../../language/ast.js';
import { CHECK } from '../codes.js';
import { diag, type Rule } from '../rule.js';

export const flowsRule: Rule = {
  name: 'flows',
  description: 'flow names and flow ids are unique within a file',
  run(ctx) {
    const seen = new Map<string, A.Name>();
    const ids = new Map<string, Range>();
    for (const f of ctx.program.flows) {
      if (!f.name) continue;
      const first = seen.get(f.name.value);
      if (first) {
        ctx.report(diag(CHECK.duplicateFlow, 'error', `there is already a flow named \`${f.name.value}\` in this file`, f.name.range, { related: [{ message: 'first defined here', range: first.range }] }));
        continue;
      }
      seen.set(f.name.value, f.name);
      const explicit = f.settings.find((s): s is A.FlowId => s.kind === 'FlowId');
      const id = flowStateId(f, f.name.value);
      const other = ids.get(id);
      if (other) {
        ctx.report(
          diag(CHECK.duplicateFlowId, 'error', `two flows of this file would share the state of \`${id}\` (a flow's state id is its \`id\`, else its name)`, explicit?.range ?? f.name.range, {
            related: [{ message: 'the other flow', range: other }],
          }),
        );
      } else ids.set(id, explicit?.range ?? f.name.range);
    }
  },
};
