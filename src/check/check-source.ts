// The front end as one call: parse a file's text and check it. Shared by `sluice check`, `run`,
// the language server and the agent, so that all four report exactly the same diagnostics.
import { basename } from 'node:path';
import { compareDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { Program } from '../language/ast.js';
import { parse } from '../language/parse.js';
import type { CheckEnv } from './env.js';
import { planFlow } from './flow-plan.js';
import { buildModel, type ProgramModel } from './model.js';
import { RULES } from './rules/index.js';

export interface CheckedSource {
  program: Program;
  diagnostics: Diagnostic[];
  /** The analysis the rules ran on (types, resolved actions): for --explain, hover and the runtime. */
  model?: ProgramModel;
  /** The name a bare pipeline gets: the file name without `.flow`. */
  defaultFlowName: string;
}

export interface CheckOptions {
  /** Used to name a bare pipeline. */
  fileName?: string;
  /** Apps, functions, connections and vars; without it only syntax is checked. */
  env?: CheckEnv;
}

export function checkSource(text: string, options: CheckOptions = {}): CheckedSource {
  const { program, diagnostics } = parse(text);
  const defaultFlowName = basename(options.fileName ?? 'flow.flow').replace(/\.flow$/, '');
  const all = [...diagnostics];
  let model: ProgramModel | undefined;
  if (options.env) {
    model = buildModel(program, options.env, defaultFlowName);
    for (const f of model.flows) f.plan = planFlow(f);
    const ctx = { program, model, env: options.env, report: (d: Diagnostic) => all.push(d) };
    for (const rule of RULES) rule.run(ctx);
  }
  return { program, diagnostics: dedupeByPosition(all.sort(compareDiagnostics)), ...(model ? { model } : {}), defaultFlowName };
}

/** Two rules may see the same fault (an unknown field used twice is two faults, not one). */
function dedupeByPosition(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}@${d.range.start.offset}-${d.range.end.offset}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
