// Raw HTTP against a sandbox, with the token in the header unless a test says otherwise.
import type { Sandbox } from '../../src/sandbox/index.js';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // Parsed lazily: some tests expect the body not to be JSON.
  json: () => any;
}

export async function call(
  sb: Sandbox,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; query?: Record<string, string | number> } = {},
): Promise<Answer> {
  const url = new URL(sb.url + path);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? sb.token : init.token;
  if (token !== null) headers['x-api-token'] = token;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** Every page of a v1 list, following next_start. */
export async function allV1(sb: Sandbox, path: string, limit = 100): Promise<{ pages: any[]; items: any[] }> {
  const pages: any[] = [];
  const items: any[] = [];
  let start = 0;
  for (;;) {
    const a = await call(sb, path, { query: { start, limit } });
    if (a.status !== 200) throw new Error(`${path}: ${a.status} ${a.text}`);
    const body = a.json();
    pages.push(body);
    items.push(...(body.data ?? []));
    const p = body.additional_data.pagination;
    if (!p.more_items_in_collection) return { pages, items };
    start = p.next_start;
  }
}

/** Every page of a v2 list, following next_cursor. */
export async function allV2(sb: Sandbox, path: string, query: Record<string, string | number> = {}): Promise<{ pages: any[]; items: any[] }> {
  const pages: any[] = [];
  const items: any[] = [];
  let cursor: string | undefined;
  for (;;) {
    const a = await call(sb, path, { query: { ...query, ...(cursor ? { cursor } : {}) } });
    if (a.status !== 200) throw new Error(`${path}: ${a.status} ${a.text}`);
    const body = a.json();
    pages.push(body);
    items.push(...body.data);
    cursor = body.additional_data.next_cursor ?? undefined;
    if (!cursor) return { pages, items };
  }
}
