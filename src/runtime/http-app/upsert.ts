// `dest APP.ACTION upsert by FIELD` over HTTP: an exact search for the record's value, then an update
// of the one hit, a create when there is none, and a rejection when there are several. Keys matched
// or created in this run are remembered, and one key is written by one record at a time, so a key
// seen twice never creates twice, even before the search index has the record created a moment ago.
import type { ResolvedAction } from '../../apps/index.js';
import type { Rejection, UpsertOptions } from '../dests/destination.js';
import type { Rec } from '../eval.js';
import { expandPath, extractRecords, type ApiClient } from '../http/index.js';
import { getPointer } from '../http/pointer.js';
import { ajvMessage, compileInput, tokensOf } from './requests.js';

/** One record's outcome: accepted, rejected, or undefined when it was not attempted (interrupted). */
export type Outcome = { ok: true; rec: Rec; id?: number } | { ok: false; rej: Rejection } | undefined;

export class Upserter {
  private readonly known = new Map<string, number>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly validateUpdate;

  constructor(
    private readonly u: UpsertOptions,
    private readonly action: ResolvedAction,
    private readonly signal: AbortSignal,
    /** What a failed request means for the record (the writer's rule). */
    private readonly failed: (rec: Rec, err: unknown, idempotent: boolean) => Outcome,
  ) {
    this.validateUpdate = compileInput(u.update.input);
  }

  /** Writes `rec` by `term`; `create` sends the create when nothing is found. */
  async write(client: ApiClient, rec: Rec, body: Rec, term: string, create: () => Promise<Outcome>): Promise<Outcome> {
    // Keys compare as the search does, case-insensitively.
    const lock = term.toLowerCase();
    const before = this.locks.get(lock) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = before.then(() => mine);
    this.locks.set(lock, chained);
    await before;
    try {
      return await this.one(client, rec, body, term, create);
    } finally {
      release();
      if (this.locks.get(lock) === chained) this.locks.delete(lock);
    }
  }

  private async one(client: ApiClient, rec: Rec, body: Rec, term: string, create: () => Promise<Outcome>): Promise<Outcome> {
    const u = this.u;
    let id = this.known.get(term.toLowerCase());
    if (id === undefined) {
      let ids: number[];
      try {
        const res = await client.request({
          method: 'GET',
          path: u.def.path,
          query: { term, fields: u.search, exact_match: true, limit: 2 },
          cost: 'search',
          tokens: u.def.tokens,
          idempotent: true,
          version: this.action.version,
          signal: this.signal,
        });
        const hits = extractRecords(res.body, { pointer: u.def.hits.items, shape: 'list' }) ?? [];
        ids = hits.map((h) => getPointer(h, u.def.hits.id)).filter((x): x is number => typeof x === 'number');
      } catch (err) {
        return this.failed(rec, err, true);
      }
      if (ids.length > 1) {
        return {
          ok: false,
          rej: {
            record: rec,
            reason: `upsert by \`${u.field}\`: ${ids.length} or more records have ${JSON.stringify(term)} (ids ${ids.join(', ')}): none was updated, so as not to update the wrong one; merge them in Pipedrive or upsert by another field`,
            code: 'refused',
          },
        };
      }
      id = ids[0];
    }
    if (id === undefined) {
      const created = await create();
      if (created?.ok && created.id !== undefined) this.known.set(term.toLowerCase(), created.id);
      return created;
    }
    const update: Rec = { ...body, id };
    if (this.validateUpdate && !this.validateUpdate(update)) return { ok: false, rej: { record: rec, reason: `upsert by \`${u.field}\` found record ${id}; ${ajvMessage(this.validateUpdate)}`, code: 'invalid' } };
    delete update.id;
    const m = u.update.method ?? 'PATCH';
    try {
      await client.request({ method: m, path: expandPath(u.update.path ?? '/', { id }), body: update, cost: u.update.cost, ...tokensOf(u.update), idempotent: true, version: u.update.version, signal: this.signal });
    } catch (err) {
      return this.failed(rec, err, true);
    }
    this.known.set(term.toLowerCase(), id);
    return { ok: true, rec };
  }
}
