// The destination of an app reached over HTTP: each record checked against the write's input
// schema, sent as many at a time as keep the rate limit busy, a write that cannot be repeated noted before it leaves (so a crash
// never sends it twice), and `upsert by` as search, then update or create (upsert.ts).
import type { ValidateFunction } from 'ajv';
import type { HttpMethod, ResolvedAction } from '../../apps/index.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import { CustomValueError, customWriter } from '../custom-fields/runtime.js';
import type { Destination, Rejection, UpsertOptions, WriteHooks, WriteResult } from '../dests/destination.js';
import type { Rec } from '../eval.js';
import { ApiError, expandPath, extractRecords, UncertainWriteError, type ApiClient } from '../http/index.js';
import { rejectsRecord } from '../http/placement.js';
import { runAdaptive } from '../http/adaptive-concurrency.js';
import type { HttpClients } from './clients.js';
import { ajvMessage, compileInput, nullableFields, tokensOf, upsertTerm, withoutMissing } from './requests.js';

import { Upserter, type Outcome } from './upsert.js';

export interface HttpWriterOptions {
  dryRun: boolean;
  log?: (line: string) => void;
  /** The fields the flow sets to a literal `null` or `""` (sent as such). */
  explicit?: ReadonlySet<string>;
  upsert?: UpsertOptions;
  signal: AbortSignal;
}

export class HttpWriter implements Destination {
  readonly durability = 'batch' as const;
  readonly describe: string;
  private readonly validate: ValidateFunction | undefined;
  private readonly acceptsNull: Set<string>;
  private readonly method: HttpMethod;
  private readonly toApi: ((rec: Rec) => Rec) | undefined;
  private readonly upserter: Upserter | undefined;
  private client: ApiClient | undefined;

  constructor(
    private readonly clients: HttpClients,
    private readonly ref: ResolvedRef,
    private readonly action: ResolvedAction,
    private readonly o: HttpWriterOptions,
  ) {
    this.validate = compileInput(action.input);
    this.acceptsNull = nullableFields(action.input);
    this.method = action.method ?? 'POST';
    this.toApi = customWriter(ref);
    this.describe = o.upsert ? `${this.method} ${action.path} upsert by ${o.upsert.field}` : `${this.method} ${action.path}`;
    this.upserter = o.upsert ? new Upserter(o.upsert, action, o.signal, (rec, err, idempotent) => this.failed(rec, err, idempotent)) : undefined;
  }

  async write(batch: Rec[], hooks?: WriteHooks): Promise<WriteResult> {
    this.client ??= this.o.dryRun ? undefined : this.clients.for(this.ref, this.action);
    const results: Outcome[] = new Array(batch.length);
    let failure: { error: unknown } | undefined;
    const one = async (i: number) => {
      try {
        results[i] = await this.writeOne(batch[i], i, hooks);
      } catch (error) {
        failure ??= { error };
      }
    };
    // As many writes in flight as keep the rate limit busy at the observed latency. Once the run
    // is interrupted no new write starts; those in flight finish, and the records never attempted
    // are in neither list, so the next run sends them. After a write fails the run, no other
    // starts either (they would go on after the run ended).
    const client = this.client;
    await runAdaptive(batch.length, () => (client ? this.clients.writeConcurrency(client) : 1), one, () => this.o.signal.aborted || failure !== undefined);
    if (failure) throw failure.error;
    const accepted: Rec[] = [];
    const rejected: Rejection[] = [];
    for (const r of results) if (r) (r.ok ? accepted.push(r.rec) : rejected.push(r.rej));
    return { accepted, rejected };
  }

  async commit(): Promise<void> {}
  async abort(): Promise<void> {}

  private async writeOne(rec: Rec, index: number, hooks: WriteHooks | undefined): Promise<Outcome> {
    // A missing value (null, or a blank string such as an empty CSV cell) leaves the field as it
    // is, unless the flow writes the literal for it (README: missing values at destinations); a
    // null for a field that does not take null is left out too.
    const body: Rec = {};
    const given = withoutMissing(rec, this.o.explicit);
    let fields: Rec;
    try {
      fields = this.toApi ? this.toApi(given) : given;
    } catch (err) {
      if (err instanceof CustomValueError) return { ok: false, rej: { record: rec, reason: err.message, code: 'invalid' } };
      throw err;
    }
    for (const [k, v] of Object.entries(fields)) if (v !== null || this.acceptsNull.has(k)) body[k] = v;
    if (this.validate && !this.validate(body)) return { ok: false, rej: { record: rec, reason: ajvMessage(this.validate), code: 'invalid' } };
    const params: Record<string, string | number> = {};
    for (const p of Object.keys(this.action.pathParams)) {
      const v = rec[p];
      if (typeof v === 'string' || typeof v === 'number') params[p] = v;
      delete body[p];
    }
    let path: string;
    try {
      path = expandPath(this.action.path ?? '/', params);
    } catch (err) {
      return { ok: false, rej: { record: rec, reason: (err as Error).message, code: 'invalid' } };
    }
    const up = this.o.upsert;
    if (up && this.upserter) {
      const term = upsertTerm(rec[up.from]);
      if (term === undefined) return { ok: false, rej: { record: rec, reason: `upsert by \`${up.field}\`: the record has no value in \`${up.from}\` to search for`, code: 'invalid' } };
      if (this.o.dryRun) {
        this.o.log?.(`would search ${up.def.path} for ${up.search} = ${JSON.stringify(term)}, then send ${up.update.method} ${up.update.path} or ${this.method} ${path} ${JSON.stringify(body)}`);
        return { ok: true, rec };
      }
      return this.upserter.write(this.client!, rec, body, term, () => this.send(rec, index, body, path, hooks));
    }
    if (this.o.dryRun) {
      this.o.log?.(`would send ${this.method} ${path} ${JSON.stringify(body)}`);
      return { ok: true, rec };
    }
    return this.send(rec, index, body, path, hooks);
  }

  /** What a failed request means for the record: rejected, left for the next run, or the run fails. */
  private failed(rec: Rec, err: unknown, idempotent: boolean): Outcome {
    if (idempotent && this.o.signal.aborted) return undefined;
    if (err instanceof UncertainWriteError) return { ok: false, rej: { record: rec, reason: `${err.message} (not retried: it may have been applied; check before sending it again)`, code: 'uncertain' } };
    if (err instanceof ApiError && rejectsRecord(this.clients.registry.app(this.action.app)?.http?.errors.reject, err.status)) {
      return { ok: false, rej: { record: rec, reason: err.message, code: 'refused' } };
    }
    throw err;
  }

  private async send(rec: Rec, index: number, body: Rec, path: string, hooks: WriteHooks | undefined): Promise<Outcome> {
    const action = this.action;
    const idempotent = action.idempotent ?? this.method !== 'POST';
    try {
      // A write that cannot be repeated is noted before it leaves: after a crash its record is
      // known to be uncertain rather than sent a second time.
      if (!idempotent) await hooks?.sending(index);
      // Ctrl-C must not cut a write off half-way (README: "writes in flight finish"): an aborted
      // POST may still have been applied, and nothing would remember it. Only a write that may be
      // repeated follows the run's signal.
      const res = await this.client!.request({ method: this.method, path, body, form: this.action.body === 'form', cost: action.cost, ...tokensOf(action), idempotent, version: action.version, ...(idempotent ? { signal: this.o.signal } : {}) });
      if (!idempotent) await hooks?.accepted(index);
      const made = (extractRecords(res.body, action.extract) ?? [])[0] as Rec | undefined;
      return { ok: true, rec, ...(typeof made?.id === 'number' ? { id: made.id } : {}) };
    } catch (err) {
      // Interrupted: a repeatable write is simply left for the next run.
      return this.failed(rec, err, idempotent);
    }
  }
}
