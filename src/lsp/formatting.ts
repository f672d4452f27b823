// Formatting: the canonical form `sluice fmt` writes (same printer). A file with syntax errors is
// left as it is, like `fmt` does: its errors are already shown as diagnostics.
import type { TextEdit } from 'vscode-languageserver';
import { format } from '../language/format.js';
import type { Analysis } from './document-cache.js';
import { offsetsToRange } from './position.js';

export function formatting(a: Analysis): TextEdit[] {
  const text = a.text;
  const r = format(text);
  if (!r.ok || r.text === text) return [];
  const next = r.text;
  // One edit for the part that changed, not the whole file: the editor keeps the cursor, the
  // selection and folds in the unchanged text around it.
  const min = Math.min(text.length, next.length);
  let start = 0;
  while (start < min && text.charCodeAt(start) === next.charCodeAt(start)) start++;
  let endOld = text.length;
  let endNew = next.length;
  while (endOld > start && endNew > start && text.charCodeAt(endOld - 1) === next.charCodeAt(endNew - 1)) {
    endOld--;
    endNew--;
  }
  // Never cut a `\r\n` or a surrogate pair in two: an LSP position cannot point between them.
  while (start > 0 && (splits(text, start) || splits(next, start))) start--;
  while (endOld < text.length && (splits(text, endOld) || splits(next, endNew))) {
    endOld++;
    endNew++;
  }
  return [{ range: offsetsToRange(a.doc, start, endOld), newText: next.slice(start, endNew) }];
}

/** Whether offset `i` falls inside `\r\n` or a surrogate pair of `s`. */
function splits(s: string, i: number): boolean {
  if (i <= 0 || i >= s.length) return false;
  const prev = s.charCodeAt(i - 1);
  const cur = s.charCodeAt(i);
  return (prev === 13 && cur === 10) || (prev >= 0xd800 && prev <= 0xdbff && cur >= 0xdc00 && cur <= 0xdfff);
}
