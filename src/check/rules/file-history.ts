// An incremental flow that replaces a file each run keeps only the last run's changes: everything
// earlier runs exported is gone. Appending is the default there; asking for replace is warned about.
import type * as A from '../../language/ast.js';
import { CHECK } from '../codes.js';
import { diag, type Rule } from '../rule.js';

/** File destinations: they replace or append, and may name a file per run with `{run_started}`. */
const FILE_DESTS = new Set(['file.jsonl', 'file.csv']);

export const fileHistoryRule: Rule = {
  name: 'file-history',
  description: 'an incremental flow does not replace its output file with only the latest changes',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const p = f.flow.pipeline;
      if (!p?.source?.since || !p.dest || !FILE_DESTS.has(f.dest?.action?.qualified ?? '')) continue;
      const append = p.dest.options.find((o) => o.key.value === 'append');
      if (!append || append.value.kind !== 'Boolean' || append.value.value) continue;
      const path = p.dest.options.find((o) => o.key.value === 'path');
      if (path?.value.kind === 'String' && path.value.value.includes('{run_started}')) continue;
      ctx.report(
        diag(
          CHECK.fileReplacedByChanges,
          'warning',
          'each run replaces this file with only what changed since the last run: what earlier runs exported is lost (a run with nothing new leaves it empty)',
          (append as A.Option).range,
          {
            hint: 'Remove `append = false` (an incremental flow appends by default), or give each run its own file with `{run_started}` in the path.',
          },
        ),
      );
    }
  },
};
