// Stable error codes for the state store and the cache (SL6xxx). Codes never change meaning; wording
// may. SL60xx: the database and its schema; SL601x: runs; SL602x: flows as the CLI names them;
// SL603x: templates and --var; SL61xx: the cache folders.
import { SluiceError } from '../errors.js';

export const STATE_ERRORS = {
  notADatabase: 'SL6001',
  fromTheFuture: 'SL6002',
  busy: 'SL6003',
  cannotOpen: 'SL6004',
  migrationFailed: 'SL6005',
  flowRunning: 'SL6010',
  runNotFound: 'SL6011',
  runFinished: 'SL6012',
  cursorKindChanged: 'SL6013',
  cursorInvalid: 'SL6014',
  runInterrupted: 'SL6016',
  flowNotFound: 'SL6020',
  flowAmbiguous: 'SL6021',
  flowClaimed: 'SL6022',
  varMalformed: 'SL6030',
  varBuiltin: 'SL6031',
  cacheUnwritable: 'SL6101',
} as const;

export type StateErrorCode = (typeof STATE_ERRORS)[keyof typeof STATE_ERRORS];

export class StateError extends SluiceError {
  constructor(code: StateErrorCode, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'StateError';
  }
}
