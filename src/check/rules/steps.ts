// Step shapes the grammar allows but the language does not: `take` with anything but a whole
// number, `...` anywhere but first in a map, the same key twice, unknown type names in `as`.
import type * as A from '../../language/ast.js';
import { walk } from '../../language/printer.js';
import { CHECK } from '../codes.js';
import { constantValue } from '../constant.js';
import { TYPE_NAMES } from '../model.js';
import { diag, didYouMean, type Rule } from '../rule.js';

export const stepsRule: Rule = {
  name: 'steps',
  description: '`take` counts, map entries and declared types are well formed',
  run(ctx) {
    for (const f of ctx.program.flows) {
      for (const step of f.pipeline?.steps ?? []) {
        if (step.kind === 'Take') {
          const v = constantValue(step.count);
          // A number too large to hold has its own diagnostic (rules/literals.ts).
          if ((typeof v !== 'number' || !Number.isInteger(v) || v < 0) && v !== Infinity) {
            ctx.report(diag(CHECK.takeCount, 'error', '`take` needs a whole number of records, 0 or more, written out (e.g. `take 100`)', step.count.range));
          }
        }
        if (step.kind === 'Map') {
          const seen = new Set<string>();
          step.entries.forEach((e, i) => {
            if (e.kind === 'Spread') {
              if (i > 0) ctx.report(diag(CHECK.spreadNotFirst, 'error', '`...` copies every field and must come first in the map, so that the fields after it can change them', e.range));
              return;
            }
            if (seen.has(e.key.value)) ctx.report(diag(CHECK.duplicateKey, 'error', `the field \`${e.key.value}\` is set twice in this map`, e.key.range));
            seen.add(e.key.value);
          });
        }
      }
      const rt = f.pipeline?.source?.recordType;
      if (rt) {
        walk(rt, (n) => {
          if (n.kind !== 'NamedType') return;
          const name = (n as A.NamedTypeExpr).name;
          if (TYPE_NAMES.includes(name.value)) return;
          const s = didYouMean(name.value, TYPE_NAMES, name.range);
          ctx.report(diag(CHECK.unknownType, 'error', `unknown type \`${name.value}\`${s.text}`, name.range, { hint: `Types: ${TYPE_NAMES.join(', ')}, [T] for lists, { ... } for objects, T? for "may be null".`, suggest: s.suggest }));
        });
      }
    }
  },
};
