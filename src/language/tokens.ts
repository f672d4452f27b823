// The vocabulary of the flow language. One lexer, built once at module load.
import { createToken, Lexer, type TokenType } from 'chevrotain';

/** Every token belongs to `AnyToken`, so a recovery rule can swallow whatever is in the way. */
export const AnyToken = createToken({ name: 'AnyToken', pattern: Lexer.NA });
/** Names: identifiers, and keywords used where only a name can stand (`map { source: x }`). */
export const AnyName = createToken({ name: 'AnyName', pattern: Lexer.NA });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED, line_breaks: true });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n\r]*/, group: 'comments' });

/** Categories of the operators, so that the grammar can take a whole chain in one rule. */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA });
export const ArithmeticOperator = createToken({ name: 'ArithmeticOperator', pattern: Lexer.NA, categories: [BinaryOperator] });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [AnyName, AnyToken] });

const keywordTokens: TokenType[] = [];
function keyword(word: string, categories: TokenType[] = []): TokenType {
  const t = createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [AnyName, AnyToken, ...categories],
  });
  keywordTokens.push(t);
  return t;
}

export const Flow = keyword('flow');
export const Source = keyword('source');
export const Dest = keyword('dest');
export const With = keyword('with');
export const Where = keyword('where');
export const Since = keyword('since');
export const As = keyword('as');
export const Map = keyword('map');
export const Filter = keyword('filter');
export const Lookup = keyword('lookup');
export const Dedupe = keyword('dedupe');
export const By = keyword('by');
export const Take = keyword('take');
export const Schedule = keyword('schedule');
export const Every = keyword('every');
export const Cron = keyword('cron');
export const On = keyword('on');
export const Reject = keyword('reject');
export const If = keyword('if');
export const Then = keyword('then');
export const Else = keyword('else');
export const And = keyword('and', [BinaryOperator]);
export const Or = keyword('or', [BinaryOperator]);
export const Not = keyword('not');
export const In = keyword('in');
export const Contains = keyword('contains');
export const True = keyword('true');
export const False = keyword('false');
export const Null = keyword('null');

const punct = (name: string, pattern: string | RegExp, label: string, categories: TokenType[] = []) =>
  createToken({ name, pattern, label, categories: [AnyToken, ...categories] });

/**
 * `~{Name}~` or `~<Name>~`. The pattern is lenient on purpose (an unclosed or misspelt template is
 * still one token), so that the AST builder can say exactly what is wrong with it.
 */
export const Template = punct('Template', /~[{<][^\n\r~}>]*[}>]?~?/, '~{Name}~');
/** Lenient too: a bad escape or a missing closing quote is reported by the AST builder. */
export const StringLiteral = punct('StringLiteral', /"(?:[^"\\\n\r]|\\[^\n\r])*"?/, 'a string');
export const NumberLiteral = punct('NumberLiteral', /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, 'a number');

export const Arrow = punct('Arrow', '->', '->');
export const Ellipsis = punct('Ellipsis', '...', '...');
export const Coalesce = punct('Coalesce', '??', '??', [BinaryOperator]);
export const EqEq = punct('EqEq', '==', '==', [BinaryOperator]);
export const NotEq = punct('NotEq', '!=', '!=', [BinaryOperator]);
export const LtEq = punct('LtEq', '<=', '<=', [BinaryOperator]);
export const GtEq = punct('GtEq', '>=', '>=', [BinaryOperator]);
export const Lt = punct('Lt', '<', '<', [BinaryOperator]);
export const Gt = punct('Gt', '>', '>', [BinaryOperator]);
export const Equals = punct('Equals', '=', '=', [BinaryOperator]);
export const Plus = punct('Plus', '+', '+', [ArithmeticOperator]);
export const Minus = punct('Minus', '-', '-', [ArithmeticOperator]);
export const Star = punct('Star', '*', '*', [ArithmeticOperator]);
export const Slash = punct('Slash', '/', '/', [ArithmeticOperator]);
export const Percent = punct('Percent', '%', '%', [ArithmeticOperator]);
export const Question = punct('Question', '?', '?');
export const LCurly = punct('LCurly', '{', '{');
export const RCurly = punct('RCurly', '}', '}');
export const LParen = punct('LParen', '(', '(');
export const RParen = punct('RParen', ')', ')');
export const LBracket = punct('LBracket', '[', '[');
export const RBracket = punct('RBracket', ']', ']');
export const Comma = punct('Comma', ',', ',');
export const Colon = punct('Colon', ':', ':');
export const Dot = punct('Dot', '.', '.');

export const keywords: readonly TokenType[] = keywordTokens;
export const keywordNames: ReadonlySet<string> = new Set(keywordTokens.map((t) => String(t.PATTERN).slice(1, -1)));

// Order matters: longer punctuation before its prefixes, templates before `~`-free tokens,
// keywords before Identifier (with longer_alt so that `mapping` stays an identifier).
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Template,
  StringLiteral,
  NumberLiteral,
  Arrow,
  Ellipsis,
  Coalesce,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Question,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Dot,
  ...keywordTokens,
  Identifier,
  AnyToken,
  AnyName,
  BinaryOperator,
  ArithmeticOperator,
];

export const FlowLexer = new Lexer(allTokens, {
  positionTracking: 'full',
  ensureOptimizations: false,
  // Validations cost start-up time; tests run them (test/language/grammar.test.ts).
  skipValidations: true,
});
