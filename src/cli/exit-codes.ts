// Exit codes that scripts can trust. Documented in README.md ("Exit codes").
export const EXIT = {
  /** Success; `check` found no errors (warnings allowed unless --strict). */
  ok: 0,
  /** The command ran and found problems: diagnostics, a failed run, files not formatted. */
  failed: 1,
  /** The command was called wrongly: unknown flag, missing argument, missing file. */
  usage: 2,
  /** A run finished but some records were rejected by the destination (kept, not lost). */
  rejected: 3,
  /** Interrupted by a signal (Ctrl-C); state of what was written is saved. */
  interrupted: 130,
  /** The reader of the output went away (`sluice ... | head`): 128 + SIGPIPE, as for other tools. */
  closedPipe: 141,
} as const;
