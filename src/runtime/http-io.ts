// Placeholder replaced by the HTTP implementation (in progress).
import type { HttpIo } from './run-flow.js';
import { SluiceError } from '../errors.js';
export function createHttpIo(_o: { env: Record<string, string | undefined>; signal: AbortSignal }): HttpIo & { close(): Promise<void> } {
  const no = () => {
    throw new SluiceError('SL7020', 'HTTP apps are not wired yet');
  };
  return { source: no, destination: no, lookup: () => no, stats: () => undefined, close: async () => {} };
}
