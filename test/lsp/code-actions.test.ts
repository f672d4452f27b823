// Code actions: "did you mean" fixes from the diagnostics' `suggest`.
import { describe, expect, it } from 'vitest';
import { CodeActionKind, type CodeAction } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions } from '../../src/lsp/code-actions.js';
import { URI, at } from './helpers.js';

function fixes(marked: string, only?: string[]): { actions: CodeAction[]; apply: (c: CodeAction) => string } {
  const { a, position } = at(marked);
  const actions = codeActions(a, { textDocument: { uri: URI }, range: { start: position, end: position }, context: { diagnostics: [], ...(only ? { only } : {}) } });
  const apply = (c: CodeAction) => TextDocument.applyEdits(TextDocument.create(URI, 'flow', 1, a.text), c.edit!.changes![URI]);
  return { actions, apply };
}

describe('code actions', () => {
  it('offers the "did you mean" of an unknown action as a quick fix', () => {
    const { actions, apply } = fixes('source pipedrive.pers$0ns -> dest stdout');
    expect(actions.map((c) => [c.title, c.kind, c.isPreferred])).toEqual([['Change to `persons`', CodeActionKind.QuickFix, true]]);
    expect(actions[0].diagnostics?.[0].code).toBe('SL2002');
    expect(apply(actions[0])).toBe('source pipedrive.persons -> dest stdout');
  });

  it('fixes fields, options, where keys and templates, and a missing arrow', () => {
    const cases: [string, string][] = [
      ['source pipedrive.persons -> map { n: nam$0 } -> dest stdout', 'source pipedrive.persons -> map { n: name } -> dest stdout'],
      ['source pipedrive.persons -> dest file.jsonl with pth$0 = "x"', 'source pipedrive.persons -> dest file.jsonl with path = "x"'],
      ['source pipedrive.persons where first_chr$0 = "a" -> dest stdout', 'source pipedrive.persons where first_char = "a" -> dest stdout'],
      ['source pipedrive.persons since ~{CreatedDat$0}~ -> dest stdout', 'source pipedrive.persons since ~{CreatedDate}~ -> dest stdout'],
      ['source pipedrive.persons -> filter name != null $0dest stdout', 'source pipedrive.persons -> filter name != null -> dest stdout'],
    ];
    for (const [marked, fixed] of cases) {
      const { actions, apply } = fixes(marked);
      expect(actions.length, marked).toBe(1);
      expect(apply(actions[0])).toBe(fixed);
    }
  });

  it('offers nothing away from a fixable diagnostic, or when other kinds are asked for', () => {
    expect(fixes('source pipedrive.persons$0 -> map { n: nam } -> dest stdout').actions).toEqual([]);
    expect(fixes('source pipedrive.pers$0ns -> dest stdout', [CodeActionKind.Refactor]).actions).toEqual([]);
    expect(fixes('source pipedrive.pers$0ns -> dest stdout', [CodeActionKind.QuickFix]).actions).toHaveLength(1);
  });
});
