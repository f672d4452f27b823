// The error of the records parsers (json-records.ts, json-project.ts), in a module of its own so
// that neither imports the other for it.

/** The body is not valid JSON: at `offset` (bytes), `reason`. */
export class JsonRecordsError extends Error {
  readonly code = 'malformed-json';
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`malformed JSON at byte ${offset}: ${reason}`);
    this.name = 'JsonRecordsError';
  }
}
