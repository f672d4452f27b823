// The table of top-level commands. Modules load lazily: a command pays only for what it uses.
// A module exports `commands`: one Command, or several named `GROUP SUB` (e.g. `connections add`).
import type { Command } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ commands: Command[] }>;
}

export const registry: CommandEntry[] = [
  { name: 'check', summary: 'check flows for syntax and type errors', load: () => import('./commands/check.js') },
  { name: 'run', summary: 'run the flows of a file (incrementally, within the API rate limits)', load: () => import('./commands/run.js') },
  { name: 'fmt', summary: 'format flows in the canonical style', load: () => import('./commands/fmt.js') },
  { name: 'apps', summary: 'list the apps and actions (the standard library and your own), or validate a definition', load: () => import('./commands/apps.js') },
  { name: 'describe', summary: 'show an action\'s parameters, options and record schema', load: () => import('./commands/describe.js') },
  { name: 'discover', summary: "read a company's custom fields so that flows can use them by name", load: () => import('./commands/discover.js') },
  { name: 'connections', summary: 'configure, validate and list app connections (credentials)', load: () => import('./commands/connections.js') },
  { name: 'state', summary: 'show or reset what each flow remembers (watermarks, last run, rejected records)', load: () => import('./commands/state.js') },
  { name: 'replay', summary: "send a flow's rejected records again, through the flow as it is now", load: () => import('./commands/replay.js') },
  { name: 'runs', summary: 'list recent runs with their status and record counts', load: () => import('./commands/runs.js') },
  { name: 'cache', summary: 'clear the cache and temp files, or show their size', load: () => import('./commands/cache.js') },
  { name: 'sandbox', summary: 'run a local Pipedrive API for demos, tests and benchmarks', load: () => import('./commands/sandbox.js') },
  { name: 'agent', summary: 'run deployed flows on their schedules, with an API and a local control panel', load: () => import('./commands/agent.js') },
  { name: 'worker', summary: 'queue mode: run the flows the agent puts on the queue (Redis + PostgreSQL)', load: () => import('./commands/worker.js') },
  { name: 'deploy', summary: 'check a flow file and deploy it to the running agent', load: async () => ({ commands: [(await import('./commands/deploy.js')).deploy] }) },
  { name: 'undeploy', summary: 'stop running a deployment on its schedule', load: async () => ({ commands: [(await import('./commands/deploy.js')).undeploy] }) },
  { name: 'pause', summary: 'stop scheduling a deployment, keeping it deployed', load: async () => ({ commands: [(await import('./commands/deploy.js')).pause] }) },
  { name: 'resume', summary: 'schedule a paused deployment again', load: async () => ({ commands: [(await import('./commands/deploy.js')).resume] }) },
  { name: 'deployments', summary: "list the agent's deployments with their schedules and last runs", load: async () => ({ commands: [(await import('./commands/deploy.js')).deployments] }) },
  { name: 'trigger', summary: 'run a deployment now', load: async () => ({ commands: [(await import('./commands/deploy.js')).trigger] }) },
  { name: 'lsp', summary: 'run the language server for editors (LSP over stdio)', load: () => import('./commands/lsp.js') },
];
