// `dest APP.ACTION upsert by FIELD`: the destination can upsert (its definition has an `upsert`
// block for the version in use), FIELD is one it can search by exactly (a listed field, or a custom
// text field of a discovered schema), and the records reaching it carry that field.
import type * as A from '../../language/ast.js';
import type { UpsertDef } from '../../apps/types.js';
import type { CustomBinding, NamedField } from '../custom-fields/names.js';
import { CHECK } from '../codes.js';
import type { FlowModel } from '../model.js';
import { diag, didYouMean, type Rule, type RuleContext } from '../rule.js';

/** Custom field types Pipedrive's search looks into (text values). */
const SEARCHABLE_CUSTOM = new Set(['varchar', 'varchar_auto', 'text', 'phone']);

export const upsertRule: Rule = {
  name: 'upsert',
  description: '`upsert by FIELD` names a destination that can upsert and a field it can search by, which the records carry',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const dest = f.flow.pipeline?.dest;
      const action = f.dest?.action;
      if (!dest?.upsert || !action) continue;
      check(ctx, f, dest, dest.upsert);
    }
  },
};

/** The custom text fields an upsert may search by, under the names a flow writes at the top of a record. */
export function searchableCustom(binding: CustomBinding | undefined): NamedField[] {
  if (!binding) return [];
  return Object.values(binding.entities)
    .flat()
    .filter((c): c is NamedField => !!c && !!c.topLevel && SEARCHABLE_CUSTOM.has(c.fieldType));
}

/** The record field holding FIELD's value, or undefined when FIELD is not searchable. */
export function upsertSource(u: UpsertDef, binding: CustomBinding | undefined, field: string): { from: string; search: string } | undefined {
  const listed = u.fields[field];
  if (listed) return listed;
  if (u.customFields && searchableCustom(binding).some((c) => c.topLevel === field)) return { from: field, search: u.customFields };
  return undefined;
}

function check(ctx: RuleContext, f: FlowModel, dest: A.Dest, field: A.Name): void {
  const action = f.dest!.action!;
  const u = action.upsert;
  if (!u) {
    const versions = action.upsertVersions ?? [];
    ctx.report(
      diag(
        CHECK.upsertUnsupported,
        'error',
        versions.length > 0
          ? `\`${action.qualified}\` can upsert only with API ${versions.join(', ')}; this connection uses ${action.version ?? 'another version'}`
          : `\`${action.qualified}\` cannot upsert: it has no search to find the record to update`,
        field.range,
        {
          hint:
            versions.length > 0
              ? 'Use a connection with `api_version` auto or v2.'
              : 'Upsert works with the creates that say so in `sluice describe`, e.g. `pipedrive.persons.create upsert by email`.',
        },
      ),
    );
    return;
  }
  const names = [...Object.keys(u.fields), ...(u.customFields ? searchableCustom(action.custom).map((c) => c.topLevel!) : [])];
  const source = upsertSource(u, action.custom, field.value);
  if (!source) {
    const s = didYouMean(field.value, names, field.range);
    const custom = u.customFields ? ` or a custom text field (by its name from \`sluice discover\`${action.custom ? '' : '; no schema is stored for this connection'})` : '';
    ctx.report(
      diag(
        CHECK.upsertField,
        'error',
        `\`${action.qualified}\` cannot upsert by \`${field.value}\`${s.text}`,
        field.range,
        {
          hint: `It can search by ${Object.keys(u.fields).length > 0 ? Object.keys(u.fields).map((n) => `\`${n}\``).join(', ') : 'nothing built in'}${custom}.`,
          ...(s.suggest ? { suggest: s.suggest } : {}),
        },
      ),
    );
    return;
  }
  const out = f.output;
  if (!out.open && !out.fields.has(source.from)) {
    ctx.report(
      diag(
        CHECK.upsertFieldMissing,
        'error',
        `upsert by \`${field.value}\` reads the field \`${source.from}\`, which the records reaching \`${action.qualified}\` do not have`,
        field.range,
        { hint: `Add \`${source.from}: ...\` to the map before \`dest\`: a record without it cannot be matched.` },
      ),
    );
  }
}
