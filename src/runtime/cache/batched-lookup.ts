// Lookups by id gathered into one request for many ids. A lookup step asks for the records of a whole
// page at once; asks made in the same turn of the event loop for the same list (same path and other
// parameters) go out together, `max` ids a request (`GET /v2/persons?ids=1,2,3`), and each ask gets
// the record with its id, or null when the answer does not have it (the API leaves out ids that do
// not exist or are not visible). The lookup cache sits in front of this, one entry per id as for a
// lookup one by one, so only ids not cached are asked for.

export interface BatchRequest {
  /** The ids of one request, distinct, at most `max`. */
  ids: (string | number)[];
  /** The other parameters, the same for every id of the request. */
  rest: Record<string, string | number | boolean>;
}

/** Sends one request and returns the records it answered (in any order). */
export type FetchMany = (req: BatchRequest) => Promise<unknown[]>;

interface Ask {
  id: string | number;
  resolve: (rec: unknown) => void;
  reject: (err: unknown) => void;
}

interface Group {
  rest: Record<string, string | number | boolean>;
  asks: Ask[];
}

export class BatchedLookup {
  private groups = new Map<string, Group>();
  private scheduled = false;
  /** Requests sent (for tests and stats). */
  requests = 0;

  constructor(
    private readonly max: number,
    private readonly fetchMany: FetchMany,
    /** The id of a record of the answer. */
    private readonly idOf: (rec: unknown) => unknown = (r) => (r as { id?: unknown } | null)?.id,
  ) {
    if (!(max >= 1)) throw new RangeError(`a batch takes at least one id, got ${max}`);
  }

  /** The record with `id` (null when the API does not return it), fetched with the other asks of this turn. */
  load(id: string | number, rest: Record<string, string | number | boolean> = {}): Promise<unknown> {
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { rest, asks: [] }));
    const p = new Promise<unknown>((resolve, reject) => g.asks.push({ id, resolve, reject }));
    // A full batch goes at once; the rest after every ask of this turn is in.
    if (g.asks.length >= this.max) this.flushGroup(key);
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  private flush(): void {
    this.scheduled = false;
    for (const key of [...this.groups.keys()]) this.flushGroup(key);
  }

  private flushGroup(key: string): void {
    const g = this.groups.get(key);
    if (!g) return;
    this.groups.delete(key);
    // Ids asked twice in one batch are sent once and answer both asks.
    const byId = new Map<string, Ask[]>();
    for (const a of g.asks) {
      const k = String(a.id);
      const list = byId.get(k);
      if (list) list.push(a);
      else byId.set(k, [a]);
    }
    const ids = [...byId.values()].map((list) => list[0].id);
    for (let i = 0; i < ids.length; i += this.max) {
      const chunk = ids.slice(i, i + this.max);
      this.requests++;
      this.fetchMany({ ids: chunk, rest: g.rest }).then(
        (records) => {
          const found = new Map<string, unknown>();
          for (const r of records) {
            const id = this.idOf(r);
            if (typeof id === 'string' || typeof id === 'number') found.set(String(id), r);
          }
          for (const id of chunk) for (const a of byId.get(String(id))!) a.resolve(found.get(String(id)) ?? null);
        },
        (err: unknown) => {
          for (const id of chunk) for (const a of byId.get(String(id))!) a.reject(err);
        },
      );
    }
  }
}
