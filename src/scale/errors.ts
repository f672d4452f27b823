// Stable error codes of queue mode (SL85xx). Codes never change meaning; wording may.
import { SluiceError } from '../errors.js';

export const SCALE_ERRORS = {
  badQueueUrl: 'SL8501',
  needsPostgres: 'SL8502',
  redisUnreachable: 'SL8503',
  noSuchVersion: 'SL8504',
  runFailed: 'SL8505',
  doesNotCheck: 'SL8506',
  badRequest: 'SL8507',
} as const;

export type ScaleErrorCode = (typeof SCALE_ERRORS)[keyof typeof SCALE_ERRORS];

export class ScaleError extends SluiceError {
  constructor(code: ScaleErrorCode, message: string, options: { hint?: string; exitCode?: number } = {}) {
    super(code, message, options);
    this.name = 'ScaleError';
  }
}
