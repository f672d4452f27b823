// JSON pointers (RFC 6901) into response bodies: where the app definition says the records, the
// error text and the pagination markers are.

const cache = new Map<string, string[]>();

/** The pointer's reference tokens, decoded (`~1` is `/`, `~0` is `~`); parsed once per pointer. */
export function pointerTokens(pointer: string): string[] {
  let t = cache.get(pointer);
  if (!t) {
    if (pointer !== '' && !pointer.startsWith('/')) throw new RangeError(`not a JSON pointer: ${pointer}`);
    t = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    cache.set(pointer, t);
  }
  return t;
}

/** The value at `pointer`, or undefined when any step is missing. Own properties only. */
export function getPointer(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const t of pointerTokens(pointer)) {
    if (Array.isArray(cur)) cur = /^(0|[1-9]\d*)$/.test(t) ? cur[Number(t)] : undefined;
    else if (typeof cur === 'object' && cur !== null) cur = Object.hasOwn(cur, t) ? (cur as Record<string, unknown>)[t] : undefined;
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** The first pointer of `pointers` whose value is not undefined. */
export function firstPointer(doc: unknown, pointers: readonly string[]): unknown {
  for (const p of pointers) {
    const v = getPointer(doc, p);
    if (v !== undefined) return v;
  }
  return undefined;
}
