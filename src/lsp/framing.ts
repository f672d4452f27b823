// Reads LSP messages (`Content-Length: N` headers, a blank line, N bytes of JSON) from a byte
// stream, and recovers from a malformed frame instead of waiting forever for bytes that never come:
// LF-only separators are accepted, a wrong Content-Length is corrected by reading the JSON value
// that follows the header, and anything unreadable is skipped up to the next header. Every skip is
// reported (`onSkip`), so the log says what was lost.
import { AbstractMessageReader, Disposable, type DataCallback, type Message } from 'vscode-languageserver/node.js';

const HEADER = Buffer.from('content-length', 'latin1');

export interface FramingOptions {
  /** Told what was skipped and why (the server logs it to stderr). */
  onSkip?: (reason: string) => void;
}

export class RecoveringMessageReader extends AbstractMessageReader {
  private buffer = Buffer.alloc(0);
  private callback: DataCallback | undefined;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly options: FramingOptions = {},
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer | string) => {
      this.buffer = Buffer.concat([this.buffer, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk]);
      this.drain();
    };
    const onEnd = () => this.fireClose();
    const onError = (e: Error) => this.fireError(e);
    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    this.input.on('error', onError);
    return Disposable.create(() => {
      this.callback = undefined;
      this.input.off('data', onData);
      this.input.off('end', onEnd);
      this.input.off('close', onEnd);
      this.input.off('error', onError);
    });
  }

  /** Takes every complete message out of the buffer. */
  private drain(): void {
    for (;;) {
      const m = this.next();
      if (m === undefined) return;
      this.callback?.(m);
    }
  }

  private skip(to: number, reason: string): void {
    if (to > 0) this.options.onSkip?.(`${reason} (${to} bytes skipped)`);
    this.buffer = this.buffer.subarray(to);
  }

  private next(): Message | undefined {
    for (;;) {
      const start = indexOfHeader(this.buffer, 0);
      if (start < 0) {
        // Keep a tail that may be the start of a header split across chunks.
        const keep = Math.min(this.buffer.length, HEADER.length);
        if (this.buffer.length - keep > 0 && this.buffer.subarray(0, this.buffer.length - keep).some((b) => !isSpace(b))) {
          this.skip(this.buffer.length - keep, 'bytes outside any message');
        } else this.buffer = this.buffer.subarray(this.buffer.length - keep);
        return undefined;
      }
      if (start > 0) {
        const junk = this.buffer.subarray(0, start);
        if (junk.some((b) => !isSpace(b))) this.skip(start, 'bytes before a header');
        else this.buffer = this.buffer.subarray(start);
      }
      const end = headerEnd(this.buffer);
      if (end < 0) {
        // A header that runs into the next one never ends: skip it.
        const again = indexOfHeader(this.buffer, 1);
        if (again > 0) {
          this.skip(again, 'a header without its blank line');
          continue;
        }
        return undefined;
      }
      const length = contentLength(this.buffer.subarray(0, end).toString('latin1'));
      const complete = length !== undefined && this.buffer.length >= end + length;
      if (complete) {
        const parsed = parseJson(this.buffer.subarray(end, end + length));
        if (parsed !== undefined) {
          this.buffer = this.buffer.subarray(end + length);
          return parsed as Message;
        }
      }
      // The length is missing or wrong (or the body is still arriving): read the JSON object itself.
      const valueEnd = jsonValueEnd(this.buffer, skipSpace(this.buffer, end));
      if (valueEnd > 0) {
        const parsed = parseJson(this.buffer.subarray(end, valueEnd));
        if (parsed !== undefined) {
          if (length !== valueEnd - end) this.options.onSkip?.(`a message's Content-Length (${length ?? 'missing'}) is not its length (${valueEnd - end}); read it anyway`);
          this.buffer = this.buffer.subarray(valueEnd);
          return parsed as Message;
        }
      }
      if (valueEnd === 0 && !complete) return undefined;
      // Not JSON, or all its bytes are here and still no object: skip to the next header.
      const following = indexOfHeader(this.buffer, end);
      this.skip(following > 0 ? following : this.buffer.length, 'a message that is not JSON');
    }
  }
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function skipSpace(buf: Buffer, from: number): number {
  let i = from;
  while (i < buf.length && isSpace(buf[i])) i++;
  return i;
}

/** Where `Content-Length` starts (any case), at or after `from`; -1 when absent. */
function indexOfHeader(buf: Buffer, from: number): number {
  for (let i = from; i + HEADER.length <= buf.length; i++) {
    let ok = true;
    for (let j = 0; j < HEADER.length && ok; j++) ok = (buf[i + j] | 0x20) === HEADER[j];
    if (ok) return i;
  }
  return -1;
}

/** The offset just past the blank line that ends the header (CRLF CRLF, or LF LF); -1 when not yet there. */
function headerEnd(buf: Buffer): number {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function contentLength(header: string): number | undefined {
  const m = /content-length[ \t]*:[ \t]*(\d+)/i.exec(header);
  return m ? Number(m[1]) : undefined;
}

function parseJson(bytes: Buffer): unknown {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The offset just past the JSON object starting at `from`: 0 when it is not complete yet, -1 when
 * what stands there is not an object.
 */
function jsonValueEnd(buf: Buffer, from: number): number {
  if (from >= buf.length) return 0;
  if (buf[from] !== 0x7b) return -1;
  let depth = 0;
  let inString = false;
  for (let i = from; i < buf.length; i++) {
    const b = buf[i];
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return 0;
}
