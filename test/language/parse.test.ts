import { describe, expect, it } from 'vitest';
import type * as A from '../../src/language/ast.js';
import { parse } from '../../src/language/parse.js';
import { INVALID, VALID } from './samples.js';

describe('valid flows parse without diagnostics', () => {
  it.each(VALID)('$name', ({ text }) => {
    expect(parse(text).diagnostics).toEqual([]);
  });
});

describe('invalid flows: exact diagnostics', () => {
  it.each(INVALID)('$name', ({ text, expected }) => {
    const got = parse(text).diagnostics.map((d) => ({
      code: d.code,
      line: d.range.start.line,
      column: d.range.start.column,
      endLine: d.range.end.line,
      endColumn: d.range.end.column,
      message: d.message,
    }));
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      const { message, ...pos } = e;
      const { message: gotMessage, ...gotPos } = got[i];
      expect(gotPos).toEqual(pos);
      if (typeof message === 'string') expect(gotMessage).toBe(message);
      else if (message) expect(gotMessage).toMatch(message);
    });
  });
});

const exprOf = (src: string): A.Expr => {
  const r = parse(`source a.b -> filter ${src} -> dest stdout`);
  expect(r.diagnostics).toEqual([]);
  return (r.program.flows[0].pipeline!.steps[0] as A.FilterStep).expr;
};
/** A compact prefix form of an expression, to state precedence plainly. */
const sexp = (e: A.Expr): string => {
  switch (e.kind) {
    case 'Binary':
      return `(${e.op} ${sexp(e.left)} ${sexp(e.right)})`;
    case 'Unary':
      return `(${e.op} ${sexp(e.operand)})`;
    case 'If':
      return `(if ${sexp(e.cond)} ${sexp(e.then)} ${sexp(e.else)})`;
    case 'FieldRef':
      return e.name;
    case 'Number':
      return String(e.value);
    case 'Member':
      return `(. ${sexp(e.object)} ${e.property.value})`;
    case 'Index':
      return `([] ${sexp(e.object)} ${sexp(e.index)})`;
    case 'Call':
      return `(${e.callee.value} ${e.args.map(sexp).join(' ')})`;
    default:
      return e.kind;
  }
};

describe('expression precedence, loosest first: if, ??, or, and, not, comparisons, + -, * / %, unary -', () => {
  it.each([
    ['a or b and c', '(or a (and b c))'],
    ['a ?? b or c', '(?? a (or b c))'],
    ['not a == b', '(not (== a b))'],
    ['not a and b', '(and (not a) b)'],
    ['a + b * c', '(+ a (* b c))'],
    ['a - b - c', '(- (- a b) c)'],
    ['-a.b * 2', '(* (- (. a b)) 2)'],
    ['a < b + 1', '(< a (+ b 1))'],
    ['if a then b else c ?? d', '(if a b (?? c d))'],
    ['(a or b) and c', '(and (or a b) c)'],
    ['f(x)[0].y', '(. ([] (f x) 0) y)'],
    ['a % b / c', '(/ (% a b) c)'],
  ])('%s', (src, expected) => {
    expect(sexp(exprOf(src))).toBe(expected);
  });
});

describe('ranges', () => {
  it('every node of the seed one-liner carries its exact source range', () => {
    const text = VALID[0].text;
    const p = parse(text).program.flows[0].pipeline!;
    const slice = (r: { start: { offset: number }; end: { offset: number } }) => text.slice(r.start.offset, r.end.offset);
    expect(slice(p.source!.action.range)).toBe('pipedrive.persons');
    expect(slice(p.source!.where[0].range)).toBe('limit = 10');
    expect(slice(p.source!.since!.range)).toBe('~{CreatedDate}~');
    expect(slice((p.source!.since as A.Template).nameRange)).toBe('CreatedDate');
    expect(slice(p.steps[0].range)).toBe('map { name: name }');
    expect(slice(p.dest!.range)).toBe('dest file.jsonl with path = "out/p.jsonl"');
    const at = text.indexOf('dest');
    expect(p.dest!.range.start).toEqual({ line: 1, column: at + 1, offset: at });
  });

  it('templates in both spellings', () => {
    const a = parse('source a.b since ~<CreatedDate>~ -> dest stdout').program.flows[0].pipeline!.source!.since as A.Template;
    expect(a).toMatchObject({ kind: 'Template', name: 'CreatedDate' });
  });

  it('an action named `flow` in a setting does not start a block, whatever comes on the next line', () => {
    const r = parse('flow a {\n  on reject flow\n  id "a"\n  source flow -> dest b.c\n}\n\nflow d {\n  source e.f -> dest b.c\n}\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.program.flows.map((f) => [f.name?.value, f.settings.map((x) => x.kind)])).toEqual([
      ['a', ['OnReject', 'FlowId']],
      ['d', []],
    ]);
    expect(r.program.flows[0].settings[0]).toMatchObject({ kind: 'OnReject', action: { name: 'flow' } });
  });

  it('a broken file still yields a partial tree', () => {
    const r = parse('flow a {\n  source pipedrive.persons where limit = -> map { x: } -> dest stdout\n}\nflow b { source q.r -> dest stdout }');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.program.flows.map((f) => f.name?.value)).toEqual(['a', 'b']);
    expect(r.program.flows[0].pipeline?.source?.action.name).toBe('pipedrive.persons');
    expect(r.program.flows[1].pipeline?.dest?.action.name).toBe('stdout');
  });
});
