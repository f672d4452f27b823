// Calls: known functions, the right number of arguments, of the right types.
import { CHECK } from '../codes.js';
import { diag, didYouMean, expressions, listHint, type Rule } from '../rule.js';
import { assignable, show } from '../types.js';
import { closest, closestByStem } from '../../util/suggest.js';

export const functionsRule: Rule = {
  name: 'functions',
  description: 'functions exist and get the arguments their signatures ask for',
  run(ctx) {
    const fns = ctx.env.functions;
    for (const f of ctx.model.flows) {
      for (const [e] of expressions(f)) {
        if (e.kind !== 'Call') continue;
        const fn = fns.get(e.callee.value);
        if (!fn) {
          // `lowercase` for `lower`: a whole word more is no typo by edit distance, but a likely guess.
          const s = didYouMean(e.callee.value, fns.keys(), e.callee.range, (n, c) => closest(n, c) ?? closestByStem(n, c));
          ctx.report(diag(CHECK.unknownFunction, 'error', `unknown function \`${e.callee.value}\`${s.text}`, e.callee.range, { hint: listHint('Functions', fns.keys(), 20), suggest: s.suggest }));
          continue;
        }
        const max = fn.variadic ? Infinity : fn.params.length;
        if (e.args.length < fn.minArgs || e.args.length > max) {
          const want = fn.variadic ? `at least ${fn.minArgs}` : fn.minArgs === fn.params.length ? `${fn.params.length}` : `${fn.minArgs} to ${fn.params.length}`;
          ctx.report(diag(CHECK.argument, 'error', `\`${fn.name}\` takes ${want} argument${want === '1' ? '' : 's'}, found ${e.args.length}`, e.range, { hint: fn.signature }));
          continue;
        }
        e.args.forEach((a, i) => {
          const p = fn.params[Math.min(i, fn.params.length - 1)];
          const t = f.types.get(a);
          if (!p || !t) return;
          if (assignable(t, p.type) === 'mismatch') {
            ctx.report(diag(CHECK.argument, 'error', `argument \`${p.name}\` of \`${fn.name}\` must be ${show(p.type)}, found ${show(t)}`, a.range, { hint: fn.signature }));
          }
        });
      }
    }
  },
};
