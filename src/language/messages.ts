// Syntax errors in an author's words. chevrotain reports which token types it expected; this
// module turns them into "expected `->` or a step after `map { ... }`, found `dest`".
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens.js';

const STEP_KEYWORDS = new Set(['map', 'filter', 'lookup', 'dedupe', 'take', 'dest']);

/** How a token type is named in a message. */
export function describeTokenType(t: TokenType): string {
  if (t === EOF) return 'the end of the file';
  if (t === T.Identifier || t === T.AnyName) return 'a name';
  if (t === T.StringLiteral) return 'a string';
  if (t === T.NumberLiteral) return 'a number';
  if (t === T.Template) return 'a template such as `~{CreatedDate}~`';
  const label = t.LABEL ?? (typeof t.PATTERN === 'string' ? t.PATTERN : t.PATTERN instanceof RegExp ? t.PATTERN.source : t.name);
  return `\`${label}\``;
}

/** How the token actually found is named: its text, or "the end of the file". */
export function describeToken(tok: IToken): string {
  if (tok.tokenType === EOF) return 'the end of the file';
  const image = tok.image.length > 24 ? `${tok.image.slice(0, 21)}...` : tok.image;
  return `\`${image}\``;
}

/** Groups of expected tokens that read better as one phrase. */
function summarise(types: TokenType[]): string[] {
  const names = new Set(types.map((t) => t.name));
  const phrases: string[] = [];
  const stepTypes = [T.Map, T.Filter, T.Lookup, T.Dedupe, T.Take, T.Dest];
  const valueTypes = [T.StringLiteral, T.NumberLiteral, T.True, T.False, T.Null, T.Template, T.LBracket, T.LParen, T.Identifier];
  const compareTypes = [T.EqEq, T.NotEq, T.Lt, T.LtEq, T.Gt, T.GtEq];
  const taken = new Set<string>();
  if (stepTypes.every((t) => names.has(t.name))) {
    phrases.push('a step (`map`, `filter`, `lookup`, `dedupe by`, `take` or `dest`)');
    stepTypes.forEach((t) => taken.add(t.name));
  }
  if (valueTypes.filter((t) => names.has(t.name)).length >= 5) {
    phrases.push('a value (a field, a string, a number, a template, ...)');
    [...valueTypes, T.LCurly, T.Minus, T.Not, T.If].forEach((t) => taken.add(t.name));
  }
  if (compareTypes.every((t) => names.has(t.name)) && names.has(T.Equals.name) && names.has(T.In.name)) {
    phrases.push('an operator (`=`, `!=`, `<`, `<=`, `>`, `>=`, `in` or `contains`)');
    [...compareTypes, T.Equals, T.In, T.Contains].forEach((t) => taken.add(t.name));
  }
  for (const t of types) {
    if (taken.has(t.name)) continue;
    taken.add(t.name);
    phrases.push(describeTokenType(t));
  }
  return phrases;
}

export function orList(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * Where the parser was, in words: "after `map { ... }`", "after `where`". Needs the token vector to
 * look back from a closing brace to the step it closes.
 */
export class Context {
  tokens: IToken[] = [];

  after(prev: IToken | undefined): string {
    if (!prev || prev.tokenType === EOF || Number.isNaN(prev.startOffset)) return '';
    if (prev.tokenType === T.RCurly) {
      const opener = this.openerOf(prev);
      if (opener) return ` after \`${opener} { ... }\``;
    }
    return ` after ${describeToken(prev)}`;
  }

  private openerOf(close: IToken): string | undefined {
    const idx = this.tokens.indexOf(close);
    let depth = 0;
    for (let i = idx; i >= 0; i--) {
      const t = this.tokens[i].tokenType;
      if (t === T.RCurly) depth++;
      else if (t === T.LCurly && --depth === 0) {
        const before = this.tokens[i - 1];
        if (!before) return undefined;
        if (before.tokenType === T.Map) return 'map';
        if (before.tokenType === T.As) return 'as';
        if (before.tokenType === T.Identifier && this.tokens[i - 2]?.tokenType === T.Flow) return `flow ${before.image}`;
        return undefined;
      }
    }
    return undefined;
  }
}

const RULE_PHRASES: Record<string, string> = {
  actionRef: 'an action such as `pipedrive.persons`',
  step: 'a step (`map`, `filter`, `lookup`, `dedupe by`, `take` or `dest`)',
  setting: '`schedule` or `on reject`',
  mapEntry: 'a field such as `name: name`, or `...`',
  typeExpr: 'a type such as `string`, `integer` or `{ ... }`',
};

export function messageProvider(ctx: Context): IParserErrorMessageProvider {
  return {
    buildMismatchTokenMessage({ expected, actual, previous }) {
      if (expected === EOF) return this.buildNotAllInputParsedMessage({ firstRedundant: actual, ruleName: 'file' });
      if (expected === T.Arrow && STEP_KEYWORDS.has(actual.image)) {
        return `expected \`->\` before \`${actual.image}\`${ctx.after(previous)}`;
      }
      return `expected ${describeTokenType(expected)}${ctx.after(previous)}, found ${describeToken(actual)}`;
    },
    buildNotAllInputParsedMessage({ firstRedundant }) {
      const prev = ctx.tokens[ctx.tokens.indexOf(firstRedundant) - 1];
      if (firstRedundant.tokenType === T.RCurly) return `unexpected \`}\`${ctx.after(prev)}: there is no \`{\` for it to close`;
      return `unexpected ${describeToken(firstRedundant)}${ctx.after(prev)}: expected \`->\` and a step, the end of the flow, or another flow`;
    },
    buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, ruleName }) {
      const firsts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0])).filter((t): t is TokenType => t !== undefined);
      const what = RULE_PHRASES[ruleName] ?? orList(summarise(firsts));
      return `expected ${what}${ctx.after(previous)}, found ${describeToken(actual[0])}`;
    },
    buildEarlyExitMessage({ expectedIterationPaths, actual, previous, ruleName }) {
      const firsts = expectedIterationPaths.map((path) => path[0]).filter((t): t is TokenType => t !== undefined);
      const what = RULE_PHRASES[ruleName] ?? orList(summarise(firsts));
      return `expected ${what}${ctx.after(previous)}, found ${describeToken(actual[0])}`;
    },
  };
}
