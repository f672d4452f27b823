// What a deployed flow's webhook source needs from its text: the action, the event it names and
// the connection it reads through.
import type { AppRegistry, ResolvedAction } from '../../apps/index.js';
import type { FlowModel } from '../../check/model.js';
import { constantValue } from '../../check/constant.js';
import type { FlowChecker } from '../check.js';
import type { Deployment } from '../deployments.js';
import { AGENT_ERRORS as E, AgentError } from '../errors.js';

export interface WebhookSource {
  action: ResolvedAction;
  event: string;
  connection: string;
}

/** The flow's webhook source, or undefined when it reads otherwise. Throws when `event` is not a literal. */
export function webhookSource(registry: AppRegistry, flow: FlowModel): WebhookSource | undefined {
  const ref = flow.source;
  if (!ref?.action) return undefined;
  const action = registry.action(ref.action.qualified, 'read', ref.action.version ?? null);
  if (!action?.webhook) return undefined;
  const param = action.webhook.param;
  const cond = flow.flow.pipeline?.source?.where.find((c) => c.key.length === 1 && c.key[0].value === param);
  const value = cond ? constantValue(cond.value) : undefined;
  if (typeof value !== 'string') {
    throw new AgentError(E.doesNotCheck, `\`${flow.name}\`: \`${param}\` must be written as text in the flow (\`where ${param} = "create.person"\`): the webhook is registered with it at deploy`);
  }
  return { action, event: value, connection: ref.connection?.name ?? action.app };
}

/** A deployment's webhook source, or undefined (a polling flow, or one that no longer checks). */
export function deployedWebhookSource(checker: FlowChecker, registry: AppRegistry, env: Record<string, string | undefined>, dep: Deployment): WebhookSource | undefined {
  const flow = checker.check(dep.text, { fileName: dep.fileName, env, vars: dep.vars }).flows.find((f) => f.model.name === dep.flow);
  try {
    return flow ? webhookSource(registry, flow.model) : undefined;
  } catch {
    return undefined;
  }
}
