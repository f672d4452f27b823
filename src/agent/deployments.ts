// Deployment names. The deployments themselves are kept by the state store (src/state/deployments.ts).
import { agentFlowKey } from '../state/index.js';
import { AGENT_ERRORS as E, AgentError } from './errors.js';

export type { Deployment, DeploymentInput, DeploymentStore, DeploymentVersion } from '../state/index.js';

/** Deployment names are state keys (`agent:<name>`) and URL path segments: kept to a safe alphabet. */
export const DEPLOYMENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

export function isDeploymentName(name: string): boolean {
  if (!DEPLOYMENT_NAME.test(name)) return false;
  try {
    agentFlowKey(name);
    return true;
  } catch {
    return false;
  }
}

/** Refuses (SL8012) a name that no deployment can have, as a request's deployment name. */
export function checkDeploymentName(name: string): void {
  if (!isDeploymentName(name)) throw new AgentError(E.badName, `\`${name.slice(0, 80)}\` is not a deployment name`);
}
