// Stable error codes for connections (SL5xxx). Codes never change meaning; wording may. Every error
// is built here from values we chose to show (host names, variable names, masked tokens), never from
// a library's message or options, which can hold the request headers and so the token.
import { SluiceError } from '../errors.js';

export const CONNECTION_ERRORS = {
  // Company URL
  urlMalformed: 'SL5001',
  urlNotHttps: 'SL5002',
  urlNotPipedrive: 'SL5003',
  urlInsecureNotLoopback: 'SL5004',
  hostUnresolvable: 'SL5005',
  // API version
  versionInvalid: 'SL5010',
  versionNotServed: 'SL5011',
  // API token
  tokenMalformed: 'SL5020',
  tokenRejected: 'SL5021',
  tokenMissing: 'SL5022',
  // Network and server
  connectionRefused: 'SL5030',
  timeout: 'SL5031',
  tls: 'SL5032',
  network: 'SL5033',
  unexpectedResponse: 'SL5034',
  // The store and names
  fileTooOpen: 'SL5040',
  fileUnreadable: 'SL5041',
  folderTooOpen: 'SL5042',
  notFound: 'SL5043',
  alreadyExists: 'SL5044',
  nameInvalid: 'SL5045',
  tokenEnvUnset: 'SL5046',
  appUnsupported: 'SL5047',
  appMismatch: 'SL5048',
  envIncomplete: 'SL5049',
  cancelled: 'SL5050',
  /** A SLUICE_<NAME>_* variable holds a value that is not what it must be (seats, daily budget). */
  envInvalid: 'SL5051',
} as const;

export type ConnectionErrorCode = (typeof CONNECTION_ERRORS)[keyof typeof CONNECTION_ERRORS];

export class ConnectionError extends SluiceError {
  constructor(code: ConnectionErrorCode, message: string, hint?: string) {
    // No `cause`: a got error as cause would carry its options (headers with the token) into any
    // serialiser that walks causes.
    super(code, message, { hint, exitCode: 1 });
    this.name = 'ConnectionError';
  }
}
