// Document symbols: flows with their settings, source, steps and destination.
import { describe, expect, it } from 'vitest';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { documentSymbols, symbolInformation } from '../../src/lsp/symbols.js';
import { analyse, slice } from './helpers.js';

const TEXT = `flow leads {
  schedule every 15m
  on reject file.jsonl with path = "r.jsonl"
  source pipedrive.persons since ~{CreatedDate}~
    -> filter primary(email) != null
    -> lookup owner = pipedrive.users.find where term = owner_name
    -> map { title: "Lead: " + name, person_id: id }
    -> dest pipedrive.leads
}

flow copy {
  source pipedrive.deals -> take 5 -> dedupe by lower(title) -> dest stdout
}
`;

const shape = (s: DocumentSymbol): unknown => ({ name: s.name, kind: s.kind, ...(s.children?.length ? { children: s.children.map(shape) } : {}) });

describe('document symbols', () => {
  it('lists each flow with its parts', () => {
    const a = analyse(TEXT);
    expect(documentSymbols(a).map(shape)).toEqual([
      {
        name: 'leads',
        kind: SymbolKind.Module,
        children: [
          { name: 'schedule every 15m', kind: SymbolKind.Property },
          { name: 'on reject file.jsonl', kind: SymbolKind.Property },
          { name: 'source pipedrive.persons', kind: SymbolKind.Event },
          { name: 'filter primary(email) != null', kind: SymbolKind.Function },
          { name: 'lookup owner = pipedrive.users.find', kind: SymbolKind.Variable },
          { name: 'map { title, person_id }', kind: SymbolKind.Function },
          { name: 'dest pipedrive.leads', kind: SymbolKind.Event },
        ],
      },
      {
        name: 'copy',
        kind: SymbolKind.Module,
        children: [
          { name: 'source pipedrive.deals', kind: SymbolKind.Event },
          { name: 'take 5', kind: SymbolKind.Function },
          { name: 'dedupe by lower(title)', kind: SymbolKind.Function },
          { name: 'dest stdout', kind: SymbolKind.Event },
        ],
      },
    ]);
  });

  it('gives ranges that hold their selection, and selects names', () => {
    const a = analyse(TEXT);
    const [leads, copy] = documentSymbols(a);
    expect(slice(a, leads.selectionRange)).toBe('leads');
    expect(slice(a, leads.range)).toMatch(/^flow leads \{[\s\S]*\}$/);
    expect(slice(a, copy.selectionRange)).toBe('copy');
    expect(copy.range.start.line).toBe(10);
    const lookup = leads.children!.find((c) => c.kind === SymbolKind.Variable)!;
    expect(slice(a, lookup.selectionRange)).toBe('owner');
    expect(slice(a, lookup.range)).toBe('lookup owner = pipedrive.users.find where term = owner_name');
  });

  it('names a bare pipeline after its file', () => {
    const a = analyse('source pipedrive.persons -> dest stdout\n', { uri: 'file:///work/flows/persons_to_stdout.flow' });
    const [s] = documentSymbols(a);
    expect(s.name).toBe('persons_to_stdout');
    expect(s.detail).toBe('bare pipeline');
  });

  it('keeps going in broken text', () => {
    const a = analyse('flow a {\n  source pipedrive.persons -> map { x: } -> dest stdout\n}\nflow b {\n  source ->\n');
    expect(documentSymbols(a).map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('also gives a flat list for clients without hierarchy', () => {
    const flat = symbolInformation(analyse(TEXT));
    expect(flat.filter((s) => s.containerName === 'copy').map((s) => s.name)).toEqual(['source pipedrive.deals', 'take 5', 'dedupe by lower(title)', 'dest stdout']);
  });
});
