// Semantic tokens, from the lexer's tokens (so broken text is colored too) with the roles the
// syntax tree gives names: an app and an action, a field, a map key, an option, a function call.
// A keyword used as a name (`map { source: 1 }`) is colored as the name it is.
import type { IToken } from 'chevrotain';
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from 'vscode-languageserver';
import type * as A from '../language/ast.js';
import { walk } from '../language/printer.js';
import * as T from '../language/tokens.js';
import type { Analysis, Unit } from './document-cache.js';

export const TOKEN_TYPES = ['keyword', 'namespace', 'method', 'function', 'property', 'parameter', 'variable', 'string', 'number', 'macro', 'operator', 'comment', 'type', 'class'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'defaultLibrary'] as const;
export type TokenTypeName = (typeof TOKEN_TYPES)[number];
export type TokenModifierName = (typeof TOKEN_MODIFIERS)[number];

export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

interface Role {
  type: TokenTypeName;
  modifiers?: TokenModifierName[];
}

const OPERATOR_TOKENS = new Set([T.Arrow, T.Ellipsis, T.Coalesce, T.EqEq, T.NotEq, T.LtEq, T.GtEq, T.Lt, T.Gt, T.Equals, T.Plus, T.Minus, T.Star, T.Slash, T.Percent, T.Question]);
const KEYWORDS = new Set(T.keywords);

/** A decoded token, for tests and the full encoding. */
export interface SemanticToken {
  line: number;
  character: number;
  length: number;
  type: TokenTypeName;
  modifiers: TokenModifierName[];
}

export function semanticTokens(a: Analysis): SemanticTokens {
  const builder = new SemanticTokensBuilder();
  for (const t of tokensOf(a)) {
    const mods = t.modifiers.reduce((m, x) => m | (1 << TOKEN_MODIFIERS.indexOf(x)), 0);
    builder.push(t.line, t.character, t.length, TOKEN_TYPES.indexOf(t.type), mods);
  }
  return builder.build();
}

/** Every token with its role, in document order. */
export function tokensOf(a: Analysis): SemanticToken[] {
  const out: SemanticToken[] = [];
  for (const u of a.units) {
    const roles = rolesOf(u);
    const { tokens, comments } = u.lexed();
    // Comments are a separate group of the lexer: merge them back in order.
    let c = 0;
    const emit = (t: IToken, role: Role) => {
      const p = a.doc.positionAt(u.offset + t.startOffset);
      out.push({ line: p.line, character: p.character, length: t.endOffset! - t.startOffset + 1, type: role.type, modifiers: role.modifiers ?? [] });
    };
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      while (c < comments.length && comments[c].startOffset < t.startOffset) emit(comments[c++], { type: 'comment' });
      const role = roles.get(t.startOffset) ?? fallback(t, tokens[i - 1]);
      if (role) emit(t, role);
    }
    while (c < comments.length) emit(comments[c++], { type: 'comment' });
  }
  return out;
}

function fallback(t: IToken, prev: IToken | undefined): Role | undefined {
  const type = t.tokenType;
  if (type === T.StringLiteral) return { type: 'string' };
  if (type === T.NumberLiteral) return { type: 'number' };
  if (type === T.Template) return { type: 'macro' };
  if (OPERATOR_TOKENS.has(type)) return { type: 'operator' };
  if (KEYWORDS.has(type)) return { type: 'keyword' };
  if (type === T.Identifier) {
    // The unit of `every 15m` reads as part of the number.
    if (prev?.tokenType === T.NumberLiteral && prev.endOffset! + 1 === t.startOffset) return { type: 'number' };
    return { type: 'variable' };
  }
  // Braces, parentheses, commas, dots: left to the TextMate grammar.
  return undefined;
}

/** Roles of the names the syntax tree knows, by local start offset. */
function rolesOf(u: Unit): Map<number, Role> {
  const roles = new Map<number, Role>();
  const set = (n: { range: { start: { offset: number }; end: { offset: number } } } | null | undefined, role: Role) => {
    if (n && n.range.end.offset > n.range.start.offset) roles.set(n.range.start.offset, role);
  };
  walk(u.program, (n: A.Node) => {
    switch (n.kind) {
      case 'Flow':
        set(n.name, { type: 'class', modifiers: ['declaration'] });
        break;
      case 'Var':
        // `var` is a keyword only at the start of a declaration (the lexer sees an identifier).
        roles.set(n.range.start.offset, { type: 'keyword' });
        set(n.name, { type: 'variable', modifiers: ['declaration'] });
        break;
      case 'ActionRef': {
        // `stdout` names an app's default action; `pipedrive.` (being typed) is still the app.
        const appOnly = n.parts.length === 1 && u.text[n.parts[0].range.end.offset] === '.';
        n.parts.forEach((p, i) => set(p, i === 0 && (n.parts.length > 1 || appOnly) ? { type: 'namespace' } : { type: 'method' }));
        break;
      }
      case 'Option':
        set(n.key, { type: 'parameter' });
        break;
      case 'Condition':
        for (const k of n.key) set(k, { type: 'parameter' });
        break;
      case 'FieldEntry':
        if (n.key.kind === 'Name') set(n.key, { type: 'property', modifiers: ['declaration'] });
        break;
      case 'Lookup':
        set(n.name, { type: 'variable', modifiers: ['declaration'] });
        break;
      case 'Call':
        set(n.callee, { type: 'function', modifiers: ['defaultLibrary'] });
        break;
      case 'FieldRef':
        set(n, { type: 'property' });
        break;
      case 'Member':
        set(n.property, { type: 'property' });
        break;
      case 'NamedType':
        set(n.name, { type: 'type' });
        break;
      case 'RecordType':
        for (const f of n.fields) if (f.key.kind === 'Name') set(f.key, { type: 'property', modifiers: ['declaration'] });
        break;
      case 'Object':
        for (const e of n.entries) if (e.key.kind === 'Name') set(e.key, { type: 'property' });
        break;
      default:
        break;
    }
  });
  return roles;
}
