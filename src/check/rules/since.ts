// `since` only on actions that can do it, with a time as its value.
import { CHECK } from '../codes.js';
import { diag, type Rule } from '../rule.js';
import { assignable, show, STRING } from '../types.js';

export const sinceRule: Rule = {
  name: 'since',
  description: '`since` is used only on actions that implement it, with a time value',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const src = f.flow.pipeline?.source;
      if (!src?.since || !f.source?.action) continue;
      const action = f.source.action;
      if (!action.since) {
        ctx.report(
          diag(CHECK.sinceUnsupported, 'error', `\`${action.qualified}\` cannot read "changed since": it has no time to compare`, src.since.range, {
            hint: 'Remove `since`, or filter on a time field with `where`.',
          }),
        );
        continue;
      }
      const t = f.types.get(src.since);
      if (t && assignable(t, STRING) === 'mismatch') {
        ctx.report(diag(CHECK.sinceType, 'error', `\`since\` needs a time such as ~{CreatedDate}~ or "2026-01-01T00:00:00Z", found ${show(t)}`, src.since.range));
      }
    }
  },
};
