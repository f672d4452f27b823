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
  { name: 'fmt', summary: 'format flows in the canonical style', load: () => import('./commands/fmt.js') },
  { name: 'connections', summary: 'configure, validate and list app connections (credentials)', load: () => import('./commands/connections.js') },
];
