// Checking a flow file for the agent: the same front end as `sluice check` and `sluice run`
// (checkSource with the standard library, the connections the agent can see and the deployment's
// --var names), plus the schedule rules that only matter to the agent.
//
// It runs at deploy time (a flow that does not check is refused) and again before every run: the
// text is stored, the model is not, so a run always uses the checker of the running build and the
// connections as they are now (one removed since the deploy fails the run with a clear error).
// FlowChecker remembers results, so that "again before every run" costs a hash, not a check.
import { createHash } from 'node:crypto';
import type { AppRegistry } from '../apps/index.js';
import { checkSource } from '../check/check-source.js';
import type { FlowModel } from '../check/model.js';
import { checkerEnvironment, readEnvironmentInputs, type EnvironmentInputs } from '../check/environment.js';
import type { Diagnostic } from '../diagnostics.js';
import { scheduleOf, type Schedule } from './scheduler.js';

export interface CheckedFlow {
  model: FlowModel;
  schedule: Schedule | null;
}

export interface CheckedFile {
  /** Every diagnostic, errors and warnings, in source order. */
  diagnostics: Diagnostic[];
  /** Flows of the file that check (with their schedules); empty when the file has errors. */
  flows: CheckedFlow[];
  errors: number;
}

export interface CheckInput {
  fileName: string;
  env: Record<string, string | undefined>;
  vars: Record<string, string>;
}

function checkWith(text: string, o: CheckInput, registry: AppRegistry, inputs: EnvironmentInputs): CheckedFile {
  // The same environment as `sluice check` and `sluice run` build (custom fields by name included).
  const env = checkerEnvironment({ processEnv: o.env, registry, vars: Object.keys(o.vars), inputs });
  const checked = checkSource(text, { fileName: o.fileName, env });
  const diagnostics = [...checked.diagnostics];
  const flows: CheckedFlow[] = [];
  for (const model of checked.model?.flows ?? []) {
    const s = scheduleOf(model.flow);
    diagnostics.push(...s.diagnostics);
    flows.push({ model, schedule: s.schedule });
  }
  diagnostics.sort((a, b) => a.range.start.offset - b.range.start.offset);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { diagnostics, flows: errors > 0 || !checked.model ? [] : flows, errors };
}

/**
 * Checks with a memory: a run checks its deployment's text again (see above), which for a file of
 * many flows costs tens of milliseconds; with many deployments on short schedules that would be
 * the agent's main work. The result depends only on the text, the file name, the --var names and
 * the connections' names and apps, so it is kept under those (the connections are read each time:
 * one added or removed in the panel or by the CLI is seen at the next run). The models are only
 * read by the interpreter, so one can serve many runs.
 */
export class FlowChecker {
  private readonly cache = new Map<string, CheckedFile>();

  constructor(
    private readonly registry: AppRegistry,
    /** Where `sluice discover` keeps the custom-field schemas (schemasHome: the config folder). */
    private readonly home?: string,
    private readonly max = 128,
  ) {}

  check(text: string, o: CheckInput): CheckedFile {
    // An unreadable connections file leaves names unchecked here; a run that needs one fails with
    // the connections error itself, which says how to fix the file.
    const inputs = readEnvironmentInputs(o.env, this.home ?? null);
    const { connections, schemas } = inputs;
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          text,
          o.fileName,
          Object.keys(o.vars).sort(),
          connections?.map((c) => [c.name, c.app]) ?? null,
          // A new discovery changes what the flow's names mean.
          [...schemas.values()].map((x) => [x.connection, x.readAt]),
        ]),
      )
      .digest('base64url');
    const hit = this.cache.get(key);
    if (hit) {
      // Most recently used last: the first entry is the one to drop.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const checked = checkWith(text, o, this.registry, inputs);
    this.cache.set(key, checked);
    if (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!);
    return checked;
  }
}
