// Reading a list action page by page, as an async iterable of record arrays: v1 offset pagination
// (`start` / `limit`, `more_items_in_collection`, `next_start`) and v2 cursors (`cursor`,
// `next_cursor`, null on the last page). Where the markers are comes from the app definition's
// PaginationDef; where the records are from its ExtractDef.
//
// The next page is requested as soon as the current one has arrived, so the server works while the
// consumer does; by default never more than one page ahead, so memory stays at two pages whatever
// the size of the collection, and a consumer that stops early (`break`, a `since` watermark
// reached) costs at most one request more, which is aborted. `ahead` allows more pages in flight
// for offset pagination, where the next start can be predicted: a window that grows while pages
// come back full (page-window.ts). Pages are always yielded in order, whatever order they arrive in.
// A page read ahead waits as its bytes and is parsed when the consumer reaches it (client.ts,
// `parseWhen`): pages answered together are not all parsed interleaved, each finishing late. A
// small answer, or one well under a full page (likely the last), is parsed as soon as it is in.
import type { CostClass, ExtractDef, HttpMethod, PaginationDef } from '../../apps/types.js';
import type { ApiClient, ApiResponse, Query, QueryValue } from './client.js';
import { MalformedResponseError, type RequestSite } from './errors.js';
import { PageWindow } from './page-window.js';
import { firstPointer, getPointer } from './pointer.js';

/** The parts of a ResolvedAction paging needs (path parameters already filled in). */
export interface PageableAction {
  path: string;
  method?: HttpMethod | null;
  pagination: PaginationDef;
  extract: ExtractDef;
  cost: CostClass | null;
  /** Daily-budget tokens of one page request (default: the price of `cost`). */
  tokens?: number | null;
  /** The variant's API version (null: the connection's). */
  version?: string | null;
}

export interface PagesOptions {
  /** Records wanted in all (`where limit = N`); default: every record. */
  limit?: number;
  /** Records asked per page; default and ceiling: the pagination's pageSizeMax. */
  pageSize?: number;
  signal?: AbortSignal;
  /** Headers of every page request (parameters declared `in: header`). */
  headers?: Readonly<Record<string, string>>;
  /** A body sent with every page request (parameters declared `in: body`), as a form with `form`. */
  body?: Readonly<Record<string, string | number | boolean>>;
  form?: boolean;
  /**
   * The most pages in flight at once for offset pagination (default 1: the next page while the
   * current one is consumed). More hides network latency, which otherwise bounds a sequential read
   * far below the rate limit against a distant server; memory grows to that many pages. The window
   * starts at one page and grows to this while pages come back full. A function is asked again at
   * each page (the most worth having may follow the observed latency). Cursors: always 1.
   */
  ahead?: number | (() => number);
  /**
   * Keep only these top-level fields of each record: the rest of a record is skipped as its bytes
   * are read, never parsed (json-project.ts). The pagination's markers are outside the records and
   * unaffected.
   */
  fields?: readonly string[];
}

type Position =
  | { type: 'offset'; start: number }
  | { type: 'cursor'; cursor: string | undefined }
  | { type: 'page'; page: number }
  /** The next page's absolute URL (undefined: the first request, from path and query). */
  | { type: 'url'; url: string | undefined }
  | { type: 'none' };

/**
 * The records at the ExtractDef's pointer as a list, or undefined when they have the wrong shape.
 * A missing or null value is an empty page: Pipedrive v1 answers `"data": null` when nothing matches.
 */
export function extractRecords(body: unknown, extract: ExtractDef): unknown[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const v = getPointer(body, extract.pointer);
  if (v === undefined || v === null) return [];
  const isRecord = typeof v === 'object' && !Array.isArray(v);
  switch (extract.shape) {
    case 'list':
      return Array.isArray(v) ? v : undefined;
    case 'object':
      return isRecord ? [v] : undefined;
    default:
      return Array.isArray(v) ? v : isRecord ? [v] : undefined;
  }
}

export async function* pages(client: ApiClient, action: PageableAction, query: Query = {}, options: PagesOptions = {}): AsyncGenerator<unknown[], void, undefined> {
  const wanted = options.limit ?? Infinity;
  if (!(wanted > 0)) return;
  const p = action.pagination;
  const method = action.method ?? 'GET';
  const site: RequestSite = client.site(method, action.path, action.version);
  const maxSize = p.type === 'none' || p.pageSizeMax === undefined ? Infinity : Math.max(1, Math.min(p.pageSizeMax, options.pageSize ?? p.pageSizeMax));

  // v1 offsets are predictable, so more than one page may be in flight (`ahead`); cursors are not.
  const ahead = options.ahead ?? 1;
  const win = new PageWindow(p.type === 'offset' ? (typeof ahead === 'number' ? Math.max(1, Math.floor(ahead)) : ahead) : 1);

  interface Fetch {
    pos: Position;
    size: number;
    res: Promise<ApiResponse>;
    ctl: AbortController;
    /** The consumer has reached this page: its bytes may be parsed. */
    want: () => void;
    /** The size of its answer once all of it is in (0 before, or when not known). */
    bytes: () => number;
  }
  // The size of the smallest page that came back full: an answer well below it is likely short,
  // the last of the collection, and is parsed as soon as it is in (like any small answer), so that
  // the pages asked for beyond it are dropped before they go out.
  let fullBytes = Infinity;
  let queue: Fetch[] = [];
  /** The page being awaited: off the queue, but still to be aborted with it. */
  let current: Fetch | undefined;
  // A controller whose request ended without an abort serves the next request: on Node 20 every
  // AbortSignal lives through the minor GCs into the old generation, a few hundred bytes a page
  // otherwise. Only the records' streamed requests take it: they leave no listener on it when done.
  const reuse = action.extract.shape !== 'object';
  let spare: AbortController | undefined;
  const dropQueue = (): void => {
    for (const f of queue) f.ctl.abort();
    queue = [];
  };
  // Follows the caller's signal; the generator's finally aborts what the consumer no longer wants.
  const outer = options.signal;
  const onAbort = (): void => {
    current?.ctl.abort(outer?.reason);
    for (const f of queue) f.ctl.abort(outer?.reason);
  };
  outer?.addEventListener('abort', onAbort, { once: true });

  const fetchPage = (pos: Position, size: number): Fetch => {
    // Copied by Object.assign, not a spread: a spread copy that then gets more properties gets new
    // hidden classes at every call on Node 20 (ARCHITECTURE.md, Invariants).
    const q: Record<string, QueryValue> = Object.assign({}, query);
    if (p.type === 'offset' && pos.type === 'offset') {
      q[p.startParam] = pos.start;
      q[p.limitParam] = size;
    } else if (p.type === 'cursor' && pos.type === 'cursor') {
      q[p.cursorParam] = pos.cursor;
      q[p.limitParam] = size;
    } else if (p.type === 'page' && pos.type === 'page') {
      q[p.pageParam] = pos.page;
      q[p.limitParam] = size;
    } else if ((p.type === 'nextUrl' || p.type === 'link') && pos.type === 'url' && pos.url === undefined) {
      Object.assign(q, p.firstParams);
      if (p.limitParam && Number.isFinite(size)) q[p.limitParam] = size;
    }
    let want!: () => void;
    const reached = new Promise<void>((resolve) => (want = resolve));
    let answered = 0;
    const parseWhen = (bytes: number): Promise<void> | undefined => {
      answered = bytes;
      return bytes <= EAGER_PARSE_BYTES || (fullBytes < Infinity && bytes < fullBytes * SHORT_PAGE_SHARE) ? undefined : reached;
    };
    const ctl = spare ?? new AbortController();
    spare = undefined;
    if (outer?.aborted) ctl.abort(outer.reason);
    const res = client.request({ method, path: action.path, query: q, ...(pos.type === 'url' && pos.url !== undefined ? { url: pos.url } : {}), ...(options.headers ? { headers: options.headers } : {}), ...(options.body ? { body: options.body, form: options.form === true } : {}), cost: action.cost, ...(action.tokens != null ? { tokens: action.tokens } : {}), version: action.version ?? null, signal: ctl.signal, ...(action.extract.shape !== 'object' ? { records: action.extract.pointer, parseWhen, ...(options.fields ? { fields: options.fields } : {}) } : {}) });
    // Handled later by whoever awaits it; this keeps a failure of a page nobody waits for yet (or
    // one dropped) from being reported as an unhandled rejection.
    const f: Fetch = { pos, size, res, ctl, want, bytes: () => answered };
    res.then(
      (r) => {
        if (f.pos.type === 'offset' && endsCollection(r, f.pos, f.size)) endAt(f.pos.start);
      },
      () => undefined,
    );
    return f;
  };

  // Pages are handed on in order, but the answer that shows the end of an offset collection (empty,
  // short, or saying there is no more) may come in long before the consumer reaches it (an answer
  // small beside a full page is parsed as soon as it is in, for this). From then on no page beyond
  // it is worth its request and tokens: none is asked for, and those in flight are aborted at once
  // rather than when the consumer gets there. Whatever pages before it turn out to hold, the
  // collection has nothing past that start.
  let lastStart = Infinity;
  const endsCollection = (res: ApiResponse, pos: Position, size: number): boolean => {
    const all = res.records ?? extractRecords(res.body, action.extract);
    if (!all) return false;
    try {
      return nextPosition(res, p, pos, all.length, size, site, () => '') === undefined;
    } catch {
      // A malformed marker is reported when the consumer reaches the page.
      return false;
    }
  };
  const endAt = (start: number): void => {
    if (start >= lastStart) return;
    lastStart = start;
    queue = queue.filter((f) => {
      const beyond = f.pos.type === 'offset' && f.pos.start > start;
      if (beyond) f.ctl.abort();
      return !beyond;
    });
  };

  let received = 0;
  /** Where the next page to request starts: known from an answer, or predicted (offsets). */
  let nextPos: Position | undefined =
    p.type === 'offset'
      ? { type: 'offset', start: toStart(query[p.startParam]) }
      : p.type === 'cursor'
        ? { type: 'cursor', cursor: toCursor(query[p.cursorParam]) }
        : p.type === 'page'
          ? { type: 'page', page: p.firstPage ?? 1 }
          : p.type === 'nextUrl' || p.type === 'link'
            ? { type: 'url', url: undefined }
            : { type: 'none' };
  // Pages are requested ahead only once an answer has shown that the server returns full pages of
  // the size asked and continues right after them; otherwise a prediction could skip records.
  let confirmed = false;

  const fill = (): void => {
    const depth = confirmed ? win.size : 1;
    // The window counts pages in flight and pages answered but not yet taken alike, so memory stays
    // at the window whoever is the slower side. Answered pages are not bounded on their own: those
    // that wait behind a late page wait for it, not for the consumer, and stopping requests then
    // would leave the rate unused until the late page came.
    while (nextPos && queue.length < depth && !(nextPos.type === 'offset' && nextPos.start > lastStart)) {
      const want = wanted - received - queue.reduce((n, f) => n + f.size, 0);
      if (want <= 0) break;
      const size = Math.min(maxSize, want);
      queue.push(fetchPage(nextPos, size));
      nextPos = nextPos.type === 'offset' ? { type: 'offset', start: nextPos.start + size } : undefined;
    }
  };

  try {
    fill();
    while (queue.length > 0) {
      const f = queue.shift()!;
      current = f;
      f.want();
      const res = await f.res;
      current = undefined;
      if (reuse && !f.ctl.signal.aborted) spare = f.ctl;
      // Records parsed from the page's bytes now that it is wanted, or (none asked for, or not a list
      // there) read from the body.
      const all = res.records ?? extractRecords(res.body, action.extract);
      if (!all) throw new MalformedResponseError(site, res.status, res.attempts, `no records at ${action.extract.pointer} (expected ${action.extract.shape === 'object' ? 'an object' : 'a list'})`);
      const next = nextPosition(res, p, f.pos, all.length, f.size, site, () => `${client.baseUrl(action.version)}${action.path}`);
      // A server that ignores `limit` must not make us hand out more than was asked for.
      const records = all.length > wanted - received ? all.slice(0, wanted - received) : all;
      received += records.length;
      if (!next || received >= wanted) {
        dropQueue();
        nextPos = undefined;
      } else {
        const asPredicted = next.type === 'offset' && f.pos.type === 'offset' && all.length === f.size && next.start === f.pos.start + f.size;
        if (asPredicted) {
          confirmed = true;
          win.full();
          fullBytes = Math.min(fullBytes, f.bytes() || Infinity);
        }
        const predicted = queue.length > 0 ? queue[0].pos : nextPos;
        if (!predicted || !samePosition(predicted, next)) {
          dropQueue();
          win.reset();
          nextPos = next;
          // The server pages otherwise than predicted: what a page asked for on a prediction said
          // about the end no longer bounds where the answers lead.
          lastStart = Infinity;
        }
      }
      fill();
      if (records.length > 0) yield records;
    }
  } finally {
    outer?.removeEventListener('abort', onAbort);
    dropQueue();
  }
}

/** Answers this small are parsed as soon as they are in: an empty page shows where a collection ends. */
const EAGER_PARSE_BYTES = 16 * 1024;
/** An answer under this share of a full page's size is parsed as soon as it is in (`fullBytes`). */
const SHORT_PAGE_SHARE = 0.75;

function samePosition(a: Position, b: Position): boolean {
  if (a.type === 'offset' && b.type === 'offset') return a.start === b.start;
  if (a.type === 'cursor' && b.type === 'cursor') return a.cursor === b.cursor;
  if (a.type === 'page' && b.type === 'page') return a.page === b.page;
  if (a.type === 'url' && b.type === 'url') return a.url === b.url;
  return false;
}

/** The next page's position; `firstUrl` (only asked of next-URL and Link paging) resolves a relative link of the first page. */
function nextPosition(res: ApiResponse, p: PaginationDef, pos: Position, count: number, asked: number, site: RequestSite, firstUrl: () => string): Position | undefined {
  const { body, status } = res;
  // An empty page ends the list whatever the markers say: a server that kept answering empty
  // pages with new markers would otherwise be read forever.
  if (p.type === 'none' || count === 0) return undefined;
  const stuck = (what: string): MalformedResponseError => new MalformedResponseError(site, status, 1, `pagination that does not advance (${what})`);
  if (p.type === 'offset' && pos.type === 'offset') {
    const more = firstPointer(body, p.moreItems);
    if (more === false) return undefined;
    const nextStart = firstPointer(body, p.nextStart);
    let next: number;
    if (typeof nextStart === 'number' && Number.isSafeInteger(nextStart)) next = nextStart;
    // No markers at all: a short page is the last one.
    else if (more === undefined && count < asked) return undefined;
    else next = pos.start + count;
    if (next <= pos.start) throw stuck(`next start ${next} after start ${pos.start}`);
    return { type: 'offset', start: next };
  }
  if (p.type === 'cursor' && pos.type === 'cursor') {
    const c = firstPointer(body, p.nextCursor);
    if (c === undefined || c === null || c === '') return undefined;
    if (typeof c !== 'string' && typeof c !== 'number') throw new MalformedResponseError(site, status, 1, `a next cursor that is neither a string nor a number`);
    if (String(c) === pos.cursor) throw stuck('the same cursor again');
    return { type: 'cursor', cursor: String(c) };
  }
  if (p.type === 'page' && pos.type === 'page') {
    const total = p.totalPages ? firstPointer(body, p.totalPages) : undefined;
    if (typeof total === 'number') return pos.page + 1 - (p.firstPage ?? 1) < total ? { type: 'page', page: pos.page + 1 } : undefined;
    return count < asked ? undefined : { type: 'page', page: pos.page + 1 };
  }
  if ((p.type === 'nextUrl' || p.type === 'link') && pos.type === 'url') {
    const raw = p.type === 'link' ? linkNext(res.headers.link) : firstPointer(body, p.nextUrl ?? []);
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (typeof raw !== 'string') throw new MalformedResponseError(site, status, 1, 'a next-page URL that is not a string');
    let url: string;
    try {
      // A relative next URL is relative to the page it came with.
      url = new URL(raw, pos.url ?? firstUrl()).toString();
    } catch {
      throw new MalformedResponseError(site, status, 1, 'a next-page URL that is not a URL');
    }
    if (url === pos.url) throw stuck('the same next URL again');
    return { type: 'url', url };
  }
  return undefined;
}

/** The `rel="next"` target of a Link header (RFC 8288), or undefined. */
export function linkNext(header: string | string[] | undefined): string | undefined {
  for (const value of Array.isArray(header) ? header : header ? [header] : []) {
    for (const m of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
      const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]);
      if (rel && rel[1].toLowerCase().split(/\s+/).includes('next')) return m[1];
    }
  }
  return undefined;
}

function toStart(v: QueryValue): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0;
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

function toCursor(v: QueryValue): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Every record of every page, for callers that want them one by one. */
export async function* records(client: ApiClient, action: PageableAction, query: Query = {}, options: PagesOptions = {}): AsyncGenerator<unknown, void, undefined> {
  for await (const page of pages(client, action, query, options)) yield* page;
}
