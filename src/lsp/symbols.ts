// Document symbols: each flow (a bare pipeline is named after its file) with its settings, source,
// steps and destination, for the outline and breadcrumbs.
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver';
import type { Range } from '../diagnostics.js';
import type * as A from '../language/ast.js';
import { printExpr } from '../language/printer.js';
import type { Analysis, Unit } from './document-cache.js';
import { unitRange } from './position.js';

const MAX = 48;
const cut = (s: string): string => (s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s);

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const [unit, f] of a.flows()) {
    const flow = f.flow;
    const children: DocumentSymbol[] = [];
    for (const s of flow.settings) children.push(symbol(a, unit, setting(s), SymbolKind.Property, s.range, s.kind === 'OnReject' ? s.action.range : s.range));
    const p = flow.pipeline;
    if (p?.source) children.push(symbol(a, unit, `source ${p.source.action.name}`, SymbolKind.Event, p.source.range, p.source.action.range));
    for (const s of p?.steps ?? []) children.push(symbol(a, unit, step(s), s.kind === 'Lookup' ? SymbolKind.Variable : SymbolKind.Function, s.range, s.kind === 'Lookup' ? s.name.range : s.range));
    for (const d of p?.tee ? p.tee.dests : p?.dest ? [p.dest] : []) children.push(symbol(a, unit, `dest ${d.action.name}`, SymbolKind.Event, d.range, d.action.range));
    const sym = symbol(a, unit, f.name, SymbolKind.Module, flow.range, flow.name?.range ?? p?.source?.range ?? flow.range);
    sym.detail = flow.name ? 'flow' : 'bare pipeline';
    // A child outside its parent's range is invalid LSP; recovery can leave one on a broken line.
    sym.children = children.filter((c) => inside(sym.range, c.range));
    out.push(sym);
  }
  return out;
}

/** For clients without hierarchical symbols: the same, flat, with the flow as container. */
export function symbolInformation(a: Analysis): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  for (const s of documentSymbols(a)) {
    out.push({ name: s.name, kind: s.kind, location: { uri: a.uri, range: s.range } });
    for (const c of s.children ?? []) out.push({ name: c.name, kind: c.kind, location: { uri: a.uri, range: c.range }, containerName: s.name });
  }
  return out;
}

function symbol(a: Analysis, unit: Unit, name: string, kind: SymbolKind, range: Range, selection: Range): DocumentSymbol {
  const r = unitRange(a, unit, range);
  const sel = unitRange(a, unit, selection);
  return { name: name.trim() === '' ? '?' : name, kind, range: r, selectionRange: inside(r, sel) ? sel : { start: r.start, end: r.start } };
}

type LspRange = DocumentSymbol['range'];
const before = (p: LspRange['start'], q: LspRange['start']): boolean => p.line < q.line || (p.line === q.line && p.character <= q.character);
const inside = (outer: LspRange, inner: LspRange): boolean => before(outer.start, inner.start) && before(inner.end, outer.end);

function setting(s: A.Setting): string {
  switch (s.kind) {
    case 'ScheduleEvery':
      return `schedule every ${s.amount}${s.unit}`;
    case 'ScheduleCron':
      return `schedule cron ${JSON.stringify(s.expression.value)}`;
    case 'OnReject':
      return `on reject ${s.action.name}`;
    case 'FlowId':
      return `id ${JSON.stringify(s.value.value)}`;
  }
}

function step(s: A.Step): string {
  switch (s.kind) {
    case 'Map': {
      const keys = s.entries.map((e) => (e.kind === 'Spread' ? '...' : e.key.value));
      return cut(`map { ${keys.join(', ')} }`);
    }
    case 'Filter':
      return cut(`filter ${printExpr(s.expr)}`);
    case 'Lookup':
      return `lookup ${s.name.value} = ${s.action.name}`;
    case 'Dedupe':
      return cut(`dedupe by ${printExpr(s.expr)}`);
    case 'Take':
      return cut(`take ${printExpr(s.count)}`);
  }
}
