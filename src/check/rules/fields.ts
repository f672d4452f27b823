// Field names: a bare name is a field of the record at that step; `a.b` needs `a` to be an object.
import { CHECK } from '../codes.js';
import { fieldType } from '../model.js';
import { diag, didYouMean, expressions, listHint, type Rule } from '../rule.js';
import { nonNull, show } from '../types.js';

export const fieldsRule: Rule = {
  name: 'fields',
  description: 'field names exist in the record where they are used; `.` is used on objects only',
  run(ctx) {
    for (const f of ctx.model.flows) {
      for (const [e, scope] of expressions(f)) {
        if (e.kind === 'FieldRef') {
          if (fieldType(scope, e.name) !== undefined) continue;
          const s = didYouMean(e.name, scope.fields.keys(), e.range);
          ctx.report(
            diag(CHECK.unknownField, 'error', `unknown field \`${e.name}\`${s.text}`, e.range, {
              hint: listHint('Fields here', scope.fields.keys()),
              suggest: s.suggest,
            }),
          );
        } else if (e.kind === 'Member') {
          const obj = f.types.get(e.object);
          if (!obj) continue;
          const base = nonNull(obj);
          if (base.kind === 'record') {
            if (fieldType(base, e.property.value) !== undefined) continue;
            const s = didYouMean(e.property.value, base.fields.keys(), e.property.range);
            ctx.report(
              diag(CHECK.unknownField, 'error', `\`${e.property.value}\` is not a field of this object${s.text}`, e.property.range, {
                hint: listHint('Its fields', base.fields.keys()),
                suggest: s.suggest,
              }),
            );
          } else if (base.kind !== 'any' && base.kind !== 'union' && base.kind !== 'null') {
            ctx.report(diag(CHECK.notAnObject, 'error', `\`.${e.property.value}\` needs an object, but this is ${show(obj)}`, e.property.range));
          }
        }
      }
    }
  },
};
