// The canonical form of a flow file. The layout is a function of the tree (and its comments), not of
// how the text was laid out, so formatting is idempotent and `parse(print(ast))` gives back `ast`.
import type { Range } from '../diagnostics.js';
import * as A from './ast.js';
import { keywordNames } from './tokens.js';

const WIDTH = 100;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---- expressions

function precedence(e: A.Expr): number {
  switch (e.kind) {
    case 'If':
      return A.PRECEDENCE.if;
    case 'Binary':
      return A.BINARY_PRECEDENCE[e.op];
    case 'Unary':
      return e.op === 'not' ? A.PRECEDENCE.not : A.PRECEDENCE.negate;
    case 'Member':
    case 'Index':
      return A.PRECEDENCE.postfix;
    default:
      return A.PRECEDENCE.primary;
  }
}

/**
 * A number as a literal that reads back as the same value. Literals have no sign (`-` is an
 * operator), and one too large for a double reads as infinity: `1e999` is what reads back as that.
 */
export function printNumber(n: number): string {
  if (n === Infinity) return '1e999';
  return String(n);
}

export function printString(s: string): string {
  return JSON.stringify(s);
}

/** A key of a map entry, object or record type: bare when it lexes as a name, quoted otherwise. */
function printKey(k: A.Name | A.StringLiteral): string {
  return k.kind === 'Name' ? k.value : printString(k.value);
}

/** Prints `e`, in parentheses when it binds looser than its position demands (`min`). */
export function printExpr(e: A.Expr, min = 0): string {
  const text = exprText(e);
  return precedence(e) < min ? `(${text})` : text;
}

function exprText(e: A.Expr): string {
  switch (e.kind) {
    case 'String':
      return printString(e.value);
    case 'Number':
      return printNumber(e.value);
    case 'Boolean':
      return String(e.value);
    case 'Null':
      return 'null';
    case 'List':
      return `[${e.items.map((i) => printExpr(i)).join(', ')}]`;
    case 'Object':
      return e.entries.length === 0 ? '{}' : `{ ${e.entries.map((en) => `${printKey(en.key)}: ${printExpr(en.value)}`).join(', ')} }`;
    case 'Template':
      return `~{${e.name}}~`;
    case 'FieldRef':
      return e.name;
    case 'Member':
      return `${printExpr(e.object, A.PRECEDENCE.postfix)}.${e.property.value}`;
    case 'Index':
      return `${printExpr(e.object, A.PRECEDENCE.postfix)}[${printExpr(e.index)}]`;
    case 'Call':
      return `${e.callee.value}(${e.args.map((a) => printExpr(a)).join(', ')})`;
    case 'Unary':
      return e.op === 'not' ? `not ${printExpr(e.operand, A.PRECEDENCE.not)}` : `-${printExpr(e.operand, A.PRECEDENCE.negate)}`;
    case 'Binary': {
      const p = A.BINARY_PRECEDENCE[e.op];
      return `${printExpr(e.left, p)} ${e.op} ${printExpr(e.right, p + 1)}`;
    }
    case 'If':
      return `if ${printExpr(e.cond)} then ${printExpr(e.then)} else ${printExpr(e.else)}`;
    case 'ErrorExpr':
      return '?';
  }
}

export function printType(t: A.TypeExpr): string {
  const q = t.nullable ? '?' : '';
  switch (t.kind) {
    case 'NamedType':
      return t.name.value + q;
    case 'ListType':
      return `[${printType(t.element)}]${q}`;
    case 'RecordType':
      return (t.fields.length === 0 ? '{}' : `{ ${t.fields.map((f) => `${printKey(f.key)}: ${printType(f.type)}`).join(', ')} }`) + q;
  }
}

const printOptions = (os: A.Option[]): string => (os.length === 0 ? '' : ` with ${os.map((o) => `${o.key.value} = ${printExpr(o.value)}`).join(', ')}`);
const printWhere = (cs: A.Condition[]): string =>
  cs.length === 0 ? '' : ` where ${cs.map((c) => `${c.key.map((k) => k.value).join('.')} ${c.op} ${printExpr(c.value, A.BINARY_PRECEDENCE['+'])}`).join(' and ')}`;

// ---- comments

interface Anchor {
  start: number;
  /** Where the node ends: a comment before it is inside the node. */
  end: number;
  leading: A.Comment[];
  trailing: A.Comment[];
}

/**
 * Attaches each comment to a line-level node (a setting, a clause, a step, a map entry, a closing
 * brace), so that printing keeps every comment, in order:
 * - inside a node (before its last token): after that node's line;
 * - after code on its line: after the node that ends last before it (a closing brace over what it closes);
 * - alone on its line: before the next node, or at the end of the file.
 */
class CommentMap {
  private anchors: Anchor[] = [];
  private byStart = new Map<number, Anchor>();
  /** Comments after the last node of the file. */
  readonly dangling: A.Comment[] = [];

  constructor(readonly breakMap: (m: A.MapStep) => boolean = () => false) {}

  add(start: number, end: number): void {
    const known = this.byStart.get(start);
    // Nodes that start together (a bare flow and its source): the smaller one says where "inside" ends.
    if (known) {
      known.end = Math.min(known.end, end);
      return;
    }
    const a: Anchor = { start, end, leading: [], trailing: [] };
    this.anchors.push(a);
    this.byStart.set(start, a);
  }

  attach(comments: A.Comment[], codeEndsOnLine: Map<number, number>): void {
    this.anchors.sort((x, y) => x.start - y.start);
    for (const c of comments) {
      const off = c.range.start.offset;
      const codeEnd = codeEndsOnLine.get(c.range.start.line);
      const isTrailing = codeEnd !== undefined && codeEnd <= off;
      let before: Anchor | undefined;
      let after: Anchor | undefined;
      let ended: Anchor | undefined;
      for (const a of this.anchors) {
        if (a.start >= off) {
          after = a;
          break;
        }
        before = a;
        if (a.end <= off && (!ended || a.end >= ended.end)) ended = a;
      }
      if (before && off < before.end) before.trailing.push(c);
      else if (isTrailing && (ended ?? before)) (ended ?? before)!.trailing.push(c);
      else if (after) after.leading.push(c);
      else this.dangling.push(c);
    }
  }

  get(r: Range | undefined): Anchor | undefined {
    return r ? this.byStart.get(r.start.offset) : undefined;
  }

  at(offset: number): Anchor | undefined {
    return this.byStart.get(offset);
  }
}

// ---- program

export interface PrintOptions {
  /** Pass the source's comments to keep them (parse().program.comments). */
  comments?: A.Comment[];
  /** Maps to print one entry a line even when they would fit on one (those that hold a comment). */
  breakMap?: (m: A.MapStep) => boolean;
}

export function print(program: A.Program, options: PrintOptions = {}): string {
  const comments = options.comments ?? program.comments;
  const cm = new CommentMap(options.breakMap);
  const codeEnds = new Map<number, number>();
  // Offsets of the flows' closing braces are anchors too, for comments at the end of a block.
  const closers = new Map<A.Flow, number>();
  const span = (r: Range) => cm.add(r.start.offset, r.end.offset);
  for (const v of program.vars) {
    span(v.range);
    walk(v, (n) => {
      if ('range' in n) markCodeLine(n.range, codeEnds);
    });
  }
  for (const f of program.flows) {
    // Containers (a flow block, a map) hold comments of their own only on their first line: one
    // alone on a line inside them belongs to the node after it.
    cm.add(f.range.start.offset, f.name ? f.name.range.end.offset : f.range.end.offset);
    for (const s of f.settings) span(s.range);
    const p = f.pipeline;
    if (p) {
      if (p.source) span(p.source.range);
      for (const s of [...p.steps, ...(p.tee ? p.tee.dests : p.dest ? [p.dest] : [])]) {
        if (s.kind !== 'Map') span(s.range);
        else {
          cm.add(s.range.start.offset, s.range.start.offset + 'map'.length);
          for (const e of s.entries) span(e.range);
          // The closing brace, for comments before it or after it on its line.
          cm.add(s.range.end.offset - 1, s.range.end.offset);
        }
      }
    }
    if (f.name) {
      const close = f.range.end.offset - 1;
      closers.set(f, close);
      cm.add(close, close + 1);
    }
    collectCodeLines(f, codeEnds);
  }
  cm.attach(comments, codeEnds);

  const out: string[] = [];
  const emitLeading = (a: Anchor | undefined, indent: string) => {
    for (const c of a?.leading ?? []) out.push(`${indent}#${c.text}`);
  };
  /** Adds a line, with the first trailing comment on it and any others on their own lines below. */
  const emit = (line: string, a: Anchor | undefined, indent: string) => {
    const [first, ...rest] = a?.trailing ?? [];
    out.push(first ? `${line}  #${first.text}` : line);
    for (const c of rest) out.push(`${indent}#${c.text}`);
  };

  // Declarations and flows in source order; a run of declarations is one paragraph.
  const items: (A.VarDecl | A.Flow)[] = [...program.vars, ...program.flows].sort((x, y) => x.range.start.offset - y.range.start.offset);
  items.forEach((f, i) => {
    if (i > 0 && !(f.kind === 'Var' && items[i - 1].kind === 'Var')) out.push('');
    const fa = cm.get(f.range);
    if (f.kind === 'Var') {
      emitLeading(fa, '');
      emit(printVar(f), fa, '');
      return;
    }
    if (f.name) {
      emitLeading(fa, '');
      emit(`flow ${f.name.value} {`, fa, '  ');
      for (const s of f.settings) {
        const sa = cm.get(s.range);
        emitLeading(sa, '  ');
        emit(`  ${printSetting(s)}`, sa, '  ');
      }
      if (f.pipeline) printPipeline(f.pipeline, '  ', cm, out, emitLeading, emit);
      const close = cm.at(closers.get(f)!);
      emitLeading(close, '  ');
      emit('}', close, '');
    } else {
      if (f.pipeline?.source && fa !== cm.get(f.pipeline.source.range)) emitLeading(fa, '');
      if (f.pipeline) printPipeline(f.pipeline, '', cm, out, emitLeading, emit);
    }
  });
  for (const c of cm.dangling) out.push(`#${c.text}`);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function printVar(v: A.VarDecl): string {
  return `var ${v.name.value}: ${printType(v.type)}${v.default ? ` = ${printExpr(v.default)}` : ''}`;
}

function printSetting(s: A.Setting): string {
  switch (s.kind) {
    case 'ScheduleEvery':
      return `schedule every ${s.amount}${s.unit}`;
    case 'ScheduleCron':
      return `schedule cron ${printString(s.expression.value)}`;
    case 'OnReject':
      return `on reject ${s.action.name}${printOptions(s.options)}`;
    case 'FlowId':
      return `id ${printString(s.value.value)}`;
  }
}

function printPipeline(
  p: A.Pipeline,
  indent: string,
  cm: CommentMap,
  out: string[],
  emitLeading: (a: Anchor | undefined, indent: string) => void,
  emit: (line: string, a: Anchor | undefined, indent: string) => void,
): void {
  const stepIndent = `${indent}  `;
  if (p.source) {
    const s = p.source;
    const sa = cm.get(s.range);
    emitLeading(sa, indent);
    const clauses = [
      printOptions(s.options),
      s.recordType ? ` as ${printType(s.recordType)}` : '',
      printWhere(s.where),
      s.since ? ` since ${printExpr(s.since)}` : '',
    ].filter((c) => c !== '');
    const oneLine = `${indent}source ${s.action.name}${clauses.join('')}`;
    if (oneLine.length <= WIDTH || clauses.length === 0) emit(oneLine, sa, stepIndent);
    else {
      // Too long for one line: each clause on a line of its own; a comment stays on the first line
      // and any further ones follow the last clause, where a re-parse finds them again.
      const [first, ...rest] = sa?.trailing ?? [];
      out.push(`${indent}source ${s.action.name}${first ? `  #${first.text}` : ''}`);
      for (const c of clauses) out.push(`${indent}   ${c}`);
      for (const c of rest) out.push(`${stepIndent}#${c.text}`);
    }
  }
  for (const st of [...p.steps, ...(p.tee ? [p.tee] : p.dest ? [p.dest] : [])]) {
    if (st.kind === 'Tee') {
      // One destination a line, each with its comments.
      out.push(`${stepIndent}-> tee {`);
      st.dests.forEach((d, i) => {
        const da = cm.get(d.range);
        emitLeading(da, `${stepIndent}  `);
        emit(`${stepIndent}  ${printStep(d)}${i < st.dests.length - 1 ? ',' : ''}`, da, `${stepIndent}  `);
      });
      out.push(`${stepIndent}}`);
      continue;
    }
    const a = cm.get(st.range);
    emitLeading(a, stepIndent);
    if (st.kind === 'Map') {
      printMap(st, stepIndent, cm, out, emitLeading, emit, a);
      continue;
    }
    const line = `${stepIndent}-> ${printStep(st)}`;
    const cond = st.kind === 'Filter' ? st.expr : st.kind === 'Dedupe' ? st.expr : undefined;
    if (line.length > WIDTH && cond?.kind === 'If') {
      emitLines(ifLines(cond, `${stepIndent}-> ${st.kind === 'Filter' ? 'filter' : 'dedupe by'} `, `${stepIndent}  `, ''), a, stepIndent, out, emit);
    } else emit(line, a, stepIndent);
  }
}

/**
 * A long `if C then A else B` over lines, `then` and `else` indented under it; an `else if` goes on
 * as a chain at the same indent. Used when the one-line form is wider than WIDTH.
 */
function ifLines(e: A.IfExpr, head: string, indent: string, tail: string): string[] {
  const lines = [`${head}if ${printExpr(e.cond)}`, `${indent}then ${printExpr(e.then)}`];
  let rest: A.Expr = e.else;
  while (rest.kind === 'If') {
    lines.push(`${indent}else if ${printExpr(rest.cond)}`, `${indent}then ${printExpr(rest.then)}`);
    rest = rest.else;
  }
  lines.push(`${indent}else ${printExpr(rest)}${tail}`);
  return lines;
}

/** Lines of one node: comments of the node go after its last line. */
function emitLines(lines: string[], a: Anchor | undefined, indent: string, out: string[], emit: (line: string, a: Anchor | undefined, indent: string) => void): void {
  out.push(...lines.slice(0, -1));
  emit(lines[lines.length - 1], a, indent);
}

function printStep(s: Exclude<A.Step, A.MapStep> | A.Dest): string {
  switch (s.kind) {
    case 'Filter':
      return `filter ${printExpr(s.expr)}`;
    case 'Lookup':
      return `lookup ${s.name.value} = ${s.action.name}${printOptions(s.options)}${printWhere(s.where)}`;
    case 'Dedupe':
      return `dedupe by ${printExpr(s.expr)}`;
    case 'Take':
      return `take ${printExpr(s.count, A.BINARY_PRECEDENCE['+'])}`;
    case 'Dest':
      return `dest ${s.action.name}${s.upsert ? ` upsert by ${s.upsert.value}` : ''}${printOptions(s.options)}`;
  }
}

const printEntry = (e: A.MapEntry): string => (e.kind === 'Spread' ? '...' : `${printKey(e.key)}: ${printExpr(e.value)}`);

function printMap(
  m: A.MapStep,
  indent: string,
  cm: CommentMap,
  out: string[],
  emitLeading: (a: Anchor | undefined, indent: string) => void,
  emit: (line: string, a: Anchor | undefined, indent: string) => void,
  a: Anchor | undefined,
): void {
  const entryAnchors = m.entries.map((e) => cm.get(e.range));
  const close = cm.at(m.range.end.offset - 1);
  const hasComments =
    entryAnchors.some((ea) => ea && (ea.leading.length > 0 || ea.trailing.length > 0)) || (a?.trailing.length ?? 0) > 0 || (close?.leading.length ?? 0) > 0 || cm.breakMap(m);
  const oneLine = `${indent}-> map ${m.entries.length === 0 ? '{}' : `{ ${m.entries.map(printEntry).join(', ')} }`}`;
  if (!hasComments && oneLine.length <= WIDTH) {
    emit(oneLine, close, indent);
    return;
  }
  emit(`${indent}-> map {`, a, `${indent}  `);
  m.entries.forEach((e, i) => {
    emitLeading(entryAnchors[i], `${indent}  `);
    const line = `${indent}  ${printEntry(e)},`;
    if (line.length > WIDTH && e.kind === 'FieldEntry' && e.value.kind === 'If') {
      emitLines(ifLines(e.value, `${indent}  ${printKey(e.key)}: `, `${indent}    `, ','), entryAnchors[i], `${indent}  `, out, emit);
    } else emit(line, entryAnchors[i], `${indent}  `);
  });
  emitLeading(close, `${indent}  `);
  emit(`${indent}}`, close, indent);
}

/** Records, per line, where the first code on it ends, to tell trailing comments from own-line ones. */
function collectCodeLines(f: A.Flow, lines: Map<number, number>): void {
  walk(f, (n) => {
    if ('range' in n) markCodeLine(n.range, lines);
  });
}

function markCodeLine(r: Range, lines: Map<number, number>): void {
  for (const [line, off] of [
    [r.start.line, r.start.offset + 1],
    [r.end.line, r.end.offset],
  ] as const) {
    const prev = lines.get(line);
    if (prev === undefined || off < prev) lines.set(line, off);
  }
}

/** Visits every node of a subtree (used for code lines, and by tests). */
export function walk(node: A.Node, visit: (n: A.Node) => void): void {
  visit(node);
  for (const [k, v] of Object.entries(node)) {
    if (k === 'range' || k === 'nameRange' || k === 'opRange') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x === 'object' && 'kind' in x) walk(x as A.Node, visit);
      else if (x && typeof x === 'object') for (const y of Object.values(x)) if (y && typeof y === 'object' && 'kind' in (y as object)) walk(y as A.Node, visit);
    } else if (v && typeof v === 'object' && 'kind' in v) walk(v as A.Node, visit);
  }
}

/** True when `name` can be written bare as a field reference (not a keyword). */
export const isBareFieldName = (name: string): boolean => IDENT.test(name) && !keywordNames.has(name);
