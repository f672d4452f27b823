// In json mode a user error (a SluiceError) goes to stdout as `{ok: false, error: {code, message,
// hint?}}`: scripts read one stream and one shape. Usage errors stay on stderr (exit 2), and
// anything else is a bug the CLI reports as such.
import { SluiceError, UsageError } from '../errors.js';
import type { CliIO } from './io.js';

export interface JsonErrorOptions {
  /** Fields printed beside `ok` and `error` (e.g. what the command was about). */
  extra?: Record<string, unknown>;
  /** Applied to every error first, e.g. to redact secrets from its message. */
  transform?: (err: unknown) => unknown;
}

/** The JSON shape of a user error. */
export function errorJson(err: SluiceError): { code: string; message: string; hint?: string } {
  return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
}

export async function guardedJson(io: CliIO, format: 'text' | 'json', body: () => Promise<number>, o: JsonErrorOptions = {}): Promise<number> {
  try {
    return await body();
  } catch (caught) {
    const err = o.transform ? o.transform(caught) : caught;
    if (format === 'json' && err instanceof SluiceError && !(err instanceof UsageError)) {
      io.stdout.write(`${JSON.stringify({ ok: false, ...o.extra, error: errorJson(err) }, null, 2)}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
