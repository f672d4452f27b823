// Errors a user can act on are typed data: a stable code, a message saying what went wrong, and a
// hint saying how to fix it. The CLI prints them without a stack trace; anything else is a bug.

export class SluiceError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** The exit code the CLI should use (see cli/exit-codes.ts). */
  readonly exitCode: number;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A command was called wrongly (unknown flag, missing file): exit 2, like most Unix tools. */
export class UsageError extends SluiceError {
  constructor(message: string, hint?: string) {
    super('SL0002', message, { hint, exitCode: 2 });
    this.name = 'UsageError';
  }
}
