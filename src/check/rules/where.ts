// `where` conditions: each key is an API parameter or a record field; parameters get values of
// their type and range with `=`, fields get comparable values; required parameters are given.
import type * as A from '../../language/ast.js';
import type { ActionInfo } from '../env.js';
import { CHECK } from '../codes.js';
import type { FlowModel } from '../model.js';
import { placeCondition } from '../plan.js';
import { diag, didYouMean, listHint, type Rule, type RuleContext } from '../rule.js';
import { assignable, isKind, nonNull, show, type RecordType, type Type } from '../types.js';
import { valueProblem } from '../value-check.js';

export const whereRule: Rule = {
  name: 'where',
  description: '`where` keys are API parameters or record fields, with values and operators they can take',
  run(ctx) {
    for (const f of ctx.model.flows) {
      const src = f.flow.pipeline?.source;
      if (src && f.source?.action) {
        const record = f.source.action.record ?? { kind: 'record', fields: new Map(), open: true };
        checkConditions(ctx, f, f.source.action, record, src.where, src.since !== null);
      }
      for (const [step, r] of f.lookups) {
        if (!r.action) continue;
        checkConditions(ctx, f, r.action, r.action.record ?? { kind: 'record', fields: new Map(), open: true }, step.where, false, step.action);
      }
    }
  },
};

function checkConditions(ctx: RuleContext, f: FlowModel, action: ActionInfo, record: RecordType, where: A.Condition[], hasSince: boolean, lookupRef?: A.ActionRef): void {
  const given = new Set<string>();
  for (const c of where) {
    const key = c.key.map((k) => k.value).join('.');
    const keyRange = { start: c.key[0].range.start, end: c.key[c.key.length - 1].range.end };
    const p = placeCondition(action, record, c);
    const valueType = f.types.get(c.value);
    if (p.kind === 'unknown') {
      const candidates = [...action.params.keys(), ...action.pathParams.keys(), ...(lookupRef ? [] : record.fields.keys())];
      const s = didYouMean(c.key[0].value, candidates, c.key[0].range);
      const elsewhere = s.text ? undefined : otherActionHint(ctx, action, key);
      ctx.report(
        diag(CHECK.unknownFilterKey, 'error', `\`${key}\` is neither a parameter of \`${action.qualified}\` nor a field of its records${s.text}`, keyRange, {
          hint: elsewhere ?? listHint('Parameters', [...action.params.keys(), ...action.pathParams.keys()]),
          suggest: s.suggest,
        }),
      );
      continue;
    }
    if (p.kind === 'engine') {
      if (lookupRef) {
        ctx.report(
          diag(CHECK.unknownFilterKey, 'error', `\`${key}\` is not a parameter of \`${action.qualified}\`: a lookup can only ask the API`, keyRange, {
            hint: listHint('Parameters', [...action.params.keys(), ...action.pathParams.keys()]),
          }),
        );
        continue;
      }
      if (valueType) checkFieldComparison(ctx, c, key, p.fieldType, valueType);
      continue;
    }
    given.add(p.param.name);
    if (c.op !== '=') {
      ctx.report(
        diag(CHECK.paramOperator, 'error', `the API parameter \`${p.param.name}\` only takes \`=\`, not \`${c.op}\``, c.opRange, {
          suggest: [{ title: 'Use `=`', range: c.opRange, replacement: '=' }],
        }),
      );
      continue;
    }
    const problem = valueType && valueProblem(`\`${p.param.name}\``, p.param.type, c.value, valueType);
    if (problem) ctx.report(diag(CHECK.paramValue, 'error', problem, c.value.range, p.param.help ? { hint: p.param.help } : {}));
  }
  const since = action.since;
  for (const param of [...action.params.values(), ...action.pathParams.values()]) {
    if (!param.required || given.has(param.name)) continue;
    if (hasSince && since?.kind === 'param' && since.param === param.name) continue;
    const at = lookupRef ?? ctx.program.flows.find((fl) => fl === f.flow)?.pipeline?.source?.action;
    if (!at) continue;
    ctx.report(
      diag(CHECK.paramMissing, 'error', `\`${action.qualified}\` needs the parameter \`${param.name}\`: add \`where ${param.name} = ...\``, at.range, param.help ? { hint: param.help } : {}),
    );
  }
}

/**
 * When the key is a parameter of another read action of the app (`items` of `pipedrive.recents`),
 * says which; when it is what `since` sends there, points to `since` as well.
 */
function otherActionHint(ctx: RuleContext, action: ActionInfo, key: string): string | undefined {
  const owners: ActionInfo[] = [];
  for (const a of ctx.env.actions(action.app)) {
    if (!a.roles.includes('read') || a.name === action.action) continue;
    const other = ctx.env.action(action.app, a.name, 'read', action.version);
    if (other && (other.params.has(key) || other.pathParams.has(key))) owners.push(other);
  }
  if (owners.length === 0) return undefined;
  const names = owners.map((o) => `\`${o.qualified}\``).join(', ');
  const isSince = owners.some((o) => o.since?.kind === 'param' && o.since.param === key);
  const since = isSince && action.since ? `For changes since a time write \`since ~{CreatedDate}~\`: \`${action.qualified}\` supports it. ` : '';
  return `${since}\`${key}\` is a parameter of ${names}.`;
}

function checkFieldComparison(ctx: RuleContext, c: A.Condition, key: string, field: Type, value: Type): void {
  const bad = (msg: string) => ctx.report(diag(CHECK.conditionType, 'error', msg, c.value.range));
  switch (c.op) {
    case '=':
    case '!=':
      if (assignable(value, field) === 'mismatch' && assignable(field, value) === 'mismatch') bad(`\`${key}\` is ${show(field)}; it cannot equal ${show(value)}`);
      return;
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (!((isKind(field, 'number') && isKind(value, 'number')) || (isKind(field, 'string') && isKind(value, 'string')))) {
        bad(`\`${c.op}\` compares numbers with numbers or text with text; \`${key}\` is ${show(field)} and the value is ${show(value)}`);
      }
      return;
    case 'in': {
      const v = nonNull(value);
      if (v.kind !== 'list' && v.kind !== 'any') bad(`\`in\` needs a list such as \`[1, 2]\`, found ${show(value)}`);
      else if (v.kind === 'list' && assignable(v.element, field) === 'mismatch' && assignable(field, v.element) === 'mismatch') bad(`\`${key}\` is ${show(field)}; the list holds ${show(v.element)}`);
      return;
    }
    case 'contains': {
      const fb = nonNull(field);
      if (fb.kind === 'string' && !isKind(value, 'string')) bad(`\`${key}\` is text: \`contains\` looks for text in it, found ${show(value)}`);
      else if (fb.kind !== 'string' && fb.kind !== 'list' && fb.kind !== 'any') bad(`\`contains\` needs text or a list; \`${key}\` is ${show(field)}`);
      return;
    }
  }
}
