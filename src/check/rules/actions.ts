// Unknown apps and actions, and actions used in a role they do not have (a write as a source).
import { CHECK } from '../codes.js';
import type { ResolvedRef } from '../plan-types.js';
import { diag, didYouMean, listHint, type Rule, type RuleContext } from '../rule.js';

export const actionsRule: Rule = {
  name: 'actions',
  description: 'app and action names exist, in the role they are used in, for the API version in use',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const refs: ResolvedRef[] = [f.source, f.dest, f.onReject, ...f.lookups.values()].filter((r): r is ResolvedRef => r !== undefined);
      for (const r of refs) check(ctx, r);
    }
  },
};

function check(ctx: RuleContext, r: ResolvedRef): void {
  const { env } = ctx;
  const [appPart, ...rest] = r.ref.parts;
  if (!r.app) {
    const s = didYouMean(appPart.value, env.apps(), appPart.range);
    ctx.report(diag(CHECK.unknownApp, 'error', `unknown app \`${appPart.value}\`${s.text}`, appPart.range, { hint: listHint('Apps', env.apps()), suggest: s.suggest }));
    return;
  }
  if (r.action) return;
  const actions = env.actions(r.app);
  const name = r.actionName ?? '';
  const range = rest.length ? { start: rest[0].range.start, end: rest[rest.length - 1].range.end } : r.ref.range;
  const known = actions.find((a) => a.name === name);
  const verb = r.role === 'read' ? 'a source or lookup' : 'a destination';
  if (known && !known.roles.includes(r.role)) {
    const can = known.roles.includes('read') ? 'read (use it as `source` or `lookup`)' : 'write (use it as `dest`)';
    ctx.report(diag(CHECK.wrongRole, 'error', `\`${r.ref.name}\` cannot be ${verb}: it can only ${can}`, r.ref.range));
    return;
  }
  if (known) {
    ctx.report(
      diag(CHECK.versionMissing, 'error', `\`${r.ref.name}\` is not available in the API version of connection \`${r.connection?.name ?? r.app}\``, r.ref.range, {
        hint: `It exists in ${known.versions.join(', ')}.`,
      }),
    );
    return;
  }
  const inRole = actions.filter((a) => a.roles.includes(r.role)).map((a) => a.name).filter((n) => n !== '');
  if (name === '') {
    ctx.report(diag(CHECK.unknownAction, 'error', `\`${r.app}\` needs an action: write \`${r.app}.ACTION\``, r.ref.range, { hint: listHint(`Actions of ${r.app} for ${verb}`, inRole) }));
    return;
  }
  const s = didYouMean(name, inRole, range);
  ctx.report(
    diag(CHECK.unknownAction, 'error', `unknown action \`${name}\` of app \`${r.app}\`${s.text}`, range, {
      hint: listHint(`Actions of ${r.app} for ${verb}`, inRole),
      suggest: s.suggest,
    }),
  );
}
