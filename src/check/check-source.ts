// The front end as one call: parse a file's text and check it. Shared by `sluice check`, `run`,
// the language server and the agent, so that all four report exactly the same diagnostics.
import { basename } from 'node:path';
import { compareDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { Program } from '../language/ast.js';
import { parse } from '../language/parse.js';

export interface CheckedSource {
  program: Program;
  diagnostics: Diagnostic[];
  /** The name a bare pipeline gets: the file name without `.flow`. */
  defaultFlowName: string;
}

export interface CheckOptions {
  /** Used to name a bare pipeline. */
  fileName?: string;
}

export function checkSource(text: string, options: CheckOptions = {}): CheckedSource {
  const { program, diagnostics } = parse(text);
  const defaultFlowName = basename(options.fileName ?? 'flow.flow').replace(/\.flow$/, '');
  return { program, diagnostics: [...diagnostics].sort(compareDiagnostics), defaultFlowName };
}
