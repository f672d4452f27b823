// Connection names: a name that is not saved is a warning (CI has no saved connections, and a
// token may come from the environment); a connection of another app is an error.
import { CHECK } from '../codes.js';
import type { ResolvedRef } from '../plan-types.js';
import { diag, didYouMean, type Rule } from '../rule.js';

export const connectionsRule: Rule = {
  name: 'connections',
  description: 'named connections exist and belong to the app that uses them',
  run(ctx) {
    const saved = ctx.env.connections;
    if (!saved) return;
    for (const f of ctx.model.flows) {
      const refs = [f.source, f.dest, f.onReject, ...f.lookups.values()].filter((r): r is ResolvedRef => r?.connection?.explicit === true);
      for (const r of refs) {
        const c = r.connection!;
        const node = c.node!;
        const known = saved.get(c.name);
        if (!known) {
          const s = didYouMean(c.name, saved.keys(), node.value.range);
          ctx.report(
            diag(CHECK.unknownConnection, 'warning', `no saved connection \`${c.name}\`${s.text}`, node.value.range, {
              hint: `Add it with \`sluice connections add ${r.app} --name ${c.name} ...\`, or supply it through SLUICE_* variables when the flow runs.`,
            }),
          );
        } else if (known.app !== r.app) {
          ctx.report(diag(CHECK.connectionApp, 'error', `connection \`${c.name}\` is for \`${known.app}\`, not \`${r.app}\``, node.value.range));
        }
      }
    }
  },
};
