// A deploy request (`sluice deploy`, the panel) as both agents take it: the in-process agent and the
// queue-mode agent check the body, the flows, their variables, names and paths here, the same way,
// before anything is stored; and they store the versions the same way.
import { isAbsolute } from 'node:path';
import type { AppRegistry } from '../apps/index.js';
import type { Diagnostic } from '../diagnostics.js';
import { SluiceError } from '../errors.js';
import { varValues } from '../runtime/vars.js';
import { BUILTIN_TEMPLATES, agentFlowKey, flowKey, projectFlowKey, type StateStore } from '../state/index.js';
import { boundsDiagnostics, type PathBounds } from './bounds.js';
import type { CheckedFlow, FlowChecker } from './check.js';
import { isDeploymentName, type Deployment } from './deployments.js';
import { AGENT_ERRORS as E, AgentError, DeployRefused } from './errors.js';

const MAX_FLOW_TEXT = 1_000_000;

export interface DeployRequest {
  text: string;
  file_name: string;
  file_path?: string | null;
  base_dir: string;
  flow?: string;
  name?: string;
  vars?: Record<string, string>;
  /** Forget the flow's watermarks first: its next run starts over (from `--since` or the beginning). */
  fresh?: boolean;
  /** Absolute folders besides `base_dir` that the flow's file and SQLite paths may use. */
  allow_paths?: string[];
  /** Where failures are posted (an http(s) URL), one message per failing streak. */
  notify_url?: string | null;
}

/** A request that passed every check: the flows to deploy under their names. */
export interface CheckedDeploy {
  req: DeployRequest;
  flows: CheckedFlow[];
  names: string[];
  vars: Record<string, string>;
  allowPaths: string[];
  notifyUrl: string | null;
  warnings: Diagnostic[];
}

export interface DeployContext {
  registry: AppRegistry;
  checker: FlowChecker;
  env: Record<string, string | undefined>;
  boundsOf(baseDir: string, allowPaths: readonly string[]): PathBounds;
}

/** Checks a deploy request; throws the error the client is shown (nothing is stored). */
export function checkDeploy(req: DeployRequest, ctx: DeployContext): CheckedDeploy {
  if (typeof req.text !== 'string' || req.text.length > MAX_FLOW_TEXT) throw bad('`text` must be the flow file\'s text (at most 1 MB)');
  if (typeof req.file_name !== 'string' || req.file_name === '' || /[/\\]/.test(req.file_name)) throw bad('`file_name` must be the base name of the flow file');
  if (typeof req.base_dir !== 'string' || !isAbsolute(req.base_dir)) throw bad('`base_dir` must be an absolute path (relative paths in the flow resolve against it)');
  if (req.file_path !== undefined && req.file_path !== null && (typeof req.file_path !== 'string' || !isAbsolute(req.file_path))) throw bad('`file_path` must be an absolute path');
  const vars = checkVars(req.vars);
  const checked = ctx.checker.check(req.text, { fileName: req.file_name, env: ctx.env, vars });
  const warnings = checked.diagnostics.filter((d) => d.severity !== 'error');
  if (checked.errors > 0) {
    throw new DeployRefused(`${req.file_name} does not check (${checked.errors} error${checked.errors === 1 ? '' : 's'}): nothing was deployed`, checked.diagnostics);
  }
  let flows = checked.flows;
  if (req.flow !== undefined) {
    flows = flows.filter((f) => f.model.name === req.flow);
    if (flows.length === 0) {
      throw new AgentError(E.noSuchFlow, `${req.file_name} has no flow named \`${String(req.flow)}\``, { hint: `Flows: ${checked.flows.map((f) => f.model.name).join(', ') || '(none)'}` });
    }
  }
  if (flows.length === 0) throw new AgentError(E.noSuchFlow, `${req.file_name} has no flow to deploy`);
  // The file's variables need a value (a default or --var) of their type before any run can start.
  for (const f of flows) {
    try {
      varValues(f.model.vars, vars);
    } catch (err) {
      if (err instanceof SluiceError) throw new AgentError(E.doesNotCheck, `${err.message}: nothing was deployed`, err.hint ? { hint: err.hint } : {});
      throw err;
    }
  }
  if (req.name !== undefined && flows.length > 1) {
    throw new AgentError(E.badName, `${req.file_name} has ${flows.length} flows: a deployment name can only be given for one`, { hint: 'Add --flow NAME to choose the flow.' });
  }
  const names = flows.map((f) => req.name ?? f.model.name);
  for (const name of names) {
    if (typeof name !== 'string' || !isDeploymentName(name)) {
      throw new AgentError(E.badName, `\`${String(name).slice(0, 80)}\` cannot name a deployment: use letters, digits, _ and -, starting with a letter or _`, { hint: 'Give it another name with --name NAME.' });
    }
  }
  if (req.fresh !== undefined && typeof req.fresh !== 'boolean') throw bad('`fresh` must be true or false');
  const allowPaths = checkAllowPaths(req.allow_paths);
  const notifyUrl = checkNotifyUrl(req.notify_url);
  // Before anything is stored: a flow that would read or write outside its folders is refused
  // with the options to blame (the run-time check stays, for paths only known when a run starts).
  const bounds = ctx.boundsOf(req.base_dir, allowPaths);
  const outside = flows.flatMap((f) => boundsDiagnostics(f.model, ctx.registry, bounds, { baseDir: req.base_dir, vars, env: ctx.env }));
  if (outside.length > 0) {
    throw new DeployRefused(`${req.file_name} uses ${outside.length === 1 ? 'a path' : `${outside.length} paths`} outside the folders the deployment may use: nothing was deployed`, outside, E.outsideBounds);
  }
  return { req, flows, names, vars, allowPaths, notifyUrl, warnings };
}

/**
 * The flow's state is the same whoever runs it: state a hand run or an older agent left under
 * another key is adopted now, so that the deploy can say where the flow continues from.
 */
export async function claimDeployedFlows(store: StateStore, d: CheckedDeploy): Promise<void> {
  for (const [i, f] of d.flows.entries()) {
    const key = projectFlowKey(f.model.stateId);
    await store.claimFlow(key, { file: d.req.file_path ?? null, legacyKeys: [agentFlowKey(d.names[i]), ...(d.req.file_path ? [flowKey(d.req.file_path, f.model.name)] : [])] });
    if (d.req.fresh) await store.reset(key);
  }
}

/** Stores a new version of each deployment. */
export async function storeDeployments(store: StateStore, d: CheckedDeploy): Promise<Deployment[]> {
  const deployed: Deployment[] = [];
  for (const [i, f] of d.flows.entries()) {
    deployed.push(
      await store.deployments.deploy({
        name: d.names[i],
        flow: f.model.name,
        fileName: d.req.file_name,
        filePath: d.req.file_path ?? null,
        baseDir: d.req.base_dir,
        text: d.req.text,
        schedule: f.schedule,
        vars: d.vars,
        stateKey: projectFlowKey(f.model.stateId),
        allowPaths: d.allowPaths,
        notifyUrl: d.notifyUrl,
      }),
    );
  }
  return deployed;
}

export async function notDeployed(name: string, store: StateStore): Promise<AgentError> {
  const names = (await store.deployments.list()).map((d) => d.name);
  return new AgentError(E.notDeployed, `nothing is deployed as \`${name.slice(0, 80)}\``, { hint: names.length ? `Deployed: ${names.join(', ')}.` : 'Nothing is deployed yet: `sluice deploy FILE`.' });
}

function bad(message: string): AgentError {
  return new AgentError(E.badRequest, message);
}

function checkAllowPaths(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > 50 || raw.some((p) => typeof p !== 'string' || !isAbsolute(p))) throw bad('`allow_paths` must be a list of absolute folder paths');
  return [...new Set(raw as string[])];
}

function checkNotifyUrl(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  let u: URL | null = null;
  try {
    u = typeof raw === 'string' && raw.length <= 2000 ? new URL(raw) : null;
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new AgentError(E.badNotifyUrl, '`notify_url` must be an http:// or https:// URL', { hint: 'e.g. --notify-url https://hooks.example.com/sluice' });
  }
  return u.toString();
}

function checkVars(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('`vars` must be an object of names to text values');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw bad(`\`${k.slice(0, 40)}\` is not a template name`);
    if ((BUILTIN_TEMPLATES as readonly string[]).includes(k)) throw bad(`~{${k}}~ is built in: it cannot be set with --var`);
    if (typeof v !== 'string') throw bad(`the value of ${k} must be text`);
    out[k] = v;
  }
  return out;
}
