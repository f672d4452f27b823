// What every source gives the interpreter: pages of records, read lazily so that memory stays flat
// however many records there are. Breaking out of the loop stops the reading (and the requests).
import type { Rec } from '../eval.js';
import type { Rejection } from '../dests/destination.js';

export interface Source {
  readonly describe: string;
  pages(): AsyncIterable<Rec[]>;
  /** Records the source itself could not read (a CSV row that does not fit `as { ... }`). */
  onReject?: (r: Rejection) => void;
}

export const PAGE = 500;
