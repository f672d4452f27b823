import type { Command } from '../command.js';

// Placeholder until the language front end lands (issue 2).
export const commands: Command[] = [
  { name: 'check', summary: 'check flows', usage: 'check FILE...', options: {}, positionals: true, run: async () => 1 },
];
