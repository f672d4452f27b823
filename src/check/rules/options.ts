// `with` options: known to the app or action, of the right type, required ones given.
import type * as A from '../../language/ast.js';
import { CHECK } from '../codes.js';
import type { ResolvedRef } from '../plan-types.js';
import { diag, didYouMean, listHint, type Rule } from '../rule.js';
import { valueProblem } from '../value-check.js';

export const optionsRule: Rule = {
  name: 'options',
  description: '`with` options exist for the action, have values of the right type, and required ones are given',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const p = f.flow.pipeline;
      const pairs: [ResolvedRef | undefined, A.Option[], A.ActionRef | undefined][] = [
        [f.source, p?.source?.options ?? [], p?.source?.action],
        [f.dest, p?.dest?.options ?? [], p?.dest?.action],
        ...[...f.lookups].map(([step, r]): [ResolvedRef, A.Option[], A.ActionRef] => [r, step.options, step.action]),
      ];
      for (const s of f.flow.settings) if (s.kind === 'OnReject') pairs.push([f.onReject, s.options, s.action]);
      for (const [r, options, ref] of pairs) {
        const action = r?.action;
        if (!action || !ref) continue;
        const seen = new Set<string>();
        /** Names that unknown options look like misspellings of: not reported again as missing. */
        const guessed = new Set<string>();
        for (const o of options) {
          const name = o.key.value;
          if (seen.has(name)) {
            ctx.report(diag(CHECK.duplicateKey, 'error', `option \`${name}\` is given twice`, o.key.range));
            continue;
          }
          seen.add(name);
          const spec = action.options.get(name);
          if (!spec) {
            const s = didYouMean(name, action.options.keys(), o.key.range);
            if (s.suggest) guessed.add(s.suggest[0].replacement);
            ctx.report(
              diag(CHECK.unknownOption, 'error', `\`${action.qualified}\` has no option \`${name}\`${s.text}`, o.key.range, {
                hint: listHint('Options', action.options.keys()) ?? `\`${action.qualified}\` takes no options.`,
                suggest: s.suggest,
              }),
            );
            continue;
          }
          const t = f.types.get(o.value);
          const problem = t && valueProblem(`option \`${name}\``, spec.type, o.value, t);
          if (problem) ctx.report(diag(CHECK.optionType, 'error', problem, o.value.range, spec.help ? { hint: spec.help } : {}));
        }
        for (const spec of action.options.values()) {
          if (spec.required && !seen.has(spec.name) && !guessed.has(spec.name)) {
            ctx.report(
              diag(CHECK.optionMissing, 'error', `\`${action.qualified}\` needs the option \`${spec.name}\`: add \`with ${spec.name} = ...\``, ref.range, spec.help ? { hint: spec.help } : {}),
            );
          }
        }
      }
    }
  },
};
