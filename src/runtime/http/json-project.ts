// Reading only some fields of each record of a list answer. A flow that maps a person to its id and
// name reads 2 of its 40-odd fields; parsing the other 38 (objects, lists, strings) is most of what
// reading a page costs in CPU and garbage. Here the records' bytes are scanned once, each record's
// top-level keys are compared with the fields asked for, and only those keys with their values are
// copied out, as the text `[{"id":1,"name":"Ann"},...]` that one JSON.parse turns into the records.
//
// What comes out is what JSON.parse of the whole record would give for those fields: a value kept
// is parsed by JSON.parse from its own bytes, a key that appears twice is copied twice (the later
// wins, as in JSON.parse), a key written with escapes is decoded before it is compared. A record
// that is not an object is copied whole. What is skipped is scanned for its strings and brackets
// only: a malformed value in a field the flow does not read is not noticed, as it would not be by a
// reader that never looked at it; the brackets around the records, the separators between them
// and every value kept are checked.

import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isSpace, nextBackslash, OPEN_ARRAY, OPEN_OBJECT, QUOTE, stringStop } from './json-bytes.js';
import { JsonRecordsError } from './json-records-error.js';

/** Where in a record's top level the scan is. */
const enum Slot {
  Key,
  Colon,
  Value,
}

/** What stopped a scan. */
export const enum ProjectStop {
  End,
  Close,
  Missing,
  Unexpected,
}

/** Bytes copied out, in one buffer that grows; `text()` decodes a prefix of it. */
class Out {
  buf = Buffer.allocUnsafe(64 * 1024);
  n = 0;

  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }

  bytes(src: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.room(to - from);
    this.n += src.copy(this.buf, this.n, from, to);
  }
}

/**
 * The projecting scan of a records' array, chunk by chunk: `scan` from inside the array to its `]`
 * (returns its index) or to the chunk's end (returns the chunk's length); the records complete so
 * far are pushed to `into`, each an object of the fields asked for that it has.
 */
export class RecordProjection {
  /** Each field by name, with its key as JSON text (`"name"`): the form most keys are written in, and the one copied out. */
  private readonly raw: ReadonlyMap<string, Buffer>;
  /** The fields' JSON texts by their length in bytes (most keys are of a length no field has). */
  private readonly byLength: Buffer[][];

  private inString = false;
  private escaped = false;
  /** 0: between records; 1: a record's top level; more: inside one of its values. */
  private depth = 0;
  private slot = Slot.Key;
  /** A record has begun since the last separator. */
  private hasValue = false;
  private sawComma = false;
  /** The record being read is not an object: it is copied whole. */
  private whole = false;
  /** The value being read is copied (its key was asked for). */
  private keep = false;
  /** The value being read (depth 1) has begun. */
  private inValue = false;
  /** Where, in the current chunk, the text being copied began (-1: nothing is being copied). */
  private from = -1;
  /** The key being read, when it began in an earlier chunk or holds an escape. */
  private key: Buffer[] = [];
  private keyFrom = -1;
  private keyEscaped = false;
  /** A field of the current record was copied (the next needs a comma before it). */
  private pairs = 0;

  /** The projected text: `[` and the records complete so far, then the one being read. */
  private readonly out = new Out();
  /** Where in `out` the record being read begins. */
  private recordAt = 1;
  private records = 0;

  constructor(fields: readonly string[]) {
    this.raw = new Map(fields.map((f) => [f, Buffer.from(JSON.stringify(f), 'utf8')]));
    const texts = [...this.raw.values()];
    this.byLength = Array.from({ length: Math.max(0, ...texts.map((r) => r.length)) + 1 }, () => [] as Buffer[]);
    for (const r of texts) this.byLength[r.length].push(r);
    this.reset();
  }

  reset(): void {
    this.inString = false;
    this.escaped = false;
    this.depth = 0;
    this.slot = Slot.Key;
    this.hasValue = false;
    this.sawComma = false;
    this.whole = false;
    this.keep = false;
    this.inValue = false;
    this.from = -1;
    this.key = [];
    this.keyFrom = -1;
    this.keyEscaped = false;
    this.pairs = 0;
    this.out.n = 0;
    this.out.byte(OPEN_ARRAY);
    this.recordAt = 1;
    this.records = 0;
  }

  scan(chunk: Buffer, start: number, offset: number, into: unknown[]): number {
    const n = chunk.length;
    // The state every byte touches is kept in locals (written back before anything that reads it
    // from the object, read again after): most of a page is skipped, byte by byte, in this loop.
    let inString = this.inString;
    let escaped = this.escaped;
    let depth = this.depth;
    let backslash = -1;
    let i = start;
    // Text begun in an earlier chunk goes on from this one's start.
    if (this.from >= 0) this.from = start;
    if (this.keyFrom >= 0) this.keyFrom = start;
    let stop = ProjectStop.End;
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
        if (chunk[i] === BACKSLASH) {
          escaped = true;
          if (this.keyFrom >= 0) this.keyEscaped = true;
          continue;
        }
        inString = false;
        if (this.keyFrom >= 0) this.endKey(chunk, i, offset);
        continue;
      }
      const b = chunk[i];
      if (depth > 1 || (depth === 1 && this.whole)) {
        // Inside a value skipped or copied whole: only its brackets and strings matter.
        if (b === QUOTE) inString = true;
        else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
        else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
        continue;
      }
      if (isSpace(b)) continue;
      if (depth === 0) {
        if (b === COMMA) {
          if (!this.hasValue) {
            stop = ProjectStop.Missing;
            break;
          }
          if (this.whole) this.endWhole(chunk, i);
          this.hasValue = false;
          this.sawComma = true;
        } else if (b === CLOSE_ARRAY) {
          stop = ProjectStop.Close;
          break;
        } else if (b === CLOSE_OBJECT) {
          stop = ProjectStop.Unexpected;
          break;
        } else if (this.hasValue && !this.whole) {
          // A second value where a separator belongs: `[{} 1]`; JSON.parse of the copy says so.
          this.whole = true;
          this.out.byte(0x20);
          this.from = i;
          if (b === QUOTE) inString = true;
          else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
        } else if (!this.hasValue) {
          this.hasValue = true;
          if (this.out.n > 1) this.out.byte(COMMA);
          this.recordAt = this.out.n;
          if (b === OPEN_OBJECT) {
            depth = 1;
            this.slot = Slot.Key;
            this.pairs = 0;
            this.out.byte(OPEN_OBJECT);
          } else {
            // Not an object: copied whole, up to the separator after it.
            this.whole = true;
            this.from = i;
            if (b === QUOTE) inString = true;
            else if (b === OPEN_ARRAY) depth++;
          }
        } else if (b === QUOTE) inString = true;
        else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
        continue;
      }
      // A record's top level.
      if (b === QUOTE) {
        inString = true;
        if (this.slot === Slot.Key) {
          this.keyFrom = i;
          this.key = [];
          this.keyEscaped = false;
        } else this.beginValue(i);
      } else if (b === COLON) {
        this.slot = Slot.Value;
        this.inValue = false;
        if (this.keep) this.out.byte(COLON);
      } else if (b === COMMA) {
        this.endValue(chunk, i);
        this.slot = Slot.Key;
      } else if (b === CLOSE_OBJECT) {
        this.endValue(chunk, i);
        this.out.byte(CLOSE_OBJECT);
        depth = 0;
        this.records++;
      } else {
        if (this.slot !== Slot.Value) {
          // Something other than a key where a key belongs: copied, so that JSON.parse refuses it.
          this.keep = true;
          this.slot = Slot.Value;
          this.inValue = false;
        }
        this.beginValue(i);
        if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
      }
    }
    this.inString = inString;
    this.escaped = escaped;
    this.depth = depth;
    // Text still being read is copied now: the chunk is let go after this.
    if (stop === ProjectStop.End) {
      if (this.from >= 0) this.out.bytes(chunk, this.from, n);
      if (this.keyFrom >= 0) this.key.push(chunk.subarray(this.keyFrom, n));
    } else if (stop === ProjectStop.Close) {
      if (this.whole) this.endWhole(chunk, i);
      if (!this.hasValue && this.sawComma) throw new JsonRecordsError(offset + i, 'a list element is missing');
    } else if (stop === ProjectStop.Missing) throw new JsonRecordsError(offset + i, 'a list element is missing');
    else throw new JsonRecordsError(offset + i, 'unexpected }');
    this.take(offset + i, into, stop === ProjectStop.Close);
    return stop === ProjectStop.End ? n : i;
  }

  private beginValue(i: number): void {
    if (this.inValue) return;
    this.inValue = true;
    if (this.keep) this.from = i;
  }

  private endValue(chunk: Buffer, i: number): void {
    if (this.keep && this.from >= 0) this.out.bytes(chunk, this.from, i);
    this.from = -1;
    this.keep = false;
    this.inValue = false;
  }

  private endWhole(chunk: Buffer, i: number): void {
    this.out.bytes(chunk, this.from, i);
    this.from = -1;
    this.whole = false;
    this.depth = 0;
    this.records++;
  }

  /** A top-level key has ended at `i` (its closing quote): is it one of the fields asked for? */
  private endKey(chunk: Buffer, i: number, offset: number): void {
    const from = this.keyFrom;
    this.keyFrom = -1;
    this.slot = Slot.Colon;
    /** The field's JSON text when the key is one asked for. */
    let text: Buffer | undefined;
    if (this.key.length === 0 && !this.keyEscaped) {
      const len = i + 1 - from;
      // Compared byte by byte: keys are short, and a native compare costs more to call than this.
      if (len < this.byLength.length) {
        const candidates = this.byLength[len];
        for (let c = 0; c < candidates.length && text === undefined; c++) {
          const r = candidates[c];
          let k = 1;
          while (k < len - 1 && r[k] === chunk[from + k]) k++;
          if (k === len - 1) text = r;
        }
      }
    } else {
      // Across chunks or with escapes: decoded, compared by name, copied in its plain form.
      this.key.push(chunk.subarray(from, i + 1));
      let name: string;
      try {
        name = JSON.parse(Buffer.concat(this.key).toString('utf8')) as string;
      } catch (err) {
        throw new JsonRecordsError(offset + i, (err as Error).message);
      }
      this.key = [];
      text = this.raw.get(name);
    }
    this.keep = text !== undefined;
    if (text !== undefined) {
      if (this.pairs++ > 0) this.out.byte(COMMA);
      this.out.bytes(text, 0, text.length);
    }
  }

  /** Parses the records complete so far (all of them at the array's end) into `into`. */
  private take(at: number, into: unknown[], closing: boolean): void {
    if (this.records === 0) return;
    const o = this.out;
    // A record still being read begins at `recordAt`, after the comma that ends the others.
    const reading = !closing && (this.depth > 0 || this.whole);
    const rest = reading ? Buffer.from(o.buf.subarray(this.recordAt, o.n)) : undefined;
    const end = reading ? this.recordAt - 1 : o.n;
    o.n = end;
    o.byte(CLOSE_ARRAY);
    let parsed: unknown[];
    try {
      parsed = JSON.parse(o.buf.toString('utf8', 0, o.n)) as unknown[];
    } catch (err) {
      throw new JsonRecordsError(at, (err as Error).message);
    }
    for (let k = 0; k < parsed.length; k++) into.push(parsed[k]);
    this.records = 0;
    o.n = 0;
    o.byte(OPEN_ARRAY);
    if (rest) o.bytes(rest, 0, rest.length);
    this.recordAt = 1;
  }
}
