// What reaches a destination: every required field (and one of each "one of" group), each field of
// a type the destination accepts, no field it does not know, and the path parameters it needs.
import type * as A from '../../language/ast.js';
import type { Range } from '../../diagnostics.js';
import { CHECK } from '../codes.js';
import type { FlowModel } from '../model.js';
import { diag, didYouMean, listHint, type Rule, type RuleContext } from '../rule.js';
import { assignable, isNullable, nonNull, NULL, show, type RecordType, type Type } from '../types.js';
import { dateExample, isDateFormat, isDateText } from '../dates.js';
import { BINARY_PRECEDENCE, PRECEDENCE } from '../../language/ast.js';
import { printExpr } from '../../language/printer.js';
import { constantValue } from '../constant.js';
import { closest } from '../../util/suggest.js';

export const destRule: Rule = {
  name: 'dest',
  description: 'records reaching a destination have the fields it requires, of the types it accepts',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const dest = f.flow.pipeline?.dest;
      const input = f.dest?.action?.input;
      if (!dest || !input) continue;
      checkRecord(ctx, f, dest, f.output, input);
    }
  },
};

/** The map that built the record, to point at its fields; else the destination. */
function lastMap(f: FlowModel): A.MapStep | undefined {
  const steps = f.flow.pipeline?.steps ?? [];
  for (let i = steps.length - 1; i >= 0; i--) if (steps[i].kind === 'Map') return steps[i] as A.MapStep;
  return undefined;
}

function checkRecord(ctx: RuleContext, f: FlowModel, dest: A.Dest, out: RecordType, input: RecordType): void {
  const action = f.dest!.action!;
  const map = lastMap(f);
  const entryOf = (name: string) => map?.entries.find((e): e is A.FieldEntry => e.kind === 'FieldEntry' && e.key.value === name);
  const where: Range = map?.range ?? dest.action.range;
  const has = (name: string) => out.fields.has(name) || out.open;

  for (const [name, field] of input.fields) {
    if (field.required && !has(name)) {
      ctx.report(
        diag(CHECK.destMissingField, 'error', `\`${action.qualified}\` requires the field \`${name}\` (${show(field.type)}), which the records here do not have`, where, {
          hint: `Add \`${name}: ...\` to the map before \`dest\`.`,
          related: [{ message: `destination \`${action.qualified}\``, range: dest.action.range }],
        }),
      );
    }
  }
  // `anyOf` of required lists: at least one alternative must be complete.
  const alternatives = input.requiredOneOf ?? [];
  if (alternatives.length > 0 && !alternatives.some((alt) => alt.every(has))) {
    const list = alternatives.map((alt) => alt.map((n) => `\`${n}\``).join(' and ')).join(' or ');
    ctx.report(
      diag(CHECK.destMissingOneOf, 'error', `\`${action.qualified}\` requires ${list}; the records here have none of them`, where, {
        hint: `Add one of them to the map, e.g. \`${alternatives[0][0]}: ...\`.`,
        related: [{ message: `destination \`${action.qualified}\``, range: dest.action.range }],
      }),
    );
  }
  for (const [name, field] of out.fields) {
    const target = input.fields.get(name) ?? input.patterns?.find((p) => p.regex.test(name));
    const at = entryOf(name);
    const range = at?.key.range ?? where;
    if (!target) {
      if (input.open) continue;
      const alias = input.aliases?.get(name);
      if (alias) {
        ctx.report(diag(CHECK.destUnknownField, 'error', `\`${name}\` is a custom field written by name here: use \`${alias}\``, range, { hint: 'The connection has a schema from `sluice discover` (src/check/custom-fields/README.md).' }));
        continue;
      }
      const s = didYouMean(name, input.fields.keys(), range);
      ctx.report(
        diag(CHECK.destUnknownField, 'error', `\`${action.qualified}\` does not accept the field \`${name}\`${s.text}`, range, {
          hint: listHint(`${action.qualified} accepts`, input.fields.keys()),
          ...(at ? { suggest: s.suggest } : {}),
        }),
      );
      continue;
    }
    const r = assignable(field.type, target.type);
    const valueRange = at?.value.range ?? range;
    if (at) checkLiteral(ctx, action.qualified, name, at.value, target.type);
    if (r === 'mismatch') {
      const ids = idSuggestions(at?.value, field.type, target.type);
      ctx.report(
        diag(CHECK.destFieldType, 'error', `\`${name}\` must be ${show(target.type)} for \`${action.qualified}\`, found ${ids ? 'an object' : show(field.type)}`, valueRange, {
          ...(ids ? { hint: `It is an object here (${show(field.type)}); write ${ids.map((x) => `\`${x}\``).join(' or ')}.`, suggest: ids.map((x) => ({ title: `Change to \`${x}\``, range: valueRange, replacement: x })) } : {}),
        }),
      );
    } else if (r === 'nullable' && assignable(nonNull(field.type), target.type) === 'nullable') {
      // The value itself is there; something inside it may be null, and is sent as null.
      const inner = nestedNull(f, at?.value, nonNull(field.type), target.type, name);
      if (inner) reportNestedNull(ctx, action.qualified, inner, valueRange);
    } else if (r === 'nullable') {
      const required = 'required' in target ? target.required : false;
      // A null for an optional field is left out of the request; only a required one is at risk.
      if (required || (alternatives.length > 0 && alternatives.every((alt) => alt.includes(name)) && isNullable(field.type))) {
        ctx.report(
          diag(CHECK.destNullable, 'warning', `\`${name}\` may be null, but \`${action.qualified}\` needs a value: such records will be rejected`, valueRange, {
            hint: 'Filter them out first (`-> filter x != null`) or give a default with `??`.',
          }),
        );
      }
    }
  }
}

interface NestedNull {
  path: string;
  /** The expression that may be null, when the value is written out in the map. */
  expr?: A.Expr;
  target: Type;
}

/** The first place inside a value (an object's field, a list's item) that may be null where the destination takes none. */
function nestedNull(f: FlowModel, expr: A.Expr | undefined, type: Type, target: Type, path: string): NestedNull | undefined {
  if (isNullable(type) && assignable(NULL, target) !== 'ok') return { path, ...(expr ? { expr } : {}), target };
  const base = nonNull(type);
  const want = nonNull(target);
  const typeOf = (e: A.Expr | undefined, fallback: Type) => (e ? (f.types.get(e) ?? fallback) : fallback);
  if (base.kind === 'record' && want.kind === 'record') {
    for (const [k, field] of base.fields) {
      const t = want.fields.get(k)?.type ?? want.patterns?.find((p) => p.regex.test(k))?.type;
      if (!t) continue;
      const sub = expr?.kind === 'Object' ? expr.entries.find((en) => en.key.value === k)?.value : undefined;
      const found = nestedNull(f, sub, typeOf(sub, field.type), t, `${path}.${k}`);
      if (found) return found;
    }
  }
  if (base.kind === 'list' && want.kind === 'list') {
    for (const item of expr?.kind === 'List' ? expr.items : []) {
      const found = nestedNull(f, item, typeOf(item, base.element), want.element, `${path}[]`);
      if (found) return found;
    }
    return nestedNull(f, undefined, base.element, want.element, `${path}[]`);
  }
  return undefined;
}

/** A default that fits a type, for the `??` fix. */
function defaultFor(t: Type): string | undefined {
  const b = nonNull(t);
  if (b.kind === 'number') return '0';
  if (b.kind === 'string' && !b.enum && !b.format) return '""';
  if (b.kind === 'boolean') return 'false';
  if (b.kind === 'list') return '[]';
  return undefined;
}

function reportNestedNull(ctx: RuleContext, dest: string, n: NestedNull, fallback: Range): void {
  const dflt = defaultFor(n.target);
  const fix = n.expr && dflt !== undefined ? [{ title: `Default to ${dflt} with \`??\``, range: n.expr.range, replacement: `${printExpr(n.expr, BINARY_PRECEDENCE['??'])} ?? ${dflt}` }] : undefined;
  ctx.report(
    diag(CHECK.destNullable, 'warning', `\`${n.path}\` may be null, but \`${dest}\` needs ${article(show(n.target))} there: such records will be rejected`, n.expr?.range ?? fallback, {
      hint: `Give a default with \`??\`${dflt !== undefined ? ` (e.g. \`?? ${dflt}\`)` : ''}, or filter those records out first (\`-> filter ... != null\`).`,
      ...(fix ? { suggest: fix } : {}),
    }),
  );
}

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : /^[a-z]/.test(t) ? `a ${t}` : t);

/** `x.value` / `x.id` when an object stands where its id is expected (v1 gives `owner_id` as `{ id, name, value, ... }`). */
function idSuggestions(expr: A.Expr | undefined, type: Type, target: Type): string[] | undefined {
  const base = nonNull(type);
  const want = nonNull(target);
  if (!expr || base.kind !== 'record' || (want.kind !== 'number' && want.kind !== 'string')) return undefined;
  const text = printExpr(expr, PRECEDENCE.postfix);
  const out = ['value', 'id'].filter((k) => {
    const t = base.fields.get(k)?.type;
    return t !== undefined && assignable(t, want) !== 'mismatch';
  });
  return out.length ? out.map((k) => `${text}.${k}`) : undefined;
}

/**
 * What assignability cannot see in a value written out in the map: a string that is not one of the
 * field's options, and keys of an object literal that a closed object does not have (`custom: {
 * "Lead sorce": ... }`), with "did you mean".
 */
function checkLiteral(ctx: RuleContext, dest: string, path: string, value: A.Expr, target: Type, item = false): void {
  const what = `${item ? 'an item of ' : ''}\`${path}\``;
  const base = nonNull(target);
  const v = constantValue(value);
  if (base.kind === 'string' && base.enum && typeof v === 'string' && !base.enum.includes(v)) {
    const guess = closest(v, base.enum);
    ctx.report(
      diag(CHECK.destFieldType, 'error', `${what} must be one of ${base.enum.map((x) => JSON.stringify(x)).join(', ')} for \`${dest}\`, found ${JSON.stringify(v)}${guess ? `; did you mean ${JSON.stringify(guess)}?` : ''}`, value.range, {
        ...(guess ? { suggest: [{ title: `Change to ${JSON.stringify(guess)}`, range: value.range, replacement: JSON.stringify(guess) }] } : {}),
      }),
    );
    return;
  }
  if (base.kind === 'string' && isDateFormat(base.format) && typeof v === 'string' && !isDateText(base.format, v)) {
    ctx.report(diag(CHECK.destFieldType, 'error', `${what} must be a ${base.format === 'date' ? 'date' : 'date and time'} such as ${dateExample(base.format)} for \`${dest}\`, found ${JSON.stringify(v)}`, value.range));
    return;
  }
  if (base.kind === 'list' && value.kind === 'List') {
    for (const it of value.items) checkLiteral(ctx, dest, path, it, base.element, true);
    return;
  }
  if (base.kind !== 'record' || base.open || value.kind !== 'Object') return;
  for (const en of value.entries) {
    const key = en.key.value;
    const field = base.fields.get(key);
    if (field) {
      checkLiteral(ctx, dest, `${path}[${JSON.stringify(key)}]`, en.value, field.type);
      continue;
    }
    if (base.patterns?.some((p) => p.regex.test(key))) continue;
    const guess = closest(key, base.fields.keys());
    const shown = en.key.kind === 'String' ? JSON.stringify(guess) : guess;
    ctx.report(
      diag(CHECK.destUnknownField, 'error', `${what} has no field ${JSON.stringify(key)}${guess ? `; did you mean ${JSON.stringify(guess)}?` : ''}`, en.key.range, {
        hint: listHint(`Fields of ${what}`, base.fields.keys()),
        ...(guess && shown ? { suggest: [{ title: `Change to ${JSON.stringify(guess)}`, range: en.key.range, replacement: shown }] } : {}),
      }),
    );
  }
}
