// Where a deployed flow may read and write files. A flow deployed to the agent runs unattended, under
// the agent's user, with whatever text was sent to the API: without a bound, `source file.csv with
// path = "/etc/hostname"` or a SQLite destination in someone's home folder would simply run. So the
// file and SQLite paths of a deployment (source, destination and `on reject`) must lie inside its data
// folder (the folder it was deployed from) or a folder the deploy allowed (`--allow-path DIR`).
//
// Two places enforce it: the deploy, which refuses a flow whose paths it can evaluate (literals and
// `--var` values) with a diagnostic at the option; and every run, as a backstop for paths that are
// only known then (templates) and for symbolic links created after the deploy. Paths are compared
// after resolving symbolic links of the part that exists, so a link inside the folder that points out
// of it does not open a way out.
//
// The agent's own data folder ($SLUICE_HOME: the state database, agent.json with the API token) and
// the connections folder (app tokens) are refused even when they lie inside an allowed folder: a flow
// reading them could copy secrets to a destination, and one writing them could corrupt the state.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { AppRegistry } from '../apps/index.js';
import type { FlowModel } from '../check/model.js';
import type { ResolvedRef } from '../check/plan-types.js';
import type { Diagnostic } from '../diagnostics.js';
import type * as A from '../language/ast.js';
import { evaluate, type Value } from '../runtime/eval.js';
import { runStartedStamp } from '../runtime/io.js';
import { varValues } from '../runtime/vars.js';
import { AGENT_ERRORS as E, AgentError } from './errors.js';

export type PathUse = 'read' | 'write';

/** The real path of `p`: symbolic links resolved in the longest part of it that exists. */
export function realish(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return rest.length ? join(realpathSync(cur), ...rest.reverse()) : realpathSync(cur);
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

function inside(folder: string, p: string): boolean {
  const rel = relative(folder, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class PathBounds {
  private readonly allowed: string[];
  private readonly denied: string[];

  /**
   * @param folders the data folder first, then the folders the deploy allowed (absolute)
   * @param denied folders refused inside those (the agent's home, the connections folder)
   */
  constructor(
    readonly folders: readonly string[],
    denied: readonly string[] = [],
  ) {
    this.allowed = folders.map(realish);
    this.denied = denied.map(realish);
  }

  /** Why `path` may not be used, or null when it may. */
  refusal(path: string): string | null {
    const real = realish(path);
    const deniedBy = this.denied.find((d) => inside(d, real));
    if (deniedBy) return `${path} is inside the agent's own data (${deniedBy}), which a deployed flow may not use`;
    if (this.allowed.some((f) => inside(f, real))) return null;
    const shown = real === resolve(path) ? path : `${path} (really ${real})`;
    return `${shown} is outside the folders this deployment may use (${this.folders.join(', ')})`;
  }

  /** The run-time backstop: throws SL8015 for a path the deployment may not use. */
  check(path: string, use: PathUse): void {
    const why = this.refusal(path);
    if (why) throw new AgentError(E.outsideBounds, `the flow may not ${use === 'read' ? 'read' : 'write'} ${why}`, { hint: HINT });
  }
}

const HINT = 'Keep the flow\'s files inside the folder it is deployed from, or deploy it again with --allow-path DIR.';

/** The option that names a file for each kind of built-in app. */
const PATH_OPTION: Record<string, string> = { file: 'path', sqlite: 'db' };

interface PathOption {
  ref: ResolvedRef;
  options: readonly A.Option[];
  use: PathUse;
}

function pathOptions(flow: FlowModel): PathOption[] {
  const out: PathOption[] = [];
  const p = flow.flow.pipeline;
  if (flow.source && p?.source) out.push({ ref: flow.source, options: p.source.options, use: 'read' });
  if (flow.tee && p?.tee) p.tee.dests.forEach((d, i) => out.push({ ref: flow.tee![i], options: d.options, use: 'write' }));
  else if (flow.dest && p?.dest) out.push({ ref: flow.dest, options: p.dest.options, use: 'write' });
  const onReject = flow.flow.settings.find((s): s is A.OnReject => s.kind === 'OnReject');
  if (flow.onReject && onReject) out.push({ ref: flow.onReject, options: onReject.options, use: 'write' });
  return out;
}

function templatesIn(e: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(e)) for (const x of e) templatesIn(x, out);
  else if (e !== null && typeof e === 'object') {
    if ((e as { kind?: unknown }).kind === 'Template') out.add((e as A.Template).name);
    for (const v of Object.values(e)) if (v !== null && typeof v === 'object') templatesIn(v, out);
  }
  return out;
}

/**
 * The deploy's check: a diagnostic (SL8015, at the option's value) for each file or SQLite path of
 * the flow that can be evaluated now and lies outside the bounds. Paths built from templates other
 * than the file's variables are left to the run-time check.
 */
export function boundsDiagnostics(flow: FlowModel, registry: AppRegistry, bounds: PathBounds, o: { baseDir: string; vars: Record<string, string>; env: Record<string, string | undefined> }): Diagnostic[] {
  const out: Diagnostic[] = [];
  let templates: Record<string, Value>;
  try {
    templates = varValues(flow.vars, o.vars);
  } catch {
    return out;
  }
  const now = new Date();
  for (const po of pathOptions(flow)) {
    const qualified = po.ref.action?.qualified;
    if (!qualified) continue;
    const kind = registry.app(po.ref.action!.app)?.kind;
    const key = kind ? PATH_OPTION[kind] : undefined;
    if (!key) continue;
    const opt = po.options.find((x) => x.key.value === key);
    if (!opt) continue;
    if ([...templatesIn(opt.value, new Set())].some((t) => !(t in templates))) continue;
    let v: Value;
    try {
      v = evaluate(opt.value, {}, { templates, now: now.toISOString(), env: o.env });
    } catch {
      continue;
    }
    if (typeof v !== 'string') continue;
    const path = resolve(o.baseDir, v.replaceAll('{run_started}', runStartedStamp(now)));
    const why = bounds.refusal(path);
    if (why) {
      out.push({
        code: E.outsideBounds,
        severity: 'error',
        message: `\`${key}\` of \`${qualified}\`: the flow may not ${po.use} ${why}`,
        range: opt.value.range,
        hint: HINT,
      });
    }
  }
  return out;
}
