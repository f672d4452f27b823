// A checker rule: one concern, one file, its own codes. Rules read the analysis (model.ts) and
// report; they never change it, so they can run in any order.
import type { Diagnostic, Range, Severity } from '../diagnostics.js';
import type * as A from '../language/ast.js';
import { closest } from '../util/suggest.js';
import type { CheckEnv } from './env.js';
import type { FlowModel, ProgramModel } from './model.js';
import type { RecordType, Type } from './types.js';

export interface RuleContext {
  program: A.Program;
  model: ProgramModel;
  env: CheckEnv;
  report(d: Diagnostic): void;
}

export interface Rule {
  name: string;
  /** One sentence: what the rule catches. */
  description: string;
  run(ctx: RuleContext): void;
}

export function diag(code: string, severity: Severity, message: string, range: Range, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { code, severity, message, range, ...extra };
}

/** "did you mean" as a message suffix and a fix an editor can apply. */
export function didYouMean(
  name: string,
  candidates: Iterable<string>,
  range: Range,
  pick: (name: string, candidates: string[]) => string | undefined = closest,
): Pick<Diagnostic, 'suggest'> & { text: string } {
  const guess = pick(name, [...candidates]);
  if (!guess) return { text: '' };
  return { text: `; did you mean \`${guess}\`?`, suggest: [{ title: `Change to \`${guess}\``, range, replacement: guess }] };
}

export function listHint(what: string, names: Iterable<string>, max = 12): string | undefined {
  const all = [...names].sort();
  if (all.length === 0) return undefined;
  const shown = all.slice(0, max).map((n) => `\`${n}\``).join(', ');
  return `${what}: ${shown}${all.length > max ? `, and ${all.length - max} more` : ''}.`;
}

/** Every expression of a flow with the record its bare names refer to. */
export function* expressions(f: FlowModel): Iterable<[A.Expr, RecordType, Type]> {
  for (const [e, scope] of f.scopes) yield [e, scope, f.types.get(e)!];
}
