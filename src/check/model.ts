// The analysis every rule reads: for each flow, its actions resolved (with the API version its
// connection uses), the record type flowing into each step, and the type of every expression.
// Building it reports nothing; the rules in rules/ turn what it found into diagnostics.
import type * as A from '../language/ast.js';
import type { FlowPlan, ResolvedRef } from './plan-types.js';
import { flowStateId } from '../language/ast.js';
import { BUILTIN_TEMPLATES, type ActionInfo, type CheckEnv, type Role } from './env.js';
import {
  ANY,
  BOOLEAN,
  INTEGER,
  NULL,
  NUMBER,
  STRING,
  isNullable,
  nonNull,
  nullable,
  openRecord,
  union,
  type Field,
  type RecordType,
  type Type,
} from './types.js';

/** A `var` declared in the file. */
export interface VarModel {
  decl: A.VarDecl;
  type: Type;
  /** The type of its default value, when it has one. */
  defaultType?: Type;
}

export interface FlowModel {
  flow: A.Flow;
  name: string;
  /** Whose incremental state this flow reads and writes (`id "..."`, else the name). */
  stateId: string;
  /** The file's variables (the same map for every flow of the file). */
  vars: ReadonlyMap<string, VarModel>;
  source?: ResolvedRef;
  dest?: ResolvedRef;
  /** `tee { ... }`: every destination, in order (the first is `dest`). */
  tee?: ResolvedRef[];
  onReject?: ResolvedRef;
  lookups: Map<A.LookupStep, ResolvedRef>;
  /** The record type flowing into each step (and into the destination). */
  input: Map<A.Step | A.Dest, RecordType>;
  /** What reaches the destination. */
  output: RecordType;
  /** The type of each expression, and the record its bare names refer to. */
  types: Map<A.Expr, Type>;
  scopes: Map<A.Expr, RecordType>;
  /** What the runtime does for the flow (flow-plan.ts), set by checkSource once the model is built. */
  plan?: FlowPlan;
}

export interface ProgramModel {
  flows: FlowModel[];
  env: CheckEnv;
  vars: ReadonlyMap<string, VarModel>;
}

const UNTYPED = openRecord();

export function buildModel(program: A.Program, env: CheckEnv, defaultName: string): ProgramModel {
  const vars = new Map<string, VarModel>();
  for (const v of program.vars) {
    // A second declaration of a name is reported (rules/vars.ts); the first one counts.
    if (vars.has(v.name.value)) continue;
    const m: VarModel = { decl: v, type: declaredType(v.type) };
    if (v.default) {
      const bare: A.Flow = { kind: 'Flow', name: null, settings: [], pipeline: null, range: v.range };
      m.defaultType = new FlowAnalysis(env, bare, defaultName, vars).expr(v.default, EMPTY);
    }
    vars.set(v.name.value, m);
  }
  return { flows: program.flows.map((f) => new FlowAnalysis(env, f, defaultName, vars).run()), env, vars };
}

const EMPTY: RecordType = { kind: 'record', fields: new Map(), open: false };

class FlowAnalysis {
  private readonly m: FlowModel;

  constructor(
    private readonly env: CheckEnv,
    flow: A.Flow,
    defaultName: string,
    vars: ReadonlyMap<string, VarModel>,
  ) {
    this.m = {
      flow,
      name: flow.name?.value ?? defaultName,
      stateId: flowStateId(flow, flow.name?.value ?? defaultName),
      vars,
      lookups: new Map(),
      input: new Map(),
      output: UNTYPED,
      types: new Map(),
      scopes: new Map(),
    };
  }

  run(): FlowModel {
    const { flow } = this.m;
    for (const s of flow.settings) {
      if (s.kind === 'OnReject') {
        this.m.onReject = this.resolve(s.action, 'write', s.options);
        for (const o of s.options) this.expr(o.value, UNTYPED);
      }
    }
    const p = flow.pipeline;
    if (!p) return this.m;
    let current: RecordType = UNTYPED;
    if (p.source) {
      const src = p.source;
      this.m.source = this.resolve(src.action, 'read', src.options);
      for (const o of src.options) this.expr(o.value, UNTYPED);
      for (const c of src.where) this.expr(c.value, UNTYPED);
      if (src.since) this.expr(src.since, UNTYPED);
      if (src.recordType) current = declaredRecord(src.recordType);
      else current = this.m.source.action?.record ?? UNTYPED;
      current = this.narrowByWhere(current, src.where);
    }
    for (const step of p.steps) {
      this.m.input.set(step, current);
      current = this.step(step, current);
    }
    for (const d of p.tee ? p.tee.dests : p.dest ? [p.dest] : []) {
      this.m.input.set(d, current);
      const ref = this.resolve(d.action, 'write', d.options);
      if (d === p.dest) this.m.dest = ref;
      if (p.tee) (this.m.tee ??= []).push(ref);
      for (const o of d.options) this.expr(o.value, current);
    }
    this.m.output = current;
    return this.m;
  }

  resolve(ref: A.ActionRef, role: Role, options: A.Option[]): ResolvedRef {
    const [appPart, ...rest] = ref.parts;
    const r: ResolvedRef = { ref, role };
    if (!appPart || !this.env.apps().includes(appPart.value)) return r;
    r.app = appPart.value;
    r.actionName = rest.map((p) => p.value).join('.');
    let version: string | undefined;
    if (this.env.usesConnections(r.app)) {
      const opt = options.find((o) => o.key.value === 'connection');
      const name = opt && opt.value.kind === 'String' ? opt.value.value : r.app;
      r.connection = { name, explicit: opt !== undefined, ...(opt ? { node: opt } : {}) };
      version = this.env.connections?.get(name)?.apiVersion;
    }
    r.action = this.env.action(r.app, r.actionName, role, version, r.connection?.name);
    return r;
  }

  private step(step: A.Step, current: RecordType): RecordType {
    switch (step.kind) {
      case 'Map': {
        const fields = new Map<string, Field>();
        let open = false;
        for (const e of step.entries) {
          if (e.kind === 'Spread') {
            for (const [k, f] of current.fields) fields.set(k, f);
            open = open || current.open;
          } else {
            const t = this.expr(e.value, current);
            fields.set(e.key.value, { type: t, required: true, origin: `map at ${e.range.start.line}:${e.range.start.column}` });
          }
        }
        return { kind: 'record', fields, open };
      }
      case 'Filter': {
        this.expr(step.expr, current);
        return narrow(current, step.expr);
      }
      case 'Lookup': {
        const r = this.resolve(step.action, 'read', step.options);
        this.m.lookups.set(step, r);
        for (const o of step.options) this.expr(o.value, current);
        for (const c of step.where) this.expr(c.value, current);
        const found = r.action?.record ?? UNTYPED;
        const fields = new Map(current.fields);
        fields.set(step.name.value, { type: nullable(found), required: true, origin: `lookup ${step.action.name}` });
        return { ...current, fields };
      }
      case 'Dedupe':
        this.expr(step.expr, current);
        return current;
      case 'Take':
        this.expr(step.count, current);
        return current;
    }
  }

  /** Engine-side `where` conditions such as `email != null` narrow the record like a filter. */
  private narrowByWhere(rec: RecordType, where: A.Condition[]): RecordType {
    let out = rec;
    for (const c of where) {
      if (c.op === '!=' && c.value.kind === 'Null' && c.key.length === 1) out = narrowField(out, c.key[0].value);
    }
    return out;
  }

  expr(e: A.Expr, scope: RecordType): Type {
    const t = this.infer(e, scope);
    this.m.types.set(e, t);
    this.m.scopes.set(e, scope);
    return t;
  }

  private infer(e: A.Expr, scope: RecordType): Type {
    switch (e.kind) {
      case 'String':
        return STRING;
      case 'Number':
        return Number.isInteger(e.value) ? INTEGER : NUMBER;
      case 'Boolean':
        return BOOLEAN;
      case 'Null':
        return NULL;
      case 'ErrorExpr':
        return ANY;
      case 'Template': {
        const declared = this.m.vars.get(e.name);
        if (declared) return declared.type;
        return e.name in BUILTIN_TEMPLATES ? { kind: 'string', format: 'date-time' } : STRING;
      }
      case 'List': {
        const items = e.items.map((i) => this.expr(i, scope));
        return { kind: 'list', element: items.length ? union(...items) : ANY };
      }
      case 'Object': {
        const fields = new Map<string, Field>();
        for (const en of e.entries) fields.set(en.key.value, { type: this.expr(en.value, scope), required: true });
        return { kind: 'record', fields, open: false };
      }
      case 'FieldRef':
        return fieldType(scope, e.name) ?? ANY;
      case 'Member': {
        const obj = this.expr(e.object, scope);
        return memberType(obj, e.property.value);
      }
      case 'Index': {
        const obj = this.expr(e.object, scope);
        const idx = this.expr(e.index, scope);
        const base = nonNull(obj);
        if (base.kind === 'list') return nullable(base.element);
        if (base.kind === 'record' && e.index.kind === 'String') {
          const t = memberType(obj, e.index.value);
          return t;
        }
        void idx;
        return ANY;
      }
      case 'Call': {
        const args = e.args.map((a) => this.expr(a, scope));
        const fn = this.env.functions.get(e.callee.value);
        if (!fn) return ANY;
        return callType(fn.name, fn.returns, fn.nullPropagating, args);
      }
      case 'Unary': {
        const t = this.expr(e.operand, scope);
        if (e.op === 'not') return BOOLEAN;
        return isNullable(t) ? nullable(numberLike(t)) : numberLike(t);
      }
      case 'Binary': {
        const l = this.expr(e.left, scope);
        const r = this.expr(e.right, scope);
        switch (e.op) {
          case '??':
            return isNullable(r) ? union(nonNull(l), r) : union(nonNull(l), r);
          case 'and':
          case 'or':
          case '==':
          case '!=':
          case '<':
          case '<=':
          case '>':
          case '>=':
            return BOOLEAN;
          case '+': {
            const ln = nonNull(l);
            const rn = nonNull(r);
            if (ln.kind === 'string' || rn.kind === 'string') return STRING;
            if (ln.kind === 'any' || rn.kind === 'any') return ANY;
            return arith(l, r);
          }
          case '/':
            return arith(l, r, false);
          default:
            return arith(l, r);
        }
      }
      case 'If': {
        this.expr(e.cond, scope);
        const thenScope = narrow(scope, e.cond);
        return union(this.expr(e.then, thenScope), this.expr(e.else, scope));
      }
    }
  }
}

function numberLike(t: Type): Type {
  const n = nonNull(t);
  return n.kind === 'number' ? { kind: 'number', integer: n.integer } : n.kind === 'any' ? ANY : NUMBER;
}

function arith(l: Type, r: Type, keepInteger = true): Type {
  const ln = nonNull(l);
  const rn = nonNull(r);
  if (ln.kind === 'any' || rn.kind === 'any') return ANY;
  const integer = keepInteger && ln.kind === 'number' && rn.kind === 'number' && ln.integer && rn.integer;
  const t: Type = integer ? INTEGER : NUMBER;
  return isNullable(l) || isNullable(r) ? nullable(t) : t;
}

/** The type of `name` in a record, or undefined when the record has no such field. */
export function fieldType(rec: RecordType, name: string): Type | undefined {
  const f = rec.fields.get(name);
  if (f) return f.type;
  for (const p of rec.patterns ?? []) if (p.regex.test(name)) return p.type;
  return rec.open ? ANY : undefined;
}

/** `a.b`: null-propagating, so a null `a` gives null rather than an error at run time. */
export function memberType(obj: Type, name: string): Type {
  const base = nonNull(obj);
  if (base.kind === 'record') {
    const t = fieldType(base, name) ?? ANY;
    return isNullable(obj) ? nullable(t) : t;
  }
  if (base.kind === 'union') {
    const parts = base.types.map((x) => (x.kind === 'record' ? (fieldType(x, name) ?? ANY) : ANY));
    return isNullable(obj) ? nullable(union(...parts)) : union(...parts);
  }
  return ANY;
}

function callType(name: string, returns: Type, nullPropagating: boolean, args: Type[]): Type {
  switch (name) {
    case 'first': {
      const l = args[0] ? nonNull(args[0]) : ANY;
      return l.kind === 'list' ? nullable(l.element) : ANY;
    }
    case 'primary': {
      const l = args[0] ? nonNull(args[0]) : ANY;
      if (l.kind === 'list') {
        const el = nonNull(l.element);
        if (el.kind === 'record') return nullable(nonNull(fieldType(el, 'value') ?? ANY));
        return nullable(el);
      }
      return nullable(returns);
    }
    case 'coalesce': {
      if (args.length === 0) return NULL;
      const allNullable = args.every(isNullable);
      const t = union(...args.map(nonNull));
      return allNullable ? nullable(t) : t;
    }
    default:
      return nullPropagating && args.some(isNullable) ? nullable(returns) : returns;
  }
}

/** The record after `filter COND`: fields tested `!= null` in COND (joined by `and`) are not null. */
export function narrow(rec: RecordType, cond: A.Expr): RecordType {
  if (cond.kind === 'Binary' && cond.op === 'and') return narrow(narrow(rec, cond.left), cond.right);
  if (cond.kind === 'Binary' && cond.op === '!=') {
    const [x, y] = cond.right.kind === 'Null' ? [cond.left, cond.right] : [cond.right, cond.left];
    if (y.kind === 'Null' && x.kind === 'FieldRef') return narrowField(rec, x.name);
  }
  return rec;
}

function narrowField(rec: RecordType, name: string): RecordType {
  const f = rec.fields.get(name);
  if (!f || !isNullable(f.type)) return rec;
  const fields = new Map(rec.fields);
  fields.set(name, { ...f, type: nonNull(f.type) });
  return { ...rec, fields };
}

/** `as { id: integer, title: string? }` as a record type. */
export function declaredRecord(t: A.RecordTypeExpr): RecordType {
  const fields = new Map<string, Field>();
  for (const f of t.fields) fields.set(f.key.value, { type: declaredType(f.type), required: true, origin: 'as { ... }' });
  return { kind: 'record', fields, open: false };
}

const NAMED: Record<string, Type> = {
  string: STRING,
  integer: INTEGER,
  number: NUMBER,
  boolean: BOOLEAN,
  any: ANY,
  object: openRecord(),
  date: { kind: 'string', format: 'date' },
  datetime: { kind: 'string', format: 'date-time' },
};
export const TYPE_NAMES = Object.keys(NAMED);

export function declaredType(t: A.TypeExpr): Type {
  let base: Type;
  switch (t.kind) {
    case 'NamedType':
      base = NAMED[t.name.value] ?? ANY;
      break;
    case 'ListType':
      base = { kind: 'list', element: declaredType(t.element) };
      break;
    case 'RecordType':
      base = declaredRecord({ ...t, nullable: false });
      break;
  }
  return t.nullable ? nullable(base) : base;
}
