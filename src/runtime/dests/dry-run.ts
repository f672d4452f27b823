// A destination that writes nothing and says what it would have written (--dry-run), for the
// components that cannot preview their writes themselves.
import type { Destination } from './destination.js';

export function dryDestination(name: string, log?: (line: string) => void): Destination {
  return {
    describe: `${name} (dry run)`,
    durability: 'batch',
    async write(batch) {
      for (const r of batch) log?.(`would write to ${name}: ${JSON.stringify(r)}`);
      return { accepted: batch, rejected: [] };
    },
    async commit() {},
    async abort() {},
  };
}
