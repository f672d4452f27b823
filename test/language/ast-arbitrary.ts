// fast-check generators of well-formed flow ASTs (ranges are filled with a dummy and ignored),
// and a helper that strips ranges so trees can be compared.
import fc from 'fast-check';
import type * as A from '../../src/language/ast.js';
import { keywordNames } from '../../src/language/tokens.js';

const R = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/).filter((s) => !keywordNames.has(s));
const anyName = fc.oneof({ weight: 4, arbitrary: identifier }, { weight: 1, arbitrary: fc.constantFrom(...keywordNames) });
const name = (n: fc.Arbitrary<string>): fc.Arbitrary<A.Name> => n.map((value) => ({ kind: 'Name', value, range: R }));
const str: fc.Arbitrary<A.StringLiteral> = fc.string({ unit: 'grapheme', maxLength: 8 }).map((value) => ({ kind: 'String', value, range: R }));
const num: fc.Arbitrary<A.NumberLiteral> = fc
  .oneof(fc.nat(100000), fc.double({ min: 0, max: 1e300, noNaN: true, noDefaultInfinity: true }))
  .filter((n) => !Object.is(n, -0))
  .map((value) => ({ kind: 'Number', value, range: R }));
const key = fc.oneof(name(anyName), str) as fc.Arbitrary<A.Name | A.StringLiteral>;

const BIN_OPS: A.BinaryOp[] = ['??', 'or', 'and', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%'];

export const expr: fc.Arbitrary<A.Expr> = fc.letrec<{ e: A.Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    str,
    num,
    fc.boolean().map((value): A.Expr => ({ kind: 'Boolean', value, range: R })),
    fc.constant<A.Expr>({ kind: 'Null', range: R }),
    identifier.map((n): A.Expr => ({ kind: 'FieldRef', name: n, range: R })),
    identifier.map((n): A.Expr => ({ kind: 'Template', name: n, nameRange: R, range: R })),
    fc.array(tie('e'), { maxLength: 3 }).map((items): A.Expr => ({ kind: 'List', items, range: R })),
    fc.array(fc.record({ key, value: tie('e') }), { maxLength: 3 }).map((es): A.Expr => ({ kind: 'Object', entries: es.map((x) => ({ ...x, range: R })), range: R })),
    fc.record({ object: tie('e'), property: name(anyName) }).map((x): A.Expr => ({ kind: 'Member', ...x, range: R })),
    fc.record({ object: tie('e'), index: tie('e') }).map((x): A.Expr => ({ kind: 'Index', ...x, range: R })),
    fc.record({ callee: name(identifier), args: fc.array(tie('e'), { maxLength: 3 }) }).map((x): A.Expr => ({ kind: 'Call', ...x, range: R })),
    fc.record({ op: fc.constantFrom<A.UnaryOp>('-', 'not'), operand: tie('e') }).map((x): A.Expr => ({ kind: 'Unary', ...x, range: R })),
    fc.record({ op: fc.constantFrom(...BIN_OPS), left: tie('e'), right: tie('e') }).map((x): A.Expr => ({ kind: 'Binary', ...x, range: R })),
    fc.record({ cond: tie('e'), then: tie('e'), else: tie('e') }).map((x): A.Expr => ({ kind: 'If', ...x, range: R })),
  ),
})).e;

const actionRef: fc.Arbitrary<A.ActionRef> = fc
  .array(name(anyName), { minLength: 1, maxLength: 3 })
  .map((parts) => ({ kind: 'ActionRef', parts, name: parts.map((p) => p.value).join('.'), range: R }));
const options = fc.array(fc.record({ key: name(anyName), value: expr }).map((o): A.Option => ({ kind: 'Option', ...o, range: R })), { maxLength: 2 });
const conditions = fc.array(
  fc
    .record({
      key: fc.array(name(anyName), { minLength: 1, maxLength: 2 }),
      op: fc.constantFrom<A.ConditionOp>('=', '!=', '<', '<=', '>', '>=', 'in', 'contains'),
      value: expr,
    })
    .map((c): A.Condition => ({ kind: 'Condition', ...c, opRange: R, range: R })),
  { maxLength: 2 },
);

const typeExpr: fc.Arbitrary<A.TypeExpr> = fc.letrec<{ t: A.TypeExpr }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small' },
    fc.record({ name: name(fc.constantFrom('string', 'integer', 'number', 'boolean', 'any')), nullable: fc.boolean() }).map((x): A.TypeExpr => ({ kind: 'NamedType', ...x, range: R })),
    fc.record({ element: tie('t'), nullable: fc.boolean() }).map((x): A.TypeExpr => ({ kind: 'ListType', ...x, range: R })),
    fc
      .record({ fields: fc.array(fc.record({ key, type: tie('t') }), { maxLength: 3 }), nullable: fc.boolean() })
      .map((x): A.TypeExpr => ({ kind: 'RecordType', fields: x.fields.map((f) => ({ ...f, range: R })), nullable: x.nullable, range: R })),
  ),
})).t;
const recordType = typeExpr.filter((t): t is A.RecordTypeExpr => t.kind === 'RecordType' && !t.nullable);

const source: fc.Arbitrary<A.Source> = fc
  .record({ action: actionRef, options, recordType: fc.option(recordType, { nil: null }), where: conditions, since: fc.option(expr, { nil: null }) })
  .map((s) => ({ kind: 'Source', ...s, range: R }));

const step: fc.Arbitrary<A.Step> = fc.oneof(
  fc
    .array(fc.oneof(fc.constant<A.MapEntry>({ kind: 'Spread', range: R }), fc.record({ key, value: expr }).map((x): A.MapEntry => ({ kind: 'FieldEntry', ...x, range: R }))), { maxLength: 4 })
    .map((entries): A.Step => ({ kind: 'Map', entries, range: R })),
  expr.map((e): A.Step => ({ kind: 'Filter', expr: e, range: R })),
  fc.record({ name: name(anyName), action: actionRef, options, where: conditions }).map((x): A.Step => ({ kind: 'Lookup', ...x, range: R })),
  expr.map((e): A.Step => ({ kind: 'Dedupe', expr: e, range: R })),
  expr.map((e): A.Step => ({ kind: 'Take', count: e, range: R })),
);
const dest: fc.Arbitrary<A.Dest> = fc
  .record({ action: actionRef, options, upsert: fc.option(name(anyName), { nil: undefined }) })
  .map(({ upsert, ...d }) => (upsert ? { kind: 'Dest', ...d, upsert, range: R } : { kind: 'Dest', ...d, range: R }));
const pipeline: fc.Arbitrary<A.Pipeline> = fc
  .record({ source, steps: fc.array(step, { maxLength: 4 }), dest })
  .map((p) => ({ kind: 'Pipeline', ...p, range: R }));

const schedule: fc.Arbitrary<A.Setting> = fc.oneof(
  fc.record({ amount: fc.integer({ min: 1, max: 999 }), unit: fc.constantFrom<A.DurationUnit>('s', 'm', 'h', 'd') }).map((x): A.Setting => ({ kind: 'ScheduleEvery', ...x, range: R })),
  str.map((expression): A.Setting => ({ kind: 'ScheduleCron', expression, range: R })),
);
const onReject: fc.Arbitrary<A.Setting> = fc.record({ action: actionRef, options }).map((x): A.Setting => ({ kind: 'OnReject', ...x, range: R }));
const flowId: fc.Arbitrary<A.Setting> = fc
  .stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/)
  .map((value): A.Setting => ({ kind: 'FlowId', value: { kind: 'String', value, range: R }, range: R }));
/** At most one of each setting (two are an error), in either order. */
const settings: fc.Arbitrary<A.Setting[]> = fc
  .tuple(fc.option(schedule, { nil: undefined }), fc.option(onReject, { nil: undefined }), fc.option(flowId, { nil: undefined }), fc.boolean())
  .map(([s, r, i, swap]) => {
    const list = [i, s, r].filter((x): x is A.Setting => x !== undefined);
    return swap ? list.reverse() : list;
  });

const namedFlow: fc.Arbitrary<A.Flow> = fc
  .record({ name: name(identifier), settings, pipeline })
  .map((f) => ({ kind: 'Flow', ...f, range: R }));

const varDecl: fc.Arbitrary<A.VarDecl> = fc
  .record({ name: name(identifier), type: typeExpr, default: fc.option(expr, { nil: null }) })
  .map((v) => ({ kind: 'Var', ...v, range: R }));
const vars = fc.array(varDecl, { maxLength: 2 });

export const program: fc.Arbitrary<A.Program> = fc.oneof(
  fc.tuple(vars, pipeline).map(([vs, p]): A.Program => ({ kind: 'Program', vars: vs, flows: [{ kind: 'Flow', name: null, settings: [], pipeline: p, range: R }], comments: [], range: R })),
  fc.tuple(vars, fc.array(namedFlow, { minLength: 1, maxLength: 3 })).map(([vs, flows]): A.Program => ({ kind: 'Program', vars: vs, flows, comments: [], range: R })),
);

/** The tree without positions, for comparing a re-parsed tree with the original. */
export function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'range' || k === 'nameRange' || k === 'opRange' || k === 'comments') continue;
      out[k] = strip(v);
    }
    return out;
  }
  return node;
}
