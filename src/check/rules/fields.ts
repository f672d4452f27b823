// Field names: a bare name is a field of the record at that step; `a.b` needs `a` to be an object.
import { CHECK } from '../codes.js';
import type { CheckEnv } from '../env.js';
import { fieldType, type FlowModel } from '../model.js';
import { diag, didYouMean, expressions, listHint, type Rule } from '../rule.js';
import { nonNull, show } from '../types.js';
import type { Range } from '../../diagnostics.js';
import { closest } from '../../util/suggest.js';

/** A custom field's hash key where records carry its name (src/check/custom-fields/README.md). */
function aliasDiag(key: string, writeAs: string, range: Range, replace: boolean) {
  return diag(CHECK.unknownField, 'error', `\`${key}\` is a custom field that records carry by name: write \`${writeAs}\``, range, {
    hint: 'The connection has a schema from `sluice discover`: custom fields are read and written by their names.',
    ...(replace ? { suggest: [{ title: `Change to \`${writeAs}\``, range, replacement: writeAs }] } : {}),
  });
}

/**
 * For a source whose records can carry custom fields but whose connection has none discovered: an
 * unknown name may be one of them, which `sluice discover` would make known.
 */
function discoverHint(env: CheckEnv, f: FlowModel, name: string): string | undefined {
  const src = f.source;
  if (!src?.action || src.action.custom || !src.connection || !env.customFieldEntity(src.action.app, src.action.action)) return undefined;
  const conn = src.connection.name;
  const what = name === 'custom' ? '`custom[...]` reads custom fields' : `If \`${name}\` is a custom field`;
  return `${what}: run \`sluice discover ${conn}\` first (connection \`${conn}\` has no discovered custom fields).`;
}

const withHint = (first: string | undefined, second: string | undefined) => (first && second ? `${first} ${second}` : (first ?? second));

export const fieldsRule: Rule = {
  name: 'fields',
  description: 'field names exist in the record where they are used; `.` is used on objects only',
  run(ctx) {
    for (const f of ctx.model.flows) {
      for (const [e, scope] of expressions(f)) {
        if (e.kind === 'FieldRef') {
          if (fieldType(scope, e.name) !== undefined) continue;
          const alias = scope.aliases?.get(e.name);
          if (alias) {
            ctx.report(aliasDiag(e.name, alias, e.range, true));
            continue;
          }
          const s = didYouMean(e.name, scope.fields.keys(), e.range);
          ctx.report(
            diag(CHECK.unknownField, 'error', `unknown field \`${e.name}\`${s.text}`, e.range, {
              hint: withHint(listHint('Fields here', scope.fields.keys()), s.text ? undefined : discoverHint(ctx.env, f, e.name)),
              suggest: s.suggest,
            }),
          );
        } else if (e.kind === 'Member') {
          const obj = f.types.get(e.object);
          if (!obj) continue;
          const base = nonNull(obj);
          if (base.kind === 'record') {
            if (fieldType(base, e.property.value) !== undefined) continue;
            const alias = base.aliases?.get(e.property.value);
            if (alias) {
              ctx.report(aliasDiag(e.property.value, alias, e.property.range, false));
              continue;
            }
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
        } else if (e.kind === 'Index' && e.index.kind === 'String') {
          // `custom["Lead source"]`: a name that is not an identifier, checked like `.name`.
          const obj = f.types.get(e.object);
          const base = obj && nonNull(obj);
          if (!base || base.kind !== 'record' || fieldType(base, e.index.value) !== undefined) continue;
          const name = e.index.value;
          const alias = base.aliases?.get(name);
          if (alias) {
            ctx.report(aliasDiag(name, alias, e.index.range, false));
            continue;
          }
          const guess = closest(name, base.fields.keys());
          ctx.report(
            diag(CHECK.unknownField, 'error', `${JSON.stringify(name)} is not a field of this object${guess ? `; did you mean ${JSON.stringify(guess)}?` : ''}`, e.index.range, {
              hint: listHint('Its fields', base.fields.keys()),
              ...(guess ? { suggest: [{ title: `Change to ${JSON.stringify(guess)}`, range: e.index.range, replacement: JSON.stringify(guess) }] } : {}),
            }),
          );
        }
      }
    }
  },
};
