// Code actions: the "did you mean" fixes that diagnostics carry (`suggest`), as quick fixes.
import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import type { Analysis } from './document-cache.js';
import { toLspDiagnostic } from './diagnostics.js';
import { toLspRange } from './position.js';

export function codeActions(a: Analysis, params: CodeActionParams): CodeAction[] {
  const only = params.context.only;
  if (only && !only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === CodeActionKind.Empty)) return [];
  const from = a.doc.offsetAt(params.range.start);
  const to = a.doc.offsetAt(params.range.end);
  const out: CodeAction[] = [];
  for (const d of a.diagnostics) {
    if (!d.suggest?.length) continue;
    // Diagnostics touching the requested range (a cursor at either end of a squiggle counts).
    if (d.range.end.offset < from || d.range.start.offset > to) continue;
    const diagnostic = toLspDiagnostic(a.doc, d);
    for (const s of d.suggest) {
      out.push({
        title: s.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: d.suggest.length === 1,
        edit: { changes: { [a.uri]: [{ range: toLspRange(a.doc, s.range), newText: s.replacement }] } },
      });
    }
  }
  return out;
}
