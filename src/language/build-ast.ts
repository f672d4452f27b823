// CST -> AST. Tolerates the partial nodes that error recovery leaves: a missing part becomes null
// (or an ErrorExpr) and the syntax error has already been reported. Also reports the mistakes that
// the grammar accepts on purpose so that it can say precisely what is wrong (a missing `->`,
// `=` for `==`, a bad escape or template).
import type { CstNode, IToken } from 'chevrotain';
import type { Diagnostic, Position, Range } from '../diagnostics.js';
import * as A from './ast.js';
import * as T from './tokens.js';
import { CODES } from './codes.js';
import { MAX_EXPRESSION_DEPTH, tooDeep } from './limits.js';

/** The form of a flow id (`id "..."`): it names the flow's state, on the command line too. */
export const FLOW_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

type Children = Record<string, (CstNode | IToken)[] | undefined>;
type Part = Range | IToken | null | undefined;

const isReal = (t: IToken | undefined): t is IToken => t !== undefined && !t.isInsertedInRecovery && !Number.isNaN(t.startOffset);
const startOf = (t: IToken): Position => ({ line: t.startLine ?? 1, column: t.startColumn ?? 1, offset: t.startOffset });
const endOf = (t: IToken): Position => ({ line: t.endLine ?? 1, column: (t.endColumn ?? 0) + 1, offset: (t.endOffset ?? t.startOffset) + 1 });
export const tokenRange = (t: IToken): Range => ({ start: startOf(t), end: endOf(t) });
const isToken = (p: Part): p is IToken => p !== null && p !== undefined && 'tokenType' in p;

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  /** End of the last real token seen: where a wholly missing node is placed. */
  private fallback: Position = { line: 1, column: 1, offset: 0 };

  /** The smallest range covering `parts`; allocates only the two positions it returns (hot path). */
  private span(...parts: Part[]): Range {
    let startOff = Infinity;
    let endOff = -1;
    let startPos: Position | undefined;
    let endPos: Position | undefined;
    let startTok: IToken | undefined;
    let endTok: IToken | undefined;
    for (const p of parts) {
      if (!p) continue;
      if (isToken(p)) {
        if (!isReal(p)) continue;
        if (p.startOffset < startOff) {
          startOff = p.startOffset;
          startTok = p;
          startPos = undefined;
        }
        const e = (p.endOffset ?? p.startOffset) + 1;
        if (e > endOff) {
          endOff = e;
          endTok = p;
          endPos = undefined;
        }
      } else {
        if (p.start.offset < startOff) {
          startOff = p.start.offset;
          startPos = p.start;
          startTok = undefined;
        }
        if (p.end.offset > endOff) {
          endOff = p.end.offset;
          endPos = p.end;
          endTok = undefined;
        }
      }
    }
    if (endOff < 0) return { start: this.fallback, end: this.fallback };
    const end = endPos ?? endOf(endTok!);
    if (end.offset > this.fallback.offset) this.fallback = end;
    return { start: startPos ?? startOf(startTok!), end };
  }

  private error(code: string, message: string, range: Range, extra: Partial<Diagnostic> = {}): void {
    this.diagnostics.push({ code, severity: 'error', message, range, ...extra });
  }

  private tok(c: Children, key: string, i = 0): IToken | undefined {
    const t = c[key]?.[i] as IToken | undefined;
    return isReal(t) ? t : undefined;
  }
  private toks(c: Children, ...keys: string[]): IToken[] {
    const out: IToken[] = [];
    let from = 0;
    for (const k of keys) for (const t of (c[k] ?? []) as IToken[]) if (isReal(t)) out.push(t);
    // Tokens of one key are already in order; only several keys need a sort.
    for (const k of keys) if (c[k]) from++;
    return from > 1 ? out.sort((a, b) => a.startOffset - b.startOffset) : out;
  }
  private node(c: Children, key: string, i = 0): CstNode | undefined {
    return c[key]?.[i] as CstNode | undefined;
  }
  private nodes(c: Children, key: string): CstNode[] {
    return (c[key] ?? []) as CstNode[];
  }

  private name(t: IToken): A.Name {
    return { kind: 'Name', value: t.image, range: this.span(t) };
  }

  // ---- file structure

  file(cst: CstNode, flows: A.Flow[], vars: A.VarDecl[] = []): void {
    const c = cst.children as Children;
    for (const v of this.nodes(c, 'varDecl')) {
      const decl = this.varDecl(v);
      if (decl) vars.push(decl);
    }
    const blocks = this.nodes(c, 'flowBlock');
    const bare = this.nodes(c, 'pipeline');
    // Only a file that mixes the two (an error) needs sorting by position.
    const items = blocks.length && bare.length ? [...blocks, ...bare].sort((a, b) => firstOffset(a) - firstOffset(b)) : blocks.length ? blocks : bare;
    for (const item of items) {
      if (item.name === 'flowBlock') flows.push(this.flowBlock(item));
      else {
        const pipeline = this.pipeline(item);
        flows.push({ kind: 'Flow', name: null, settings: [], pipeline, range: pipeline.range });
      }
    }
  }

  varDecl(cst: CstNode): A.VarDecl | null {
    const c = cst.children as Children;
    const kw = this.tok(c, 'Identifier', 0);
    const nameTok = this.tok(c, 'Identifier', 1);
    const tn = this.node(c, 'typeExpr');
    if (!nameTok || !tn) return null;
    const type = this.typeExpr(tn);
    const value = this.node(c, 'expression');
    const dflt = value ? this.top(this.expression(value)) : null;
    return { kind: 'Var', name: this.name(nameTok), type, default: dflt, range: this.span(kw, type.range, dflt?.range) };
  }

  flowBlock(cst: CstNode): A.Flow {
    const c = cst.children as Children;
    const nameTok = this.tok(c, 'Identifier');
    const settings = this.nodes(c, 'setting').map((s) => this.setting(s)).filter((s): s is A.Setting => s !== null);
    const p = this.node(c, 'pipeline');
    const pipeline = p ? this.pipeline(p) : null;
    const range = this.span(this.tok(c, 'Flow'), nameTok, ...settings.map((s) => s.range), pipeline?.range, this.tok(c, 'RCurly'));
    return { kind: 'Flow', name: nameTok ? this.name(nameTok) : null, settings, pipeline, range };
  }

  setting(cst: CstNode): A.Setting | null {
    const c = cst.children as Children;
    const sched = this.node(c, 'schedule');
    if (sched) return this.schedule(sched);
    const rej = this.node(c, 'onReject');
    if (rej) {
      const rc = rej.children as Children;
      const action = this.actionRef(this.node(rc, 'actionRef'));
      const options = this.withClause(this.node(rc, 'withClause'));
      if (!action) return null;
      return { kind: 'OnReject', action, options, range: this.span(this.tok(rc, 'On'), action.range, ...options.map((o) => o.range)) };
    }
    const idNode = this.node(c, 'flowId');
    if (idNode) {
      const ic = idNode.children as Children;
      const word = this.tok(ic, 'Identifier');
      const str = this.tok(ic, 'StringLiteral');
      if (!word || !str) return null;
      if (word.image !== 'id') {
        this.error(CODES.unknownSetting, `unknown flow setting \`${word.image}\`: a flow block takes \`id "..."\`, \`schedule ...\` and \`on reject ...\` before its pipeline`, this.span(word));
        return null;
      }
      const value = this.stringLiteral(str);
      if (!FLOW_ID.test(value.value)) {
        this.error(CODES.badFlowId, `a flow id is 1 to 100 letters, digits, \`_\`, \`-\` or \`.\`, starting with a letter or digit; found ${JSON.stringify(value.value.slice(0, 60))}`, value.range);
      }
      return { kind: 'FlowId', value, range: this.span(word, str) };
    }
    return null;
  }

  schedule(cst: CstNode): A.Setting | null {
    const c = cst.children as Children;
    const kw = this.tok(c, 'Schedule');
    const str = this.tok(c, 'StringLiteral');
    if (this.tok(c, 'Cron') || str) {
      if (!str) return null;
      const expression = this.stringLiteral(str);
      return { kind: 'ScheduleCron', expression, range: this.span(kw, str) };
    }
    const num = this.tok(c, 'NumberLiteral');
    const unit = this.tok(c, 'Identifier');
    if (!num || !unit) return null;
    const range = this.span(kw, num, unit);
    const amount = Number(num.image);
    if (!Number.isInteger(amount) || amount <= 0) {
      this.error(CODES.badSchedule, `a schedule needs a whole number of units greater than 0, found \`${num.image}\``, this.span(num));
    }
    if (!['s', 'm', 'h', 'd'].includes(unit.image) || unit.startOffset !== num.endOffset! + 1) {
      this.error(CODES.badSchedule, `unknown time unit \`${unit.image}\`: write the number and unit together, e.g. \`15m\``, this.span(num, unit), {
        hint: 'Units: s (seconds), m (minutes), h (hours), d (days).',
      });
    }
    const u = (['s', 'm', 'h', 'd'].includes(unit.image) ? unit.image : 'm') as A.DurationUnit;
    return { kind: 'ScheduleEvery', amount, unit: u, range };
  }

  pipeline(cst: CstNode): A.Pipeline {
    const c = cst.children as Children;
    const srcNode = this.node(c, 'sourceClause');
    const source = srcNode ? this.sourceClause(srcNode) : null;
    const arrows = this.toks(c, 'Arrow');
    const steps: A.Step[] = [];
    let dest: A.Dest | null = null;
    let tee: A.Tee | undefined;
    for (const stepNode of this.nodes(c, 'step')) {
      const built = this.step(stepNode);
      if (!built) continue;
      // The grammar lets a step stand without `->` so that parsing goes on; report it here.
      const begin = built.range.start.offset;
      const prevEnd = (tee ?? dest)?.range.end.offset ?? steps[steps.length - 1]?.range.end.offset ?? source?.range.end.offset ?? 0;
      if (!arrows.some((a) => a.startOffset >= prevEnd && a.startOffset < begin)) {
        const kwRange = { start: built.range.start, end: { ...built.range.start, column: built.range.start.column + keywordLength(built), offset: begin + keywordLength(built) } };
        this.error(CODES.missingArrow, `expected \`->\` before \`${keywordOf(built)}\``, kwRange, {
          suggest: [{ title: 'Insert `->`', range: { start: built.range.start, end: built.range.start }, replacement: '-> ' }],
        });
      }
      if (dest) {
        this.error(CODES.stepAfterDest, `\`${keywordOf(built)}\` comes after \`dest\`: the destination must be the last step`, built.range);
      }
      if (built.kind === 'Dest') {
        if (!dest) dest = built;
      } else if (built.kind === 'Tee') {
        if (!dest) {
          tee = built;
          dest = built.dests[0];
        }
      } else steps.push(built);
    }
    const range = this.span(source?.range, ...steps.map((s) => s.range), dest?.range, tee?.range, ...arrows);
    return tee ? { kind: 'Pipeline', source, steps, dest, tee, range } : { kind: 'Pipeline', source, steps, dest, range };
  }

  sourceClause(cst: CstNode): A.Source | null {
    const c = cst.children as Children;
    const kw = this.tok(c, 'Source');
    const action = this.actionRef(this.node(c, 'actionRef'));
    const options = this.withClause(this.node(c, 'withClause'));
    const asNode = this.node(c, 'asClause');
    const recordType = asNode ? this.asClause(asNode) : null;
    const where = this.whereClause(this.node(c, 'whereClause'));
    const sinceNode = this.node(c, 'sinceClause');
    let since: A.Expr | null = null;
    let sinceKw: IToken | undefined;
    if (sinceNode) {
      const sc = sinceNode.children as Children;
      sinceKw = this.tok(sc, 'Since');
      since = this.top(this.expression(this.node(sc, 'expression')));
    }
    if (!action) return null;
    const range = this.span(kw, action.range, ...options.map((o) => o.range), recordType?.range, ...where.map((w) => w.range), sinceKw, since?.range);
    return { kind: 'Source', action, options, recordType, where, since, range };
  }

  actionRef(cst: CstNode | undefined): A.ActionRef | null {
    if (!cst) return null;
    const c = cst.children as Children;
    const parts = this.toks(c, 'AnyName').map((t) => this.name(t));
    if (parts.length === 0) return null;
    return { kind: 'ActionRef', parts, name: parts.map((p) => p.value).join('.'), range: this.span(...parts.map((p) => p.range), ...this.toks(c, 'Dot')) };
  }

  /** `upsert by FIELD`; any other name before `by` is reported (the parser takes any name there). */
  upsertClause(cst: CstNode | undefined): A.Name | undefined {
    if (!cst) return undefined;
    const c = cst.children as Children;
    const word = this.tok(c, 'Identifier');
    const field = this.tok(c, 'AnyName');
    if (!word || !field) return undefined;
    if (word.image !== 'upsert') {
      this.error(CODES.unknownDestClause, `unknown clause \`${word.image} by\` after a destination: did you mean \`upsert by ${field.image}\`?`, this.span(word, field));
      return undefined;
    }
    return { ...this.name(field), range: this.span(word, field) };
  }

  withClause(cst: CstNode | undefined): A.Option[] {
    if (!cst) return [];
    const out: A.Option[] = [];
    for (const o of this.nodes(cst.children as Children, 'withOption')) {
      const c = o.children as Children;
      const key = this.tok(c, 'AnyName');
      if (!key) continue;
      const value = this.top(this.expression(this.node(c, 'expression')));
      out.push({ kind: 'Option', key: this.name(key), value, range: this.span(key, value.range) });
    }
    return out;
  }

  asClause(cst: CstNode): A.RecordTypeExpr | null {
    const rt = this.node(cst.children as Children, 'recordType');
    return rt ? this.recordType(rt, false) : null;
  }

  recordType(cst: CstNode, nullable: boolean): A.RecordTypeExpr {
    const c = cst.children as Children;
    const fields: A.RecordTypeExpr['fields'] = [];
    for (const f of this.nodes(c, 'typeField')) {
      const fc = f.children as Children;
      const keyTok = this.tok(fc, 'AnyName') ?? this.tok(fc, 'StringLiteral');
      const tn = this.node(fc, 'typeExpr');
      if (!keyTok || !tn) continue;
      const key = keyTok.tokenType === T.StringLiteral ? this.stringLiteral(keyTok) : this.name(keyTok);
      const type = this.typeExpr(tn);
      fields.push({ key, type, range: this.span(key.range, type.range) });
    }
    return { kind: 'RecordType', fields, nullable, range: this.span(this.tok(c, 'LCurly'), this.tok(c, 'RCurly'), ...fields.map((f) => f.range)) };
  }

  typeExpr(cst: CstNode): A.TypeExpr {
    const c = cst.children as Children;
    const q = this.tok(c, 'Question');
    const nullable = q !== undefined;
    const rt = this.node(c, 'recordType');
    if (rt) {
      const r = this.recordType(rt, nullable);
      return { ...r, range: this.span(r.range, q) };
    }
    const inner = this.node(c, 'typeExpr');
    if (inner) {
      const element = this.typeExpr(inner);
      return { kind: 'ListType', element, nullable, range: this.span(this.tok(c, 'LBracket'), element.range, this.tok(c, 'RBracket'), q) };
    }
    const n = this.tok(c, 'AnyName');
    const name: A.Name = n ? this.name(n) : { kind: 'Name', value: 'any', range: this.span() };
    return { kind: 'NamedType', name, nullable, range: this.span(n, q) };
  }

  whereClause(cst: CstNode | undefined): A.Condition[] {
    if (!cst) return [];
    const out: A.Condition[] = [];
    for (const cn of this.nodes(cst.children as Children, 'condition')) {
      const c = cn.children as Children;
      const key = this.toks(c, 'AnyName').map((t) => this.name(t));
      const opTok = this.toks(c, 'Equals', 'NotEq', 'LtEq', 'GtEq', 'Lt', 'Gt', 'In', 'Contains', 'EqEq')[0];
      if (key.length === 0 || !opTok) continue;
      const value = this.top(this.additive(this.node(c, 'additiveExpr')));
      let op = opTok.image as A.ConditionOp;
      if (opTok.tokenType === T.EqEq) {
        op = '=';
        this.error(CODES.doubleEqualsInWhere, 'conditions in `where` compare with `=`, not `==`', this.span(opTok), {
          suggest: [{ title: 'Replace `==` with `=`', range: this.span(opTok), replacement: '=' }],
        });
      }
      out.push({ kind: 'Condition', key, op, opRange: this.span(opTok), value, range: this.span(...key.map((k) => k.range), opTok, value.range) });
    }
    return out;
  }

  step(cst: CstNode): A.Step | A.Dest | A.Tee | null {
    const c = cst.children as Children;
    const [kind, node] = Object.entries(c)[0] ?? [];
    if (!node || !kind) return null;
    const n = node[0] as CstNode;
    const sc = n.children as Children;
    switch (kind) {
      case 'teeStep': {
        const word = this.tok(sc, 'Identifier');
        const dests = this.nodes(sc, 'destClause')
          .map((d) => this.step({ name: 'step', children: { destClause: [d] } } as unknown as CstNode))
          .filter((d): d is A.Dest => d?.kind === 'Dest');
        if (word && word.image !== 'tee') {
          this.error(CODES.unknownStep, `unknown step \`${word.image} { ... }\`: did you mean \`tee { dest ..., dest ... }\`?`, this.span(word));
          return null;
        }
        if (dests.length === 0) return null;
        return { kind: 'Tee', dests, range: this.span(word, ...dests.map((d) => d.range), this.tok(sc, 'RCurly')) };
      }
      case 'mapStep': {
        const entries: A.MapEntry[] = [];
        for (const e of this.nodes(sc, 'mapEntry')) {
          const ec = e.children as Children;
          const ell = this.tok(ec, 'Ellipsis');
          if (ell) {
            entries.push({ kind: 'Spread', range: this.span(ell) });
            continue;
          }
          const keyTok = this.tok(ec, 'AnyName') ?? this.tok(ec, 'StringLiteral');
          if (!keyTok) continue;
          const key = keyTok.tokenType === T.StringLiteral ? this.stringLiteral(keyTok) : this.name(keyTok);
          const value = this.top(this.expression(this.node(ec, 'expression')));
          entries.push({ kind: 'FieldEntry', key, value, range: this.span(key.range, value.range) });
        }
        return { kind: 'Map', entries, range: this.span(this.tok(sc, 'Map'), this.tok(sc, 'RCurly'), ...entries.map((e) => e.range)) };
      }
      case 'filterStep': {
        const expr = this.top(this.expression(this.node(sc, 'expression')));
        return { kind: 'Filter', expr, range: this.span(this.tok(sc, 'Filter'), expr.range) };
      }
      case 'lookupStep': {
        const nameTok = this.tok(sc, 'AnyName');
        const action = this.actionRef(this.node(sc, 'actionRef'));
        if (!nameTok || !action) return null;
        const options = this.withClause(this.node(sc, 'withClause'));
        const where = this.whereClause(this.node(sc, 'whereClause'));
        const range = this.span(this.tok(sc, 'Lookup'), action.range, ...options.map((o) => o.range), ...where.map((w) => w.range));
        return { kind: 'Lookup', name: this.name(nameTok), action, options, where, range };
      }
      case 'dedupeStep': {
        const expr = this.top(this.expression(this.node(sc, 'expression')));
        return { kind: 'Dedupe', expr, range: this.span(this.tok(sc, 'Dedupe'), this.tok(sc, 'By'), expr.range) };
      }
      case 'takeStep': {
        const count = this.top(this.additive(this.node(sc, 'additiveExpr')));
        return { kind: 'Take', count, range: this.span(this.tok(sc, 'Take'), count.range) };
      }
      case 'destClause': {
        const action = this.actionRef(this.node(sc, 'actionRef'));
        if (!action) return null;
        const options = this.withClause(this.node(sc, 'withClause'));
        const upsert = this.upsertClause(this.node(sc, 'upsertClause'));
        const range = this.span(this.tok(sc, 'Dest'), action.range, upsert?.range, ...options.map((o) => o.range));
        return upsert ? { kind: 'Dest', action, options, upsert, range } : { kind: 'Dest', action, options, range };
      }
      default:
        return null;
    }
  }

  // ---- expressions

  /** A whole expression (a value of an option, entry, condition or step), cut off past the depth limit. */
  private top(e: A.Expr): A.Expr {
    if (!tooDeep(e)) return e;
    this.error(CODES.expressionTooDeep, `this expression nests more than ${MAX_EXPRESSION_DEPTH} levels deep`, e.range, {
      hint: 'Split it over several steps, e.g. sum part of the terms in one `map` and the rest in the next.',
    });
    return { kind: 'ErrorExpr', range: e.range };
  }

  private errorExpr(): A.ErrorExpr {
    return { kind: 'ErrorExpr', range: this.span() };
  }

  expression(cst: CstNode | undefined): A.Expr {
    if (!cst) return this.errorExpr();
    const c = cst.children as Children;
    const ifNode = this.node(c, 'ifExpr');
    if (ifNode) {
      const ic = ifNode.children as Children;
      const [a, b, d] = this.nodes(ic, 'expression');
      const cond = this.expression(a);
      const then = this.expression(b);
      const els = this.expression(d);
      return { kind: 'If', cond, then, else: els, range: this.span(this.tok(ic, 'If'), cond.range, then.range, els.range) };
    }
    const bin = this.node(c, 'binaryExpr');
    if (!bin) return this.errorExpr();
    const bc = bin.children as Children;
    const operands = this.nodes(bc, 'operand').map((o) => this.operand(o));
    const ops = this.toks(bc, 'BinaryOperator');
    for (const op of ops) {
      if (op.tokenType === T.Equals) {
        this.error(CODES.singleEqualsInExpr, 'use `==` to compare values; `=` is only for `with` options and `where` conditions', this.span(op), {
          suggest: [{ title: 'Replace `=` with `==`', range: this.span(op), replacement: '==' }],
        });
      }
    }
    return new Climber(this, operands, ops).parse(0);
  }

  /** A `where` value or `take` count: `-`-prefixed operands joined by arithmetic operators. */
  additive(cst: CstNode | undefined): A.Expr {
    if (!cst) return this.errorExpr();
    const c = cst.children as Children;
    const posts = this.nodes(c, 'postfixExpr');
    const minuses = this.toks(c, 'Minus');
    const ops = this.toks(c, 'ArithmeticOperator');
    // Each operand owns the minus signs between the previous operator (or the start) and itself.
    const operands: Operand[] = posts.map((p, i) => {
      if (minuses.length === 0) return { nots: [], minuses: [], core: this.postfix(p) };
      const from = i === 0 ? -1 : ops[i - 1]?.startOffset ?? Infinity;
      const postStart = firstOffset(p);
      return { nots: [], minuses: minuses.filter((m) => m.startOffset > from && m.startOffset < postStart), core: this.postfix(p) };
    });
    return new Climber(this, operands, ops).parse(0);
  }

  private operand(cst: CstNode): Operand {
    const c = cst.children as Children;
    const pf = this.node(c, 'postfixExpr');
    return { nots: this.toks(c, 'Not'), minuses: this.toks(c, 'Minus'), core: pf ? this.postfix(pf) : this.errorExpr() };
  }

  /** Builds a node and widens the fallback position; used by the precedence climber. */
  make<N extends A.Expr>(n: Omit<N, 'range'>, ...parts: Part[]): N {
    return { ...n, range: this.span(...parts) } as N;
  }

  missing(): A.Expr {
    return this.errorExpr();
  }

  private postfix(cst: CstNode): A.Expr {
    const c = cst.children as Children;
    let expr = this.primary(this.node(c, 'primary'));
    // Member names and index expressions interleave by position.
    const names = this.toks(c, 'AnyName');
    const indexes = this.nodes(c, 'expression');
    const closers = this.toks(c, 'RBracket');
    const openers = this.toks(c, 'LBracket');
    const items: { at: number; kind: 'member' | 'index'; i: number }[] = [
      ...names.map((t, i) => ({ at: t.startOffset, kind: 'member' as const, i })),
      ...openers.map((t, i) => ({ at: t.startOffset, kind: 'index' as const, i })),
    ].sort((a, b) => a.at - b.at);
    for (const it of items) {
      if (it.kind === 'member') {
        const property = this.name(names[it.i]);
        expr = { kind: 'Member', object: expr, property, range: this.span(expr.range, property.range) };
      } else {
        const index = this.expression(indexes[it.i]);
        expr = { kind: 'Index', object: expr, index, range: this.span(expr.range, openers[it.i], index.range, closers[it.i]) };
      }
    }
    return expr;
  }

  private primary(cst: CstNode | undefined): A.Expr {
    if (!cst) return this.errorExpr();
    const c = cst.children as Children;
    const t = this.toks(c, 'StringLiteral', 'NumberLiteral', 'True', 'False', 'Null', 'Template')[0];
    if (t) {
      const range = this.span(t);
      switch (t.tokenType) {
        case T.StringLiteral:
          return this.stringLiteral(t);
        case T.NumberLiteral:
          return { kind: 'Number', value: Number(t.image), range };
        case T.True:
          return { kind: 'Boolean', value: true, range };
        case T.False:
          return { kind: 'Boolean', value: false, range };
        case T.Null:
          return { kind: 'Null', range };
        default:
          return this.template(t);
      }
    }
    const list = this.node(c, 'listLiteral');
    if (list) {
      const lc = list.children as Children;
      const items = this.nodes(lc, 'expression').map((e) => this.expression(e));
      return { kind: 'List', items, range: this.span(this.tok(lc, 'LBracket'), this.tok(lc, 'RBracket'), ...items.map((i) => i.range)) };
    }
    const obj = this.node(c, 'objectLiteral');
    if (obj) {
      const oc = obj.children as Children;
      const entries: A.ObjectLiteral['entries'] = [];
      for (const e of this.nodes(oc, 'objectEntry')) {
        const ec = e.children as Children;
        const keyTok = this.tok(ec, 'AnyName') ?? this.tok(ec, 'StringLiteral');
        if (!keyTok) continue;
        const key = keyTok.tokenType === T.StringLiteral ? this.stringLiteral(keyTok) : this.name(keyTok);
        const value = this.expression(this.node(ec, 'expression'));
        entries.push({ key, value, range: this.span(key.range, value.range) });
      }
      return { kind: 'Object', entries, range: this.span(this.tok(oc, 'LCurly'), this.tok(oc, 'RCurly'), ...entries.map((e) => e.range)) };
    }
    const paren = this.node(c, 'expression');
    if (paren) return this.expression(paren);
    const nc = this.node(c, 'nameOrCall');
    if (nc) {
      const ncc = nc.children as Children;
      const id = this.tok(ncc, 'Identifier');
      if (!id) return this.errorExpr();
      if (ncc.LParen) {
        const args = this.nodes(ncc, 'expression').map((e) => this.expression(e));
        return { kind: 'Call', callee: this.name(id), args, range: this.span(id, this.tok(ncc, 'RParen'), ...args.map((a) => a.range)) };
      }
      return { kind: 'FieldRef', name: id.image, range: this.span(id) };
    }
    return this.errorExpr();
  }

  stringLiteral(t: IToken): A.StringLiteral {
    const range = this.span(t);
    const raw = t.image;
    if (!isClosed(raw)) {
      // The token is lenient: it ends at the line break when the closing quote is missing.
      this.error(CODES.unterminatedString, 'this string has no closing `"` before the end of the line', range, {
        hint: 'Strings stay on one line; write a line break as `\\n`.',
      });
      return { kind: 'String', value: decode(raw.slice(1)), range };
    }
    const body = raw.slice(1, -1);
    // Escapes are read pairwise from the left, so that `\\\\x` is an escaped backslash then `x`.
    for (const m of body.matchAll(/\\(u[0-9a-fA-F]{4}|[\s\S])/g)) {
      if (/^(?:u[0-9a-fA-F]{4}|["\\/bfnrt])$/.test(m[1])) continue;
      const off = t.startOffset + 1 + m.index!;
      const col = (t.startColumn ?? 1) + 1 + m.index!;
      const r: Range = { start: { line: range.start.line, column: col, offset: off }, end: { line: range.start.line, column: col + 2, offset: off + 2 } };
      this.error(CODES.badEscape, `\`${m[0].slice(0, 2)}\` is not a valid escape in a string`, r, {
        hint: 'Strings use JSON escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX.',
      });
      break;
    }
    return { kind: 'String', value: decode(body), range };
  }

  template(t: IToken): A.Expr {
    const range = this.span(t);
    const m = /^~([{<])[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*([}>])~$/.exec(t.image);
    if (!m || (m[1] === '{') !== (m[3] === '}')) {
      this.error(CODES.badTemplate, `\`${t.image}\` is not a template: write \`~{Name}~\``, range, {
        hint: 'Templates are ~{CreatedDate}~, ~{LastRunTime}~, ~{Now}~, or a name given with --var.',
      });
      return { kind: 'ErrorExpr', range };
    }
    const nameStart = t.image.indexOf(m[2]);
    const nameRange: Range = {
      start: { line: range.start.line, column: range.start.column + nameStart, offset: range.start.offset + nameStart },
      end: { line: range.start.line, column: range.start.column + nameStart + m[2].length, offset: range.start.offset + nameStart + m[2].length },
    };
    return { kind: 'Template', name: m[2], nameRange, range };
  }
}

interface Operand {
  nots: IToken[];
  minuses: IToken[];
  core: A.Expr;
}

/**
 * Nests a flat chain `operand (op operand)*` by precedence (LANGUAGE.md: `??`, `or`, `and`, `not`,
 * comparisons, `+ -`, `* / %`, unary `-`; binary operators associate to the left). A `not` before
 * an operand takes the comparisons and arithmetic that follow it, as in `not a == b`.
 */
class Climber {
  private i = 0;
  private j = 0;

  constructor(
    private readonly b: AstBuilder,
    private readonly operands: Operand[],
    private readonly ops: IToken[],
  ) {}

  parse(min: number): A.Expr {
    return this.continueFrom(this.operand(), min);
  }

  private operand(): A.Expr {
    const o = this.operands[this.i++];
    if (!o) return this.b.missing();
    let e = o.core;
    for (let k = o.minuses.length - 1; k >= 0; k--) e = this.b.make<A.Unary>({ kind: 'Unary', op: '-', operand: e }, o.minuses[k], e.range);
    if (o.nots.length === 0) return e;
    e = this.continueFrom(e, A.PRECEDENCE.not + 1);
    for (let k = o.nots.length - 1; k >= 0; k--) e = this.b.make<A.Unary>({ kind: 'Unary', op: 'not', operand: e }, o.nots[k], e.range);
    return e;
  }

  private continueFrom(left: A.Expr, min: number): A.Expr {
    while (this.j < this.ops.length) {
      const tok = this.ops[this.j];
      const op = (tok.tokenType === T.Equals ? '==' : tok.image) as A.BinaryOp;
      const p = A.BINARY_PRECEDENCE[op];
      if (p < min) break;
      this.j++;
      const right = this.parse(p + 1);
      left = this.b.make<A.Binary>({ kind: 'Binary', op, left, right }, left.range, tok, right.range);
    }
    return left;
  }
}

function isClosed(raw: string): boolean {
  if (raw.length < 2 || !raw.endsWith('"')) return false;
  let backslashes = 0;
  for (let i = raw.length - 2; i > 0 && raw[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

function decode(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'u':
        return e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e;
      default:
        return e;
    }
  });
}

function firstOffset(n: CstNode): number {
  let min = Infinity;
  const visit = (x: CstNode) => {
    for (const arr of Object.values(x.children)) {
      for (const el of arr ?? []) {
        if ('tokenType' in el) {
          if (isReal(el) && el.startOffset < min) min = el.startOffset;
        } else visit(el);
      }
    }
  };
  visit(n);
  return min;
}

const STEP_WORD: Record<string, string> = { Map: 'map', Filter: 'filter', Lookup: 'lookup', Dedupe: 'dedupe', Take: 'take', Dest: 'dest', Tee: 'tee' };
export const keywordOf = (s: A.Step | A.Dest | A.Tee): string => STEP_WORD[s.kind];
const keywordLength = (s: A.Step | A.Dest | A.Tee): number => keywordOf(s).length;
