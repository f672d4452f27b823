// Flow identity: the keys a flow's state is kept under in the state database.
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export type FlowKey = string;


/**
 * The identity of a flow: its name plus the absolute path of its file (symlinks resolved when the
 * file exists), so that `sluice run flows/x.flow` and `sluice run /abs/flows/x.flow` share state.
 * Moving or renaming the file starts the flow over.
 */
export function flowKey(file: string, flow: string, cwd: string = process.cwd()): FlowKey {
  checkFlowName(flow);
  return `${flowFilePath(file, cwd)}#${flow}`;
}

/** The absolute path of a flow file, symlinks resolved when it exists. */
export function flowFilePath(file: string, cwd: string = process.cwd()): string {
  const abs = resolve(cwd, file);
  try {
    return realpathSync(abs);
  } catch {
    // Not there (yet): the resolved path is the best identity we have.
    return abs;
  }
}

/**
 * The key of a flow's state: its identity in the project (its `id "..."`, else its name), shared by
 * `sluice run`, the agent and every version of a deployment. The state database is the project's
 * (`$SLUICE_HOME`), so the identity only needs to be unique within it; `claimFlow` refuses a second
 * file claiming the same identity.
 */
export function projectFlowKey(id: string): FlowKey {
  checkFlowName(id);
  return `flow:${id}`;
}

/** The key older versions kept a deployment's state under; adopted by `claimFlow`. */
export function agentFlowKey(name: string): FlowKey {
  checkFlowName(name);
  return `agent:${name}`;
}

function checkFlowName(name: string): void {
  if (name === '' || name.includes('#') || /[\u0000-\u001f]/.test(name)) throw new Error(`invalid flow name for a state key: ${JSON.stringify(name)}`);
}

export function parseFlowKey(key: FlowKey): { name: string; file: string | null } {
  if (key.startsWith('flow:') && key.length > 'flow:'.length) return { name: key.slice('flow:'.length), file: null };
  if (key.startsWith('agent:') && key.length > 'agent:'.length) return { name: key.slice('agent:'.length), file: null };
  const i = key.lastIndexOf('#');
  if (i > 0 && i < key.length - 1 && isAbsolute(key.slice(0, i))) return { name: key.slice(i + 1), file: key.slice(0, i) };
  throw new Error(`not a flow key: ${JSON.stringify(key)} (make one with flowKey() or agentFlowKey())`);
}
