// Endpoints the API no longer supports: a warning, not an error, since Pipedrive says they "may
// remain functional" for a while; the flow should move before they stop.
import { CHECK } from '../codes.js';
import type { ResolvedRef } from '../plan-types.js';
import { diag, type Rule } from '../rule.js';

export const supportRule: Rule = {
  name: 'support',
  description: 'actions whose endpoint, in the API version of their connection, is out of support',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const refs: ResolvedRef[] = [f.source, f.dest, f.onReject, ...f.lookups.values()].filter((r): r is ResolvedRef => r !== undefined);
      for (const r of refs) {
        const a = r.action;
        if (!a?.unsupportedSince) continue;
        const endpoint = `${a.method ?? 'GET'} /${a.version ?? ''}${a.path ?? ''}`.replace('//', '/');
        ctx.report(
          diag(CHECK.unsupportedEndpoint, 'warning', `\`${a.qualified}\` uses ${endpoint}, which ${a.app} no longer supports since ${a.unsupportedSince}`, r.ref.range, {
            hint: `Connection \`${r.connection?.name ?? a.app}\` forces API ${a.version}; with api_version auto (the default) this action uses ${a.newerVersions?.join(', ') ?? 'a newer version'}.`,
          }),
        );
      }
    }
  },
};
