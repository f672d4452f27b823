// Stable error codes of the agent (SL8xxx). Codes never change meaning; wording may.
// SL800x: reaching the agent; SL801x: deploying; SL802x: running; SL803x: the HTTP API.
import type { Diagnostic } from '../diagnostics.js';
import { SluiceError } from '../errors.js';

export const AGENT_ERRORS = {
  notRunning: 'SL8001',
  alreadyRunning: 'SL8002',
  unreachable: 'SL8003',
  badAnswer: 'SL8005',
  doesNotCheck: 'SL8010',
  badSchedule: 'SL8011',
  badName: 'SL8012',
  noSuchFlow: 'SL8013',
  notDeployed: 'SL8014',
  outsideBounds: 'SL8015',
  badNotifyUrl: 'SL8016',
  noWebhookListener: 'SL8017',
  webhookRegistration: 'SL8018',
  flowRunning: 'SL8020',
  stopping: 'SL8021',
  interrupted: 'SL8022',
  unauthorized: 'SL8030',
  badRequest: 'SL8031',
  notFound: 'SL8032',
  tooLarge: 'SL8033',
} as const;

export type AgentErrorCode = (typeof AGENT_ERRORS)[keyof typeof AGENT_ERRORS];

export class AgentError extends SluiceError {
  constructor(code: AgentErrorCode, message: string, options: { hint?: string; exitCode?: number } = {}) {
    super(code, message, options);
    this.name = 'AgentError';
  }
}

/** A deploy refused because the flow does not check: the diagnostics travel with it. */
export class DeployRefused extends AgentError {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[],
    code: typeof AGENT_ERRORS.doesNotCheck | typeof AGENT_ERRORS.outsideBounds = AGENT_ERRORS.doesNotCheck,
  ) {
    super(code, message, {
      hint: code === AGENT_ERRORS.outsideBounds ? 'Keep the flow\'s files inside the folder you deploy from, or allow another folder with --allow-path DIR.' : 'Fix the errors (`sluice check FILE` shows them too) and deploy again.',
    });
  }
}
