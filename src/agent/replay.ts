// The panel's "Replay" of a deployment's rejected records: `sluice replay NAME` in the agent, through
// the deployed flow as it is now, with the deployment's folder, variables and bounds. Refused while
// the deployment runs (both would change the same rejected records).
import type { AppRegistry } from '../apps/index.js';
import type { HttpIo } from '../runtime/run-flow.js';
import { replayRejected, type ReplaySummary } from '../runtime/replay.js';
import type { IoContext } from '../runtime/io.js';
import type { StateStore } from '../state/index.js';
import type { FlowChecker } from './check.js';
import type { Deployment } from './deployments.js';
import { AGENT_ERRORS as E, AgentError } from './errors.js';

export interface ReplayDeps {
  registry: AppRegistry;
  checker: FlowChecker;
  store: StateStore;
  http: HttpIo;
  env: Record<string, string | undefined>;
  io: (dep: Deployment) => IoContext;
  signal: AbortSignal;
}

export async function replayDeployment(d: ReplayDeps, dep: Deployment, ids: number[] | undefined): Promise<ReplaySummary> {
  const checked = d.checker.check(dep.text, { fileName: dep.fileName, env: d.env, vars: dep.vars });
  const flow = checked.flows.find((f) => f.model.name === dep.flow);
  if (!flow) throw new AgentError(E.doesNotCheck, `version ${dep.version} of \`${dep.name}\` no longer checks: fix it and deploy it again before replaying`);
  return replayRejected({
    flow: flow.model,
    key: dep.stateKey,
    store: d.store,
    registry: d.registry,
    http: d.http,
    io: d.io(dep),
    vars: dep.vars,
    ...(ids && ids.length ? { ids } : {}),
    dryRun: false,
    includeUncertain: false,
    signal: d.signal,
  });
}

/** `ids` of the request body: absent (all) or a list of rejected record ids. */
export function replayIds(raw: unknown): number[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length > 10_000 || raw.some((x) => !Number.isSafeInteger(x) || (x as number) < 1)) {
    throw new AgentError(E.badRequest, '`ids` must be a list of rejected record ids');
  }
  return raw as number[];
}
