// Diagnostics for people: `file:line:col: error CODE message`, a code frame under the exact span,
// then hints and "did you mean". The JSON form is the Diagnostic data itself.
import type { Diagnostic } from '../diagnostics.js';
import type { Palette } from '../util/color.js';

export function renderDiagnostic(file: string, text: string, d: Diagnostic, c: Palette): string {
  const sev = d.severity === 'error' ? c.red('error') : d.severity === 'warning' ? c.yellow('warning') : c.blue('info');
  const out = [`${c.bold(`${file}:${d.range.start.line}:${d.range.start.column}`)}: ${sev} ${c.dim(d.code)} ${d.message}`];
  out.push(codeFrame(text, d, c));
  if (d.hint) out.push(`  ${c.cyan('hint:')} ${d.hint.replace(/\n/g, '\n        ')}`);
  for (const s of d.suggest ?? []) out.push(`  ${c.cyan('fix:')} ${s.title}`);
  for (const r of d.related ?? []) out.push(`  ${c.dim(`${file}:${r.range.start.line}:${r.range.start.column}:`)} ${r.message}`);
  return out.join('\n');
}

/** The offending line with the span underlined; a span over several lines marks to the line's end. */
export function codeFrame(text: string, d: Diagnostic, c: Palette): string {
  const lines = text.split(/\r?\n/);
  const { start, end } = d.range;
  const lineText = lines[start.line - 1] ?? '';
  const gutter = String(start.line).length + 1;
  const from = Math.max(1, start.column);
  const to = end.line === start.line ? Math.max(end.column, from + 1) : Math.max(lineText.length + 1, from + 1);
  // Tabs keep their width in the marker line so that the carets stay under the span.
  const pad = lineText.slice(0, from - 1).replace(/[^\t]/g, ' ');
  const mark = (d.severity === 'error' ? c.red : c.yellow)('^'.repeat(Math.max(1, to - from)));
  return [`${String(start.line).padStart(gutter)} ${c.dim('|')} ${lineText}`, `${' '.repeat(gutter)} ${c.dim('|')} ${pad}${mark}`].join('\n');
}

export function summaryLine(errors: number, warnings: number, files: number): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files, 'file')}`;
}
