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
  { name: 'apps', summary: 'list the apps and actions of the standard library', load: () => import('./commands/apps.js') },
  { name: 'describe', summary: 'show an action\'s parameters, options and record schema', load: () => import('./commands/describe.js') },
  { name: 'connections', summary: 'configure, validate and list app connections (credentials)', load: () => import('./commands/connections.js') },
  { name: 'state', summary: 'show or reset what each flow remembers (watermarks, last run, rejected records)', load: () => import('./commands/state.js') },
  { name: 'runs', summary: 'list recent runs with their status and record counts', load: () => import('./commands/runs.js') },
  { name: 'cache', summary: 'clear the cache and temp files, or show their size', load: () => import('./commands/cache.js') },
  { name: 'sandbox', summary: 'run a local Pipedrive API for demos, tests and benchmarks', load: () => import('./commands/sandbox.js') },
];
