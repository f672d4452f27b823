// Completion. Where the cursor is comes from the tokens before it, not the syntax tree: the text
// being typed is almost always broken, and the tokens are all there even when the parser gave up.
// What to offer comes from the checker's analysis of the same version: the resolved actions (for
// options and `where` keys) and the record type flowing into each step (for fields).
import { tokenMatcher, type IToken, type TokenType } from 'chevrotain';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver';
import { loadRegistry } from '../apps/index.js';
import { BUILTIN_TEMPLATES, type ParamInfo, type Role } from '../check/env.js';
import { TYPE_NAMES, fieldType, memberType, type FlowModel } from '../check/model.js';
import type { ResolvedRef } from '../check/plan-types.js';
import { ANY, nonNull, openRecord, show, type Field, type RecordType, type Type } from '../check/types.js';
import { isBareFieldName, printExpr } from '../language/printer.js';
import * as T from '../language/tokens.js';
import type { Analysis, Unit } from './document-cache.js';
import { locate, offsetsToRange, tokenIndexBefore } from './position.js';

export interface CompletionOptions {
  /** The client takes snippets (`lower($1)`); otherwise plain text is inserted. */
  snippets?: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OPERATORS = [T.And, T.Or, T.Coalesce, T.EqEq, T.NotEq, T.LtEq, T.GtEq, T.Lt, T.Gt, T.Equals, T.Plus, T.Minus, T.Star, T.Slash, T.Percent];
const CONDITION_OPS = [T.Equals, T.NotEq, T.LtEq, T.GtEq, T.Lt, T.Gt, T.In, T.Contains, T.EqEq];
/** Tokens after which an expression needs an operand (a field, a call, a literal). */
const OPERAND_BEFORE = new Set<TokenType>([...OPERATORS, T.LParen, T.LBracket, T.LCurly, T.Comma, T.Colon, T.Not, T.If, T.Then, T.Else, T.Filter, T.By, T.Take, T.In, T.Contains, T.Question]);
const CLAUSE_KEYWORDS = new Set<TokenType>([T.Flow, T.Schedule, T.On, T.Reject, T.Source, T.Dest, T.Lookup, T.With, T.Where, T.Since, T.As, T.Map, T.Filter, T.Dedupe, T.Take, T.Arrow]);
const STEP_KEYWORDS = new Set<TokenType>([T.Source, T.Map, T.Filter, T.Lookup, T.Dedupe, T.Take, T.Dest, T.Reject]);
const OPENERS = new Set<TokenType>([T.LCurly, T.LParen, T.LBracket]);
const CLOSERS = new Set<TokenType>([T.RCurly, T.RParen, T.RBracket]);
const UNTYPED: RecordType = openRecord();

const STEP_DOCS: Record<string, string> = {
  map: 'map { FIELD: EXPR, ... }: builds a new record; `...` first copies every field of the input',
  filter: 'filter EXPR: keeps the records for which EXPR is true',
  lookup: 'lookup NAME = APP.ACTION where KEY = EXPR: adds the first result of a read action as field NAME (or null)',
  dedupe: 'dedupe by EXPR: drops records whose EXPR was seen before in this run',
  take: 'take N: stops after N records',
  dest: 'dest APP.ACTION [with ...]: where the records go (the last step)',
  tee: 'tee { dest ..., dest ... }: every record goes to each destination; the watermark moves once all have accepted it (the last step)',
};

export function completion(a: Analysis, pos: Position, options: CompletionOptions = {}): CompletionItem[] {
  const { unit, local } = locate(a, pos);
  return new Completer(a, unit, local, options).items();
}

class Completer {
  private readonly tokens: IToken[];
  /** Tokens before the word being typed. */
  private before: IToken[] = [];
  /** Where the word being typed starts (the cursor when none): the start of every replaced range. */
  private wordStart: number;

  constructor(
    private readonly a: Analysis,
    private readonly unit: Unit,
    /** The cursor, as an offset in the unit. */
    private readonly off: number,
    private readonly options: CompletionOptions,
  ) {
    this.tokens = unit.lexed().tokens;
    this.wordStart = off;
  }

  items(): CompletionItem[] {
    const { tokens, off } = this;
    for (const c of this.unit.lexed().comments) if (c.startOffset < off && off <= c.endOffset! + 1) return [];
    const i = tokenIndexBefore(tokens, off);
    const t = tokens[i];
    if (t && off <= t.endOffset! + 1) {
      if (t.tokenType === T.Template) return this.templateNames(t);
      if (tokenMatcher(t, T.AnyName)) {
        this.wordStart = t.startOffset;
        this.before = tokens.slice(0, i);
      } else if (off <= t.endOffset! || t.tokenType === T.StringLiteral || t.tokenType === T.NumberLiteral) {
        // Inside an operator or right after a literal: nothing to offer.
        return [];
      } else this.before = tokens.slice(0, i + 1);
    } else this.before = tokens.slice(0, i + 1);
    if (this.unit.text[off - 1] === '~' && (!t || t.endOffset! < off - 1)) return this.templateSnippets(off - 1);
    return this.classify();
  }

  // ---- where the cursor is

  private tok(j: number): IToken | undefined {
    return this.before[j];
  }

  /** Whether before[j] is `type` used as a keyword (not a name: `a.where`, `map { source: 1 }`, `lookup take = ...`). */
  private kw(j: number, ...types: TokenType[]): boolean {
    const t = this.before[j];
    if (!t || !types.includes(t.tokenType)) return false;
    const p = this.before[j - 1];
    if (p && (p.tokenType === T.Dot || (p.tokenType === T.Lookup && t.tokenType !== T.Lookup))) return false;
    const nx = this.before[j + 1];
    return !(nx && nx.tokenType === T.Colon);
  }

  private isName(j: number): boolean {
    const t = this.before[j];
    return t !== undefined && tokenMatcher(t, T.AnyName);
  }

  private classify(): CompletionItem[] {
    // In `tee { ... }`: `dest` starts the block and follows each comma (which may also separate
    // the `with` options of the destination before it).
    const open = this.openTee();
    const last = this.before.length - 1;
    if (open !== undefined && last === open) return this.keywords(['dest']);
    if (open !== undefined && this.before[last]?.tokenType === T.Comma) {
      const rest = this.classifyClause().filter((i) => i.label !== 'dest');
      return [...this.keywords(['dest']), ...rest];
    }
    return this.classifyClause();
  }

  /** The `{` of the `tee { ... }` the cursor is directly in, if it is in one. */
  private openTee(): number | undefined {
    let depth = 0;
    for (let j = this.before.length - 1; j >= 0; j--) {
      const t = this.before[j];
      if (CLOSERS.has(t.tokenType)) depth++;
      else if (OPENERS.has(t.tokenType)) {
        if (depth-- > 0) continue;
        const prev = this.before[j - 1];
        return t.tokenType === T.LCurly && prev?.tokenType === T.Identifier && prev.image === 'tee' ? j : undefined;
      }
    }
    return undefined;
  }

  private classifyClause(): CompletionItem[] {
    const n = this.before.length;
    const last = n - 1;
    const lt = this.tok(last);
    if (!lt) return this.topLevel(this.unit.offset === 0);
    if (lt.tokenType === T.Dot) return this.afterDot(last);
    if (this.kw(last, T.Source)) return this.apps('read');
    if (this.kw(last, T.Dest, T.Reject)) return this.apps('write');
    if (lt.tokenType === T.Equals && this.isName(last - 1) && this.kw(last - 2, T.Lookup)) return this.apps('read');
    if (lt.tokenType === T.Arrow) return this.stepKeywords();
    if (this.kw(last, T.Schedule)) return this.keywords(['every', 'cron']);
    if (this.kw(last, T.On)) return this.keywords(['reject']);
    if (this.kw(last, T.Dedupe)) return this.keywords(['by']);

    // The innermost bracket the cursor is in, or the clause it belongs to, whichever is nearer.
    let depth = 0;
    for (let j = last; j >= 0; j--) {
      const t = this.before[j];
      if (CLOSERS.has(t.tokenType)) depth++;
      else if (OPENERS.has(t.tokenType)) {
        if (depth === 0) return this.inBracket(j);
        depth--;
      } else if (depth === 0 && (t.tokenType === T.Arrow || this.kw(j, ...CLAUSE_KEYWORDS))) return this.inClause(j);
    }
    return this.topLevel(this.unit.offset === 0 && this.unit.program.flows.every((f) => f.name === null));
  }

  private topLevel(fileStart: boolean): CompletionItem[] {
    const last = this.tok(this.before.length - 1);
    if (last && last.tokenType !== T.RCurly) return [];
    const items = this.keywords(fileStart ? ['flow', 'source'] : ['flow']);
    if (this.options.snippets) {
      items.push({
        label: 'flow block',
        kind: CompletionItemKind.Snippet,
        detail: 'flow NAME { source ... -> dest ... }',
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range: this.range(), newText: 'flow ${1:name} {\n  source ${2:app.action}\n    -> dest ${3:stdout}\n}' },
        sortText: '1',
      });
    }
    return items;
  }

  /** The cursor is inside `{`, `(` or `[` at before[j]. */
  private inBracket(j: number): CompletionItem[] {
    const open = this.before[j];
    const last = this.before.length - 1;
    const lt = this.before[last];
    if (open.tokenType === T.LCurly) {
      // `tee { dest ..., dest ... }`: a destination starts each entry.
      if (this.before[j - 1]?.image === 'tee' && this.before[j - 1].tokenType === T.Identifier) return last === j || lt.tokenType === T.Comma ? this.keywords(['dest']) : [];
      if (this.kw(j - 1, T.Map)) {
        const keyPosition = last === j || lt.tokenType === T.Comma;
        return keyPosition ? this.mapKeys(j) : this.expression(j - 1);
      }
      if (this.inTypeBraces(j)) return lt.tokenType === T.Colon || lt.tokenType === T.LBracket ? this.typeNames() : [];
      // `flow NAME {`: the settings and the pipeline of a block.
      if ((this.isName(j - 1) && this.kw(j - 2, T.Flow)) || this.kw(j - 1, T.Flow)) return last === j ? this.blockStart() : [];
      // An object literal: keys are free; values are expressions.
      return last === j || lt.tokenType === T.Comma ? [] : this.expression(this.stepHead(j));
    }
    if (open.tokenType === T.LBracket && this.inTypeBraces(j)) return this.typeNames();
    return this.expression(this.stepHead(j));
  }

  /** Whether the bracket at before[j] is part of an `as { ... }` record type. */
  private inTypeBraces(j: number): boolean {
    let depth = 0;
    for (let k = j; k >= 0; k--) {
      const t = this.before[k];
      if (CLOSERS.has(t.tokenType)) depth++;
      else if (OPENERS.has(t.tokenType)) {
        if (depth > 0) depth--;
        else if (t.tokenType === T.LCurly && this.kw(k - 1, T.As)) return true;
      } else if (depth === 0 && k < j && this.kw(k, ...CLAUSE_KEYWORDS)) return false;
    }
    return false;
  }

  /** The cursor is in the clause that starts at before[j] (a keyword, or `->`). */
  private inClause(j: number): CompletionItem[] {
    const last = this.before.length - 1;
    const head = this.before[j];
    const lt = this.before[last];
    switch (head.tokenType) {
      case T.Flow:
        return lt.tokenType === T.RCurly ? this.topLevel(false) : [];
      case T.Source:
      case T.Dest:
      case T.Reject:
      case T.Lookup:
        return this.afterAction(j);
      case T.With:
        return this.withClause(j);
      case T.Where:
        return this.whereClause(j);
      case T.Since:
        return last === j ? this.templateSnippets() : [];
      case T.Schedule:
        // After `schedule every 15m` or `schedule cron "..."`: the rest of the block.
        return lt.tokenType === T.StringLiteral || (tokenMatcher(lt, T.AnyName) && this.tok(last - 1)?.tokenType === T.NumberLiteral) ? this.blockStart() : [];
      case T.Filter:
        return this.expression(j);
      case T.Dedupe:
        return this.kw(last, T.By) || last > j + 1 ? this.expression(j) : [];
      default:
        return [];
    }
  }

  /** After `source APP.ACTION` and the like: the clauses that may follow. */
  private afterAction(j: number): CompletionItem[] {
    const head = this.before[j];
    const last = this.before.length - 1;
    const lt = this.before[last];
    // Still naming the lookup (`lookup NAME =`) or between its parts.
    if (head.tokenType === T.Lookup && last < j + 3) return [];
    if (!tokenMatcher(lt, T.AnyName)) return [];
    switch (head.tokenType) {
      case T.Source: {
        const action = this.actionOf(j)?.action;
        return this.keywords(action && !action.declaresRecordType ? ['with', 'where', 'since'] : ['with', 'as', 'where', 'since']);
      }
      case T.Lookup:
        return this.keywords(['with', 'where']);
      case T.Reject:
        return [...this.keywords(['with']), ...this.blockStart().map((i) => ({ ...i, sortText: `1${i.sortText ?? ''}` }))];
      default:
        return this.keywords(['with']);
    }
  }

  /** `with KEY = VALUE, ...` of the clause before it. */
  private withClause(j: number): CompletionItem[] {
    const owner = this.ownerOf(j);
    if (owner === undefined) return [];
    const ref = this.actionOf(owner);
    const last = this.before.length - 1;
    const lt = this.before[last];
    if (last === j || lt.tokenType === T.Comma) {
      const given = new Set<string>();
      for (let k = j + 1; k < this.before.length; k++) if (this.before[k + 1]?.tokenType === T.Equals && this.isName(k)) given.add(this.before[k].image);
      const options = [...(ref?.action?.options.values() ?? [])].filter((o) => !given.has(o.name));
      return options.map((o, i) => this.paramItem(o, `${o.required ? 'required option' : 'option'}`, i, `${o.name} = `));
    }
    if (lt.tokenType === T.Equals && this.isName(last - 1)) {
      const spec = ref?.action?.options.get(this.before[last - 1].image);
      return spec ? this.valuesOf(spec.type) : [];
    }
    const ownerType = this.before[owner].tokenType;
    if (tokenMatcher(lt, T.AnyName) || lt.tokenType === T.StringLiteral || lt.tokenType === T.NumberLiteral || lt.tokenType === T.Template || CLOSERS.has(lt.tokenType)) {
      if (ownerType === T.Source) return this.keywords(ref?.action && !ref.action.declaresRecordType ? ['where', 'since'] : ['as', 'where', 'since']);
      if (ownerType === T.Lookup) return this.keywords(['where']);
      if (ownerType === T.Reject) return this.blockStart();
    }
    return [];
  }

  /** `where KEY OP VALUE and ...` of a source or lookup. */
  private whereClause(j: number): CompletionItem[] {
    const owner = this.ownerOf(j);
    if (owner === undefined) return [];
    const isLookup = this.before[owner].tokenType === T.Lookup;
    const ref = this.actionOf(owner);
    const action = ref?.action;
    const record = isLookup ? UNTYPED : this.sourceRecord();
    const last = this.before.length - 1;
    const lt = this.before[last];
    if (last === j || this.kw(last, T.And)) {
      const items: CompletionItem[] = [];
      let i = 0;
      for (const p of action?.pathParams.values() ?? []) items.push(this.paramItem(p, 'sent to the API in the path', i++));
      for (const p of action?.params.values() ?? []) {
        items.push(this.paramItem(p, p.kind === 'limit' ? 'how many records to fetch in total' : 'sent to the API', i++));
      }
      if (!isLookup) {
        for (const [name, f] of record.fields) {
          if (action?.params.has(name) || action?.pathParams.has(name) || !IDENT.test(name)) continue;
          items.push(this.fieldItem(name, f, name, `${show(f.type)} · a field: applied by the engine after fetching`, `2${name}`));
        }
      }
      return items;
    }
    // After the key: the operators (a dotted key `owner_id.value` too).
    if (tokenMatcher(lt, T.AnyName) && (this.kw(last - 1, T.Where, T.And) || this.tok(last - 1)?.tokenType === T.Dot)) {
      const key = this.before[last].image;
      const isParam = !!(action?.params.has(key) || action?.pathParams.has(key));
      return isParam
        ? [this.operatorItem('=', 'an API parameter only takes `=`')]
        : ['=', '!=', '<', '<=', '>', '>=', 'in', 'contains'].map((op) => this.operatorItem(op, 'applied by the engine'));
    }
    if (CONDITION_OPS.includes(lt.tokenType) && this.isName(last - 1)) {
      const key = this.before[last - 1].image;
      const p = action?.params.get(key) ?? action?.pathParams.get(key);
      const values = this.valuesOf(p?.type ?? fieldType(record, key) ?? ANY);
      // A lookup's values are computed from the record flowing in; a source's are constants.
      return isLookup ? [...values, ...this.expression(owner)] : [...values, ...this.templateSnippets()];
    }
    if (OPERATORS.includes(lt.tokenType)) return isLookup ? this.expression(owner) : this.templateSnippets();
    return this.keywords(isLookup ? ['and'] : ['and', 'since']);
  }

  /** The source, dest, lookup or `on reject` whose `with`/`where` starts at before[j]. */
  private ownerOf(j: number): number | undefined {
    for (let k = j - 1; k >= 0; k--) {
      if (this.kw(k, T.Source, T.Dest, T.Lookup, T.Reject)) return k;
      if (this.before[k].tokenType === T.Arrow || this.kw(k, T.Flow)) return undefined;
    }
    return undefined;
  }

  // ---- after a dot: an action name, or a field of a record

  private afterDot(last: number): CompletionItem[] {
    const chain: string[] = [];
    let j = last;
    while (j >= 0 && this.before[j].tokenType === T.Dot) {
      let k = j - 1;
      while (k >= 0 && this.before[k].tokenType === T.RBracket) {
        k = this.matchingOpen(k) - 1;
        chain.unshift('[]');
      }
      if (k < 0 || !this.isName(k)) return [];
      chain.unshift(this.before[k].image);
      j = k - 1;
    }
    const first = j + 1;
    const role = this.actionRole(j);
    if (role && !chain.includes('[]')) return this.actions(chain[0], role, this.before[first + 1].startOffset + 1);
    // A dotted `where` key of the source (`owner_id.value`) is a path into the source's records.
    const step = this.stepHead(first);
    const inSourceWhere = this.kw(j, T.Where, T.And) && this.tok(step)?.tokenType === T.Source;
    let t: Type = fieldType(inSourceWhere ? this.sourceRecord() : this.scope(step), chain[0]) ?? ANY;
    for (const part of chain.slice(1)) {
      const base = nonNull(t);
      t = part === '[]' ? (base.kind === 'list' ? base.element : ANY) : memberType(t, part);
    }
    return this.fieldsOf(t, false);
  }

  /** Whether a name at before[j + 1] starts an action name: after `source`, `dest`, `on reject`, `lookup NAME =`. */
  private actionRole(j: number): Role | undefined {
    if (this.kw(j, T.Source)) return 'read';
    if (this.kw(j, T.Dest, T.Reject)) return 'write';
    if (this.tok(j)?.tokenType === T.Equals && this.isName(j - 1) && this.kw(j - 2, T.Lookup)) return 'read';
    return undefined;
  }

  private matchingOpen(k: number): number {
    let depth = 0;
    for (let i = k; i >= 0; i--) {
      const t = this.before[i].tokenType;
      if (CLOSERS.has(t)) depth++;
      else if (OPENERS.has(t) && --depth === 0) return i;
    }
    return 0;
  }

  // ---- the analysis behind the cursor

  /** The record the source yields (what its `where` fields refer to). */
  private sourceRecord(): RecordType {
    const f: FlowModel | undefined = this.unit.flowAt(this.off);
    return f?.source?.action?.record ?? this.sourceRecordFromTokens();
  }

  /** The nearest step keyword before before[j] (any depth): whose input record the expression sees. */
  private stepHead(j: number): number {
    for (let k = Math.min(j, this.before.length - 1); k >= 0; k--) if (this.kw(k, ...STEP_KEYWORDS)) return k;
    return -1;
  }

  /** The record an expression of the step at before[head] sees (its input), following the analysis. */
  private scope(head: number): RecordType {
    const kwTok = this.before[head];
    if (!kwTok) return UNTYPED;
    const f = this.unit.flowAt(kwTok.startOffset);
    const p = f?.flow.pipeline;
    // The source's own values (`with`, `where`, `since`) are constants, like on reject's options.
    if (kwTok.tokenType === T.Source || kwTok.tokenType === T.Reject) return UNTYPED;
    if (!f || !p) return this.sourceRecordFromTokens();
    for (const s of [...p.steps, ...(p.tee ? p.tee.dests : p.dest ? [p.dest] : [])]) {
      if (s.range.end.offset > kwTok.startOffset || s.range.start.offset >= kwTok.startOffset) return f.input.get(s) ?? UNTYPED;
    }
    return f.source ? f.output : this.sourceRecordFromTokens();
  }

  /** When the parser could not build the pipeline: the record of the source named in the tokens. */
  private sourceRecordFromTokens(): RecordType {
    for (let k = this.before.length - 1; k >= 0; k--) {
      if (!this.kw(k, T.Source)) continue;
      const parts: string[] = [];
      for (let m = k + 1; m < this.before.length && this.isName(m); m += 2) {
        parts.push(this.before[m].image);
        if (this.before[m + 1]?.tokenType !== T.Dot) break;
      }
      const [app, ...rest] = parts;
      return (app && this.a.env.apps().includes(app) ? this.a.env.action(app, rest.join('.'), 'read')?.record : undefined) ?? UNTYPED;
    }
    return UNTYPED;
  }

  /** The action named after the clause keyword at before[j], as the checker resolved it (else from the stdlib). */
  private actionOf(j: number): ResolvedRef | undefined {
    const head = this.before[j];
    const role: Role = head.tokenType === T.Source || head.tokenType === T.Lookup ? 'read' : 'write';
    const start = head.tokenType === T.Lookup ? j + 3 : j + 1;
    const firstName = this.before[start];
    if (!firstName || !this.isName(start)) return undefined;
    for (const f of this.unit.flows) {
      const refs = [f.source, f.dest, ...(f.tee ?? []), f.onReject, ...f.lookups.values()];
      const r = refs.find((x) => x?.ref.range.start.offset === firstName.startOffset);
      if (r) return r;
    }
    const parts: string[] = [];
    for (let m = start; m < this.before.length && this.isName(m); m += 2) {
      parts.push(this.before[m].image);
      if (this.before[m + 1]?.tokenType !== T.Dot) break;
    }
    const [app, ...rest] = parts;
    if (!app || !this.a.env.apps().includes(app)) return undefined;
    const action = this.a.env.action(app, rest.join('.'), role);
    return action ? { ref: { kind: 'ActionRef', parts: [], name: parts.join('.'), range: tokenSpan(firstName) }, role, action, app, actionName: rest.join('.') } : undefined;
  }

  // ---- items

  private range(from = this.wordStart) {
    return offsetsToRange(this.a.doc, this.unit.offset + from, this.unit.offset + this.off);
  }

  private keywords(words: string[]): CompletionItem[] {
    return words.map((w, i) => ({
      label: w,
      kind: CompletionItemKind.Keyword,
      textEdit: { range: this.range(), newText: w },
      sortText: `0${String(i).padStart(2, '0')}`,
    }));
  }

  private blockStart(): CompletionItem[] {
    const items = this.keywords(['source', 'schedule', 'on']);
    items[1].detail = 'schedule every 15m | schedule cron "*/15 * * * *"';
    items[2] = { ...items[2], label: 'on reject', detail: 'where refused records go', textEdit: { range: this.range(), newText: 'on reject ' } };
    return items;
  }

  private stepKeywords(): CompletionItem[] {
    return ['map', 'filter', 'lookup', 'dedupe', 'take', 'dest', 'tee'].map((w, i) => ({
      label: w === 'dedupe' ? 'dedupe by' : w,
      kind: CompletionItemKind.Keyword,
      detail: STEP_DOCS[w],
      filterText: w,
      textEdit: { range: this.range(), newText: w === 'dedupe' ? 'dedupe by ' : w === 'tee' ? 'tee { dest ' : w },
      sortText: `0${i}`,
    }));
  }

  private typeNames(): CompletionItem[] {
    return TYPE_NAMES.map((n) => ({ label: n, kind: CompletionItemKind.TypeParameter, textEdit: { range: this.range(), newText: n } }));
  }

  private apps(role: Role): CompletionItem[] {
    const env = this.a.env;
    const reg = safeRegistry();
    return env
      .apps()
      .filter((app) => env.actions(app).some((x) => x.roles.includes(role)))
      .map((app) => {
        const def = reg?.app(app);
        return {
          label: app,
          kind: CompletionItemKind.Module,
          ...(def ? { detail: def.title, documentation: { kind: MarkupKind.Markdown, value: def.help } } : {}),
          textEdit: { range: this.range(), newText: app },
        };
      });
  }

  /** Actions of `app` for `role`; the replaced text starts after `app.` (so `users.fi` is matched whole). */
  private actions(app: string, role: Role, from: number): CompletionItem[] {
    const env = this.a.env;
    if (!env.apps().includes(app)) return [];
    const out: CompletionItem[] = [];
    for (const x of env.actions(app)) {
      if (x.name === '' || !x.roles.includes(role)) continue;
      const info = env.action(app, x.name, role);
      const detail = info?.method ? `${info.method} ${info.path ?? ''}`.trim() : role === 'read' ? 'read' : 'write';
      out.push({
        label: x.name,
        kind: CompletionItemKind.Method,
        detail,
        ...(info?.help ? { documentation: { kind: MarkupKind.Markdown, value: info.help } } : {}),
        filterText: x.name,
        textEdit: { range: this.range(from), newText: x.name },
      });
    }
    return out;
  }

  private paramItem(p: ParamInfo, what: string, i: number, insert = p.name): CompletionItem {
    return {
      label: p.name,
      kind: CompletionItemKind.Property,
      detail: `${show(p.type)} · ${p.required ? `required, ${what}` : what}`,
      ...(p.help ? { documentation: { kind: MarkupKind.Markdown, value: p.help } } : {}),
      textEdit: { range: this.range(), newText: insert },
      filterText: p.name,
      sortText: `${p.required ? 0 : 1}${String(i).padStart(3, '0')}`,
    };
  }

  private operatorItem(op: string, detail: string): CompletionItem {
    return { label: op, kind: /^[a-z]/.test(op) ? CompletionItemKind.Keyword : CompletionItemKind.Operator, detail, textEdit: { range: this.range(), newText: `${op} ` } };
  }

  /** Values a parameter or field of type `t` takes, when they can be listed (enums, booleans). */
  private valuesOf(t: Type): CompletionItem[] {
    const n = nonNull(t);
    const values: string[] = [];
    if (n.kind === 'string' && n.enum) values.push(...n.enum.map((e) => JSON.stringify(e)));
    else if (n.kind === 'number' && n.enum) values.push(...n.enum.map(String));
    else if (n.kind === 'boolean') values.push('true', 'false');
    return values.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember, detail: show(t), textEdit: { range: this.range(), newText: v }, sortText: `0${v}` }));
  }

  private fieldItem(name: string, f: Field, insert: string, detail = show(f.type), sortText?: string): CompletionItem {
    const origin = this.unit.origin(f.origin);
    const doc = [f.help, origin ? `From ${origin}.` : undefined].filter(Boolean).join('\n\n');
    return {
      label: name,
      kind: CompletionItemKind.Field,
      detail,
      ...(doc ? { documentation: { kind: MarkupKind.Markdown, value: doc } } : {}),
      filterText: name,
      textEdit: { range: this.range(), newText: insert },
      ...(sortText ? { sortText } : {}),
    };
  }

  /** The fields of a record type (of each record of a union), as completions after a dot or bare. */
  private fieldsOf(t: Type, bare: boolean): CompletionItem[] {
    const base = nonNull(t);
    const records = base.kind === 'record' ? [base] : base.kind === 'union' ? base.types.filter((x): x is RecordType => x.kind === 'record') : [];
    const seen = new Set<string>();
    const out: CompletionItem[] = [];
    for (const r of records) {
      for (const [name, f] of r.fields) {
        if (seen.has(name) || !(bare ? isBareFieldName(name) : IDENT.test(name))) continue;
        seen.add(name);
        out.push(this.fieldItem(name, f, name, show(f.type), `0${name}`));
      }
    }
    return out;
  }

  private functions(): CompletionItem[] {
    const out: CompletionItem[] = [];
    for (const fn of this.a.env.functions.values()) {
      const params = fn.params.map((p, i) => `${p.name}${fn.variadic && i === fn.params.length - 1 ? '...' : ''}`).join(', ');
      out.push({
        label: fn.name,
        kind: CompletionItemKind.Function,
        detail: `${fn.name}(${params}): ${show(fn.returns)}`,
        documentation: { kind: MarkupKind.Markdown, value: fn.help },
        filterText: fn.name,
        ...(this.options.snippets
          ? { insertTextFormat: InsertTextFormat.Snippet, textEdit: { range: this.range(), newText: `${fn.name}($1)` } }
          : { textEdit: { range: this.range(), newText: `${fn.name}(` } }),
        sortText: `1${fn.name}`,
      });
    }
    return out;
  }

  /** In an expression of the step at before[head]: operands, or the operators that may follow one. */
  private expression(head: number): CompletionItem[] {
    const last = this.before.length - 1;
    const lt = this.before[last];
    const step = this.kw(head, ...STEP_KEYWORDS) ? head : this.stepHead(head);
    if (!OPERAND_BEFORE.has(lt.tokenType) && !this.kw(last, T.Where)) {
      return this.keywords(this.ifState(last) === 'then' ? ['then', 'and', 'or'] : this.ifState(last) === 'else' ? ['else', 'and', 'or'] : ['and', 'or']);
    }
    const items = [...this.fieldsOf(this.scope(step), true), ...this.functions()];
    items.push(...this.keywords(['if', 'not', 'true', 'false', 'null']).map((k) => ({ ...k, sortText: `2${k.label}` })));
    return items;
  }

  /** Inside `if ... then ... else`: which keyword the innermost open `if` waits for. */
  private ifState(last: number): 'then' | 'else' | undefined {
    const waiting: ('then' | 'else')[] = [];
    let depth = 0;
    for (let k = last; k >= 0; k--) {
      const t = this.before[k];
      if (CLOSERS.has(t.tokenType)) depth++;
      else if (OPENERS.has(t.tokenType)) {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0) {
        if (t.tokenType === T.Comma || t.tokenType === T.Colon || this.kw(k, ...CLAUSE_KEYWORDS)) break;
        if (t.tokenType === T.Else) waiting.push('else');
        else if (t.tokenType === T.Then) {
          if (waiting[waiting.length - 1] === 'else') waiting.pop();
          else waiting.push('then');
        } else if (t.tokenType === T.If) {
          const w = waiting.pop();
          if (w === undefined) return 'then';
          if (w === 'then') return 'else';
        }
      }
    }
    return undefined;
  }

  /**
   * Keys of `map {`: the fields a destination still needs when this is the last map before it
   * (required first), then the input record's fields as `name: name`.
   */
  private mapKeys(open: number): CompletionItem[] {
    const tokens = this.tokens;
    const present = new Set<string>();
    let spread = false;
    let depth = 0;
    for (let k = open + 1; k < tokens.length; k++) {
      const t = tokens[k];
      if (OPENERS.has(t.tokenType)) depth++;
      else if (CLOSERS.has(t.tokenType)) {
        if (depth === 0) break;
        depth--;
      } else if (t.tokenType === T.Arrow) break;
      else if (depth === 0) {
        if (t.tokenType === T.Ellipsis) spread = true;
        else if (tokens[k + 1]?.tokenType === T.Colon && (tokenMatcher(t, T.AnyName) || t.tokenType === T.StringLiteral) && t.startOffset !== this.wordStart) {
          present.add(t.tokenType === T.StringLiteral ? safeJson(t.image) : t.image);
        }
      }
    }
    const mapKw = this.before[open - 1];
    const input = this.scope(open - 1);
    if (spread) for (const k of input.fields.keys()) present.add(k);
    const items: CompletionItem[] = [];
    if (!spread && this.before.length - 1 === open) {
      items.push({ label: '...', kind: CompletionItemKind.Keyword, detail: 'copy every field of the input record', textEdit: { range: this.range(), newText: '..., ' }, sortText: '00' });
    }
    const f = this.unit.flowAt(mapKw.startOffset);
    const laterMap = f?.flow.pipeline?.steps.some((s) => s.kind === 'Map' && s.range.start.offset > mapKw.startOffset);
    const dest = f?.dest?.action;
    const offered = new Set<string>();
    if (dest?.input && !laterMap) {
      const oneOf = new Set((dest.input.requiredOneOf ?? []).flat());
      for (const [name, field] of dest.input.fields) {
        if (present.has(name)) continue;
        const q = dest.qualified;
        const need = field.required ? `required by ${q}` : oneOf.has(name) ? `${q} needs one of ${[...oneOf].join(', ')}` : `optional in ${q}`;
        const insert = `${keyText(name)}: ${input.fields.has(name) && isBareFieldName(name) ? name : ''}`;
        const item = this.fieldItem(name, field, insert, `${show(field.type)} · ${need}`, `${field.required ? 1 : oneOf.has(name) ? 2 : 3}${name}`);
        items.push(item);
        offered.add(name);
      }
    }
    for (const [name, field] of input.fields) {
      if (present.has(name) || offered.has(name) || !isBareFieldName(name)) continue;
      items.push(this.fieldItem(name, field, `${name}: ${name}`, `${show(field.type)} · from the input record`, `4${name}`));
    }
    return items;
  }

  // ---- templates

  /** Inside `~{...`: template names, replacing the name and closing the template if needed. */
  private templateNames(t: IToken): CompletionItem[] {
    const off = this.off;
    const nameStart = t.startOffset + 2;
    if (off < nameStart) return [];
    const image = t.image;
    const open = image[1];
    const close = open === '<' ? '>' : '}';
    const nameEnd = t.startOffset + 2 + image.slice(2).search(/[}>~]|$/);
    if (off > nameEnd) return [];
    const closed = image.slice(nameEnd - t.startOffset).startsWith(`${close}~`);
    return this.templateList().map(([name, help]) => ({
      label: name,
      kind: CompletionItemKind.Constant,
      detail: help,
      textEdit: { range: offsetsToRange(this.a.doc, this.unit.offset + nameStart, this.unit.offset + nameEnd), newText: closed ? name : `${name}${close}~` },
    }));
  }

  /** Whole templates (`~{CreatedDate}~`), replacing `~` when that is all that was typed. */
  private templateSnippets(from = this.wordStart): CompletionItem[] {
    return this.templateList().map(([name, help], i) => ({
      label: `~{${name}}~`,
      kind: CompletionItemKind.Constant,
      detail: help,
      filterText: `~{${name}}~`,
      textEdit: { range: this.range(from), newText: `~{${name}}~` },
      sortText: `5${i}`,
    }));
  }

  private templateList(): [string, string][] {
    const declared = [...this.unit.vars].map(([name, v]): [string, string] => [
      name,
      `var ${name}: ${show(v.type)}${v.decl.default ? ` = ${printExpr(v.decl.default)}` : ''}`,
    ]);
    const given = [...this.a.env.vars].filter((v) => !this.unit.vars.has(v)).map((v): [string, string] => [v, 'given with --var']);
    return [...Object.entries(BUILTIN_TEMPLATES), ...declared, ...given];
  }
}

function tokenSpan(t: IToken) {
  return {
    start: { line: t.startLine ?? 1, column: t.startColumn ?? 1, offset: t.startOffset },
    end: { line: t.endLine ?? 1, column: (t.endColumn ?? 0) + 1, offset: t.endOffset! + 1 },
  };
}

/** A map key as written: bare when it can be, quoted otherwise. */
const keyText = (name: string): string => (IDENT.test(name) ? name : JSON.stringify(name));

function safeJson(image: string): string {
  try {
    return JSON.parse(image) as string;
  } catch {
    return image.slice(1, -1);
  }
}

function safeRegistry() {
  try {
    return loadRegistry();
  } catch {
    return undefined;
  }
}
