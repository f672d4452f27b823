// A broken app definition is the stdlib author's mistake, not the flow author's: the error names the
// file and the JSON pointer of the offending value, so it can be fixed without guessing.
import { SluiceError } from '../errors.js';

/** Stable codes of app-definition errors (documented in stdlib/README.md). */
export const APP_ERROR = {
  /** The file is not JSON. */
  syntax: 'SL0401',
  /** The file does not match the meta-schema. */
  schema: 'SL0402',
  /** A `$ref` cannot be resolved (missing file or pointer, a cycle, outside stdlib). */
  ref: 'SL0403',
  /** Valid JSON Schema but inconsistent (undeclared path parameter, unknown pagination style, ...). */
  semantic: 'SL0404',
  /** A file or folder the loader needs is missing. */
  missing: 'SL0405',
} as const;

const STDLIB_HINT = 'This is a broken app definition in the standard library (see stdlib/README.md), not a problem in your flow.';
/** A user's own definition (an `apps/` folder, `--apps DIR`): theirs to fix. */
export const USER_APP_HINT = 'This is a broken app definition in your apps folder; the format is described in stdlib/README.md (`sluice apps validate FILE` checks one).';

export class AppDefinitionError extends SluiceError {
  /** Absolute path of the file. */
  readonly file: string;
  /** The path as shown, e.g. `stdlib/pipedrive/actions/persons.json`. */
  readonly displayPath: string;
  /** JSON pointer of the problem inside the file (`''` is the whole file). */
  readonly pointer: string;
  /** The problem without the location. */
  readonly detail: string;

  constructor(code: string, file: string, displayPath: string, pointer: string, detail: string, hint = STDLIB_HINT) {
    super(code, `${displayPath}: ${pointer === '' ? '' : `${pointer} `}${detail}`, { hint });
    this.name = 'AppDefinitionError';
    this.file = file;
    this.displayPath = displayPath;
    this.pointer = pointer;
    this.detail = detail;
  }
}

/** Escapes one reference token of a JSON pointer (RFC 6901). */
export const ptrToken = (s: string | number): string => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
export const ptrJoin = (base: string, ...tokens: (string | number)[]): string => base + tokens.map((t) => `/${ptrToken(t)}`).join('');
