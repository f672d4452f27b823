import type { Command } from '../command.js';

// Placeholder until the language front end lands (issue 2).
export const commands: Command[] = [
  { name: 'fmt', summary: 'fmt flows', usage: 'fmt FILE...', options: {}, positionals: true, run: async () => 1 },
];
