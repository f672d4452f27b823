// Success envelopes. Record JSON comes UTF-8 encoded from the store's cache, so a 500-record page
// is one Buffer.concat rather than 500 JSON.stringify calls and an 800 KB string encode.

export interface Reply {
  status: number;
  body: string | Buffer;
  contentType?: string;
  /** Records in a list page, for the throughput counters. */
  records?: number;
}

export type Json = string | Buffer;
/** A JSON value still in pieces, joined once into the response body. */
export type JsonParts = Buffer[];

const asBuf = (j: Json): Buffer => (typeof j === 'string' ? Buffer.from(j, 'utf8') : j);

export function ok(data: Json | JsonParts, extra: { additional?: unknown; related?: unknown; status?: number } = {}): Reply {
  let tail = '';
  if (extra.additional !== undefined) tail += `,"additional_data":${JSON.stringify(extra.additional)}`;
  if (extra.related !== undefined) tail += `,"related_objects":${JSON.stringify(extra.related)}`;
  tail += '}';
  const head = '{"success":true,"data":';
  const body =
    typeof data === 'string' ? head + data + tail : Buffer.concat([Buffer.from(head), ...(Array.isArray(data) ? data : [data]), Buffer.from(tail)]);
  return { status: extra.status ?? 200, body };
}

export const okValue = (data: unknown, extra: { additional?: unknown; related?: unknown; status?: number } = {}): Reply => ok(JSON.stringify(data), extra);

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** `[a,b,c]` from pre-serialised items, as pieces: the page is copied once, into the body. */
export function jsonList(items: readonly Json[]): JsonParts {
  const parts: Buffer[] = new Array(items.length * 2 + 1);
  let n = 0;
  parts[n++] = OPEN;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts[n++] = COMMA;
    parts[n++] = asBuf(items[i]);
  }
  parts[n++] = CLOSE;
  parts.length = n;
  return parts;
}
