// Our diagnostics as LSP diagnostics: the same code, severity, range and message as `sluice check`
// (the hint, which the CLI prints on a `hint:` line under the message, follows on its own line).
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { Analysis } from './document-cache.js';
import { toLspRange } from './position.js';

export const SOURCE = 'sluice';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** The message an editor shows: ours, and the hint under it as the CLI prints it. */
export const lspMessage = (d: Diagnostic): string => (d.hint ? `${d.message}\nhint: ${d.hint}` : d.message);

export function toLspDiagnostic(doc: TextDocument, d: Diagnostic): LspDiagnostic {
  const related: DiagnosticRelatedInformation[] | undefined = d.related?.map((r) => ({
    location: { uri: doc.uri, range: toLspRange(doc, r.range) },
    message: r.message,
  }));
  return {
    range: toLspRange(doc, d.range),
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: SOURCE,
    message: lspMessage(d),
    ...(related && related.length > 0 ? { relatedInformation: related } : {}),
  };
}

/** Every diagnostic of the analysed version, ready for textDocument/publishDiagnostics. */
export function diagnostics(a: Analysis): LspDiagnostic[] {
  return a.diagnostics.map((d) => toLspDiagnostic(a.doc, d));
}
