// Reading the records of a list answer chunk by chunk, instead of joining the whole body and parsing
// it at once. A page of 500 persons is a few hundred KB of text: held as a buffer, then as a
// string, then as the parsed tree, it costs several times its size at the moment it is parsed.
// Here each record is parsed once its last byte has been pushed, and only the bytes of the record
// being read are held; the rest of the answer (the envelope with the pagination markers) is kept,
// with the records' array emptied, and parsed at the end. The client keeps an answer's chunks until
// its reader wants the page (client.ts, `parseWhen`) and pushes them then.
//
// The scanner only finds where values begin and end (strings, escapes, brackets); the values
// themselves are parsed by JSON.parse, so what is accepted and what each record becomes is exactly
// what JSON.parse of the whole body would give. Inside the records' array the scanner follows only
// strings and the depth of brackets (nothing in a record matters to the pointer), and the records
// that end in one chunk are parsed by one JSON.parse of their text as an array: a page is most of
// the work of a read, and a call per record would cost more than the parsing.
//
// Where records end is always found by the scan, never guessed (say at the chunk's last `},{`) and
// left to JSON.parse to confirm: a JSON.parse that throws keeps its whole text alive until the next
// full GC (V8 makes a script of the source, for the error's location), so each wrong guess would
// carry a chunk of text through every minor GC into the old generation, where it stays until a
// full GC.
//
// Where the records' place is not an array of the answer (missing, null, an object, reached through
// an array index), nothing is taken out: `records` is undefined and the caller reads the body as
// before.

import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isSpace, nextBackslash, OPEN_ARRAY, OPEN_OBJECT, QUOTE, stringStop } from './json-bytes.js';
import { JsonRecordsError } from './json-records-error.js';
import { RecordProjection } from './json-project.js';
import { pointerTokens } from './pointer.js';

export { JsonRecordsError };

/** What a body fed to RecordsParser turned out to be. */
export interface ParsedRecords {
  /** The body, with the records' array (when found) left empty; null for an empty body. */
  body: unknown;
  /** The elements of the array at the pointer, in order; undefined when there was no array there. */
  records: unknown[] | undefined;
}

/** Where in an object the scanner is: before a key, in or after a key, or in its value. */
const enum Slot {
  Key,
  Colon,
  Value,
}

interface Frame {
  array: boolean;
  /** The path from the root to this container follows the pointer so far. */
  onPath: boolean;
  slot: Slot;
  /** The key whose value is being read (objects on the path only). */
  key: string | undefined;
}

/** Feed it the body's chunks in order (`push`), then `end()`: the records and the rest of the body. */
export class RecordsParser {
  private readonly tokens: string[];
  private readonly stack: Frame[] = [];
  private inString = false;
  private escaped = false;
  /** Bytes of the body outside the records' array. */
  private skeleton: Buffer[] = [];
  /** Bytes of the record being read, from the chunks before the current one. */
  private element: Buffer[] = [];
  /** Where the scan of the records' array is. */
  private readonly scan = new RecordScan();
  /** Depth of the records' array in `stack` (its frame's index + 1), 0 when not inside it. */
  private target = 0;
  private records: unknown[] | undefined;
  /** Bytes of the key being read, when its object is on the path. */
  private key: Buffer[] | undefined;
  /** Bytes pushed before the current chunk, for the offsets in errors. */
  private offset = 0;

  /** With fields: each record keeps only those (json-project.ts). */
  private readonly projection: RecordProjection | undefined;

  constructor(pointer: string, fields?: readonly string[]) {
    this.tokens = pointerTokens(pointer);
    this.projection = fields ? new RecordProjection(fields) : undefined;
  }

  push(chunk: Buffer): void {
    let from = 0;
    let skeletonFrom = 0;
    const n = chunk.length;
    // The next backslash at or after i (n: none): found once per stretch, so that skipping over a
    // string is one indexOf rather than a loop over its bytes.
    let backslash = -1;
    for (let i = 0; i < n; i++) {
      if (this.target > 0) {
        // In the records' array: read records up to its end, or to the end of the chunk.
        const close = this.scanRecords(chunk, i);
        if (close === n) break;
        this.stack.pop();
        this.target = 0;
        skeletonFrom = close;
        backslash = -1;
        i = close;
        continue;
      }
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        backslash = nextBackslash(chunk, i, n, backslash);
        const quote = stringStop(chunk, i, backslash);
        if (quote >= n) break;
        i = quote;
        if (chunk[i] === BACKSLASH) {
          this.escaped = true;
          continue;
        }
        this.inString = false;
        const top = this.stack.length > 0 ? this.stack[this.stack.length - 1] : undefined;
        if (top && !top.array && top.slot === Slot.Key) {
          top.slot = Slot.Colon;
          if (this.key) {
            this.key.push(chunk.subarray(from, i + 1));
            top.key = this.readKey();
          }
        }
        continue;
      }
      const b = chunk[i];
      if (isSpace(b)) continue;
      const top = this.stack.length > 0 ? this.stack[this.stack.length - 1] : undefined;
      // A value begins where an object awaits one, or anywhere in an array.
      const startsValue = b !== COMMA && b !== COLON && b !== CLOSE_ARRAY && b !== CLOSE_OBJECT && (top === undefined || top.array || top.slot === Slot.Value);
      const onPath = this.valueOnPath(top);
      // Another value where the records should be (a later duplicate key wins, as in JSON.parse):
      // unless it is an array, the caller reads the body as before.
      if (startsValue && b !== OPEN_ARRAY && onPath === this.stack.length && this.stack.length === this.tokens.length) this.records = undefined;
      switch (b) {
        case QUOTE:
          this.inString = true;
          if (top && !top.array && top.slot === Slot.Key && top.onPath) {
            this.key = [];
            from = i;
          }
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY: {
          const array = b === OPEN_ARRAY;
          const depth = this.stack.length;
          const reached = onPath === depth && depth === this.tokens.length;
          this.stack.push({ array, onPath: onPath === depth && depth < this.tokens.length && !array, slot: Slot.Key, key: undefined });
          if (reached && array) {
            // The records' array: its content goes to `records`, not to the skeleton.
            this.skeleton.push(chunk.subarray(skeletonFrom, i + 1));
            this.target = this.stack.length;
            this.records = [];
            this.element = [];
            this.scan.reset();
            this.projection?.reset();
          }
          break;
        }
        case CLOSE_OBJECT:
        case CLOSE_ARRAY: {
          const frame = this.stack.pop();
          if (!frame || frame.array !== (b === CLOSE_ARRAY)) throw new JsonRecordsError(this.offset + i, `unexpected ${String.fromCharCode(b)}`);
          break;
        }
        case COLON:
          if (top && !top.array && top.slot === Slot.Colon) top.slot = Slot.Value;
          break;
        case COMMA:
          if (top && !top.array) {
            top.slot = Slot.Key;
            top.key = undefined;
          }
          break;
      }
    }
    if (this.target === 0) {
      if (this.key && this.inString) this.key.push(chunk.subarray(from));
      this.skeleton.push(chunk.subarray(skeletonFrom));
    }
    this.offset += n;
  }

  /**
   * Reads records from `start` (inside the records' array) to the `]` that closes the array, whose
   * index it returns, or to the end of the chunk (returns its length), keeping the bytes of the
   * record left unfinished. Whether a record's brackets match, and everything else about it, is
   * JSON.parse's to check on the record's text.
   */
  private scanRecords(chunk: Buffer, start: number): number {
    if (this.projection) return this.projection.scan(chunk, start, this.offset, this.records!);
    const n = chunk.length;
    const s = this.scan;
    s.inString = this.inString;
    s.escaped = this.escaped;
    s.complete = -1;
    const i = scanRecordBytes(chunk, start, s);
    const at = this.offset + i;
    switch (s.stop) {
      case Stop.Missing:
        throw new JsonRecordsError(at, 'a list element is missing');
      case Stop.Unexpected:
        throw new JsonRecordsError(at, 'unexpected }');
      case Stop.Close:
        // `[]` is an empty list; `[1,]` is not JSON.
        if (!s.hasValue && s.sawComma) throw new JsonRecordsError(at, 'a list element is missing');
        this.take(chunk, start, s.hasValue ? i : s.complete, i);
        this.element = [];
        this.inString = false;
        this.escaped = false;
        s.depth = 0;
        s.hasValue = false;
        s.sawComma = false;
        return i;
      default:
        this.take(chunk, start, s.complete, s.complete);
        if (s.complete + 1 < n) this.element.push(chunk.subarray(s.complete < 0 ? start : s.complete + 1));
        this.inString = s.inString;
        this.escaped = s.escaped;
        return n;
    }
  }

  /**
   * Parses the records that end at `end` (exclusive; -1: none ended in this chunk): the bytes held
   * from earlier chunks, then this chunk's from `from`. Several records are parsed as one array:
   * the separators between them are the array's own, and JSON.parse refuses the whole exactly when
   * it would refuse one of them.
   */
  private take(chunk: Buffer, from: number, end: number, at: number): void {
    if (end < 0) return;
    if (end > from) this.element.push(chunk.subarray(from, end));
    if (this.element.length === 0) return;
    const text = decodeList(this.element);
    this.element = [];
    let parsed: unknown[];
    try {
      parsed = JSON.parse(text) as unknown[];
    } catch (err) {
      throw new JsonRecordsError(this.offset + at, (err as Error).message);
    }
    const records = this.records!;
    for (let k = 0; k < parsed.length; k++) records.push(parsed[k]);
  }

  end(): ParsedRecords {
    if (this.inString || this.stack.length > 0) throw new JsonRecordsError(this.offset, 'the body ends inside a value');
    const text = Buffer.concat(this.skeleton).toString('utf8');
    this.skeleton = [];
    if (text.trim() === '') return { body: null, records: undefined };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new JsonRecordsError(this.offset, (err as Error).message);
    }
    return { body, records: this.records };
  }

  /** How deep the value about to begin in `top` follows the pointer: its depth if on the path, else -1. */
  private valueOnPath(top: Frame | undefined): number {
    if (top === undefined) return 0;
    if (top.array || !top.onPath || top.slot !== Slot.Value) return -1;
    const depth = this.stack.length - 1;
    return top.key === this.tokens[depth] ? depth + 1 : -1;
  }

  private readKey(): string {
    const raw = decode(this.key!);
    this.key = undefined;
    try {
      return JSON.parse(raw) as string;
    } catch (err) {
      throw new JsonRecordsError(this.offset, (err as Error).message);
    }
  }
}

const enum Stop {
  /** The end of the chunk. */
  End,
  /** The `]` that closes the records' array. */
  Close,
  /** A separator with no record before it. */
  Missing,
  /** A `}` between records. */
  Unexpected,
}

/** The scanner's place in the records' array, across chunks. */
class RecordScan {
  inString = false;
  escaped = false;
  /** Brackets open inside the record being read. */
  depth = 0;
  /** The record being read has begun (more than white space since the last separator). */
  hasValue = false;
  sawComma = false;
  /** The separator after the last record complete in this chunk (-1: none). */
  complete = -1;
  stop = Stop.End;

  reset(): void {
    this.depth = 0;
    this.hasValue = false;
    this.sawComma = false;
    this.complete = -1;
  }
}

/**
 * The scan of the records' bytes, from `start` until the end of the chunk, the array's `]` or a
 * misplaced separator (`s.stop` says which; returns its index). Only strings (each skipped by
 * indexOf, which in whole runs costs less than a loop over their bytes) and bracket depth are
 * followed. A function of its own, and with the rare cases left to the caller, so that the compiler
 * optimises the loop whole rather than stopping at a branch it has never seen taken.
 */
function scanRecordBytes(chunk: Buffer, start: number, s: RecordScan): number {
  const n = chunk.length;
  let inString = s.inString;
  let escaped = s.escaped;
  let depth = s.depth;
  let hasValue = s.hasValue;
  let sawComma = s.sawComma;
  let complete = s.complete;
  let stop = Stop.End;
  // The next backslash at or after i (n: none), found once per stretch: backslashes are rare.
  let backslash = -1;
  let i = start;
  for (; i < n; i++) {
    if (inString) {
      if (escaped) {
        escaped = false;
        continue;
      }
      backslash = nextBackslash(chunk, i, n, backslash);
      const quote = stringStop(chunk, i, backslash);
      if (quote >= n) {
        i = n;
        break;
      }
      i = quote;
      if (chunk[i] === BACKSLASH) escaped = true;
      else inString = false;
      continue;
    }
    const b = chunk[i];
    if (b === QUOTE) {
      inString = true;
      hasValue = true;
    } else if (depth > 0) {
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
      else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
    } else if (b === COMMA) {
      // `[,` and `[1,,2]` are not JSON.
      if (!hasValue) {
        stop = Stop.Missing;
        break;
      }
      hasValue = false;
      sawComma = true;
      complete = i;
    } else if (b === CLOSE_ARRAY) {
      stop = Stop.Close;
      break;
    } else if (b === CLOSE_OBJECT) {
      stop = Stop.Unexpected;
      break;
    } else if (!isSpace(b)) {
      hasValue = true;
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
    }
  }
  s.inString = inString;
  s.escaped = escaped;
  s.depth = depth;
  s.hasValue = hasValue;
  s.sawComma = sawComma;
  s.complete = complete;
  s.stop = stop;
  return stop === Stop.End ? n : i;
}

// Run once on nothing when the module loads: the first page's first chunk is long enough for the
// loop to be compiled while it runs, before the stores after it have ever run, and that code would
// then be thrown away at the loop's end on each chunk until the whole function is compiled again.
scanRecordBytes(Buffer.alloc(0), 0, new RecordScan());

/** The text of a value's pieces; one piece (most records: a record within one chunk) is not copied first. */
function decode(pieces: Buffer[]): string {
  return pieces.length === 1 ? pieces[0].toString('utf8') : Buffer.concat(pieces).toString('utf8');
}

/** Room for a chunk's records with the brackets around them; a rare larger list gets its own. */
const LIST_ROOM = 256 * 1024;
let listRoom: Buffer | undefined;

/**
 * The text of records' pieces as one JSON array. The brackets are written with the bytes, so the
 * text is one flat string: `[` + text + `]` would be a cons string that JSON.parse flattens into a
 * second copy, and a page's records would allocate their text twice, which makes the minor GCs come
 * more often and carry more of the records still in flight into the old generation.
 */
function decodeList(pieces: Buffer[]): string {
  let n = 2;
  for (let k = 0; k < pieces.length; k++) n += pieces[k].length;
  const room = n <= LIST_ROOM ? (listRoom ??= Buffer.allocUnsafe(LIST_ROOM)) : Buffer.allocUnsafe(n);
  room[0] = 0x5b;
  let at = 1;
  for (let k = 0; k < pieces.length; k++) at += pieces[k].copy(room, at);
  room[at++] = 0x5d;
  return room.toString('utf8', 0, at);
}

/** Parses a whole body at once the same way (the property tests compare it with JSON.parse). */
export function parseRecords(chunks: Iterable<Buffer>, pointer: string, fields?: readonly string[]): ParsedRecords {
  const p = new RecordsParser(pointer, fields);
  for (const c of chunks) p.push(c);
  return p.end();
}
