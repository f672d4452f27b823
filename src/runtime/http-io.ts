// Sources, destinations and lookups of apps reached over HTTP (Pipedrive), on the shared client:
// one rate limiter per (base URL, token) for the whole process, retries that never duplicate a write.
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import type { AppDef, JsonSchema, ResolvedAction, UpsertDef } from '../apps/index.js';
import { loadRegistry } from '../apps/index.js';
import type { ResolvedRef } from '../check/model.js';
import { resolveConnection, type ResolvedConnection } from '../connections/index.js';
import { lookupCache, lookupKey, connectionFingerprint } from './cache/index.js';
import type { Destination, Rejection, WriteResult } from './dests/destination.js';
import type { Rec, Value } from './eval.js';
import { ApiClient, ApiError, expandPath, pages, UncertainWriteError, extractRecords, type HttpEvent, type Query } from './http/index.js';
import type { ApiResponse, RequestOptions } from './http/client.js';
import type { HttpIo, RunSummary } from './run-flow.js';
import { paramValue } from './params.js';
import type { Source } from './sources/source.js';
import { BudgetLedger, DailyBudget, dailyLimit } from './http/budget.js';
import { getPointer } from './http/pointer.js';
import { traceHttp } from './tracing.js';
import { CustomValueError, customReader, customWriter, stalenessChecker } from '../custom-fields/runtime.js';

/** Writes in flight at once per destination: enough to keep a rate limit busy, few enough to stay polite. */
const WRITE_CONCURRENCY = 4;
/**
 * Offset pages in flight at once while reading (see paginate.ts). One: pages asked for ahead past
 * the end of a collection are wasted requests against the rate limit and the daily budget, which
 * costs more than the latency they hide (a small incremental read would take several times its
 * requests).
 */
const READ_AHEAD = 1;

export interface HttpIoOptions {
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** $SLUICE_HOME, so that `sluice cache clear` from another process empties the lookup cache. */
  home?: string;
  /** Every HTTP event with its connection's base URL (metrics count them by host). */
  onEvent?: (event: HttpEvent, baseUrl: string) => void;
}

export interface HttpIoProcess extends HttpIo {
  close(): Promise<void>;
  limiters(): { baseUrl: string; waiting: number; dailyLeft?: number }[];
  /** One request through a connection's client (its rate limiter, retries and errors): the agent's webhook registrations. */
  request(connection: string, app: string, r: RequestOptions): Promise<ApiResponse>;
  /** The company URL of a connection, as requests use it. */
  baseUrl(connection: string, app: string): string;
}

export function createHttpIo(o: HttpIoOptions): HttpIoProcess {
  const registry = loadRegistry();
  const clients = new Map<string, ApiClient>();
  const stats = { requests: 0, retries: 0, rateLimitWaits: 0, waitedMs: 0, status429: 0 };
  // Wall time spent waiting: concurrent requests waiting together count once. A wait is reported
  // when it ends, so it covered [now - ms, now]; the union of those intervals is what a person waited.
  let waitedUntil = 0;
  const onEvent = (e: HttpEvent) => {
    if (e.type === 'request') stats.requests++;
    else if (e.type === 'retry') stats.retries++;
    else if (e.type === 'rate-limit-wait') {
      stats.rateLimitWaits++;
      const end = performance.now();
      const start = Math.max(end - e.ms, waitedUntil);
      if (end > start) stats.waitedMs += Math.round(end - start);
      waitedUntil = Math.max(waitedUntil, end);
    } else if (e.type === '429') stats.status429++;
  };
  const cache = lookupCache(o.home ? { home: o.home } : {});
  // The daily budget of each company (host), shared by every connection to it.
  const budgets = new Map<string, DailyBudget>();
  let ledger: BudgetLedger | undefined;
  const reported = new Map<DailyBudget, number>();
  const budgetFor = (conn: ResolvedConnection, app: AppDef): DailyBudget | undefined => {
    const limit = dailyLimit(app.http?.rateLimit, conn);
    if (limit === undefined) return undefined;
    const company = new URL(conn.baseUrl).host;
    let b = budgets.get(company);
    if (!b) {
      ledger ??= o.home ? BudgetLedger.open(o.home) : undefined;
      b = new DailyBudget(company, limit, ledger);
      budgets.set(company, b);
    }
    return b;
  };

  function clientFor(ref: ResolvedRef, action: ResolvedAction): { client: ApiClient; conn: ResolvedConnection } {
    const client = clientNamed(ref.connection?.name ?? action.app, action.app);
    return { client, conn: client.connection };
  }

  function clientNamed(name: string, app: string): ApiClient {
    let client = clients.get(name);
    if (!client) {
      const conn = resolveConnection(name, app, o.env);
      const def = registry.app(app)!;
      const budget = budgetFor(conn, def);
      const events = (e: HttpEvent) => {
        onEvent(e);
        traceHttp(e, conn.baseUrl);
        o.onEvent?.(e, conn.baseUrl);
      };
      client = new ApiClient(def, conn, { onEvent: events, ...(conn.plan ? { plan: conn.plan } : {}), ...(budget ? { budget } : {}) });
      clients.set(name, client);
    }
    return client;
  }
  // Custom fields by name (src/custom-fields): is the schema the flow was checked against still current?
  const beforeRun = stalenessChecker(registry, (name) => clientNamed(name, 'pipedrive'), o.signal);

  return {
    request: (connection, app, r) => clientNamed(connection, app).request(r),
    baseUrl: (connection, app) => clientNamed(connection, app).connection.baseUrl,
    limiters() {
      return [...clients.values()].map((c) => {
        const l = c.limiter.stats();
        return { baseUrl: c.connection.baseUrl, waiting: l.waiting, ...(l.dailyLeft !== undefined ? { dailyLeft: l.dailyLeft } : {}) };
      });
    },

    waiting() {
      for (const [name, client] of clients) {
        const l = client.limiter.stats();
        if (l.waiting > 0 && (l.paused || l.inWindow >= l.burst)) {
          const app = registry.app(client.connection.app);
          const plan = client.connection.plan ?? app?.http?.rateLimit?.defaultPlan ?? 'unknown';
          return { connection: name, app: app?.title ?? client.connection.app, plan, burst: l.burst, windowSeconds: l.windowMs / 1000, paused: l.paused };
        }
      }
      return null;
    },

    source(ref, action, query, opts): Source {
      const { client } = clientFor(ref, action);
      const { path, rest } = fillPath(action, query);
      const named = customReader(ref);
      return {
        describe: `${action.method ?? 'GET'} ${path}`,
        async *pages() {
          for await (const page of pages(client, { ...action, path }, rest as Query, { ...(opts.limit !== undefined ? { limit: opts.limit } : {}), signal: opts.signal, ahead: READ_AHEAD })) {
            yield named ? (page as Rec[]).map(named) : (page as Rec[]);
          }
        },
      };
    },

    destination(ref, action, opts): Destination {
      const validate = compileInput(action.input);
      const acceptsNull = nullableFields(action.input);
      const method = action.method ?? 'POST';
      const toApi = customWriter(ref);
      const up = opts.upsert;
      const validateUpdate = up ? compileInput(up.update.input) : undefined;
      // Upsert keys matched or created in this run, by value: a key seen twice never creates twice,
      // even before the search index has the record created a moment ago.
      const known = new Map<string, number>();
      const locks = new Map<string, Promise<void>>();
      let client: ApiClient | undefined;
      return {
        describe: up ? `${method} ${action.path} upsert by ${up.field}` : `${method} ${action.path}`,
        durability: 'batch',
        async write(batch, hooks): Promise<WriteResult> {
          client ??= opts.dryRun ? undefined : clientFor(ref, action).client;
          const results: ({ ok: true; rec: Rec } | { ok: false; rej: Rejection } | undefined)[] = new Array(batch.length);
          let next = 0;
          let failure: { error: unknown } | undefined;
          const worker = async () => {
            // Once the run is interrupted no new write starts; those in flight finish (below), and
            // the records never attempted are in neither list, so the next run sends them. After a
            // write fails the run, no other starts either (they would go on after the run ended).
            while (next < batch.length && !o.signal.aborted && !failure) {
              const i = next++;
              try {
                results[i] = await writeOne(batch[i], i);
              } catch (error) {
                failure ??= { error };
              }
            }
          };
          const writeOne = async (rec: Rec, index: number): Promise<{ ok: true; rec: Rec } | { ok: false; rej: Rejection } | undefined> => {
            // A missing value (null, or a blank string such as an empty CSV cell) leaves the field
            // as it is, unless the flow writes the literal for it (README: missing values at
            // destinations); a null for a field that does not take null is left out too.
            const body: Rec = {};
            const given = withoutMissing(rec, opts.explicit);
            let fields: Rec;
            try {
              fields = toApi ? toApi(given) : given;
            } catch (err) {
              if (err instanceof CustomValueError) return { ok: false, rej: { record: rec, reason: err.message, code: 'invalid' } };
              throw err;
            }
            for (const [k, v] of Object.entries(fields)) if (v !== null || acceptsNull.has(k)) body[k] = v;
            if (validate && !validate(body)) {
              return { ok: false, rej: { record: rec, reason: ajvMessage(validate), code: 'invalid' } };
            }
            const params: Record<string, string | number> = {};
            for (const p of Object.keys(action.pathParams)) {
              const v = rec[p];
              if (typeof v === 'string' || typeof v === 'number') params[p] = v;
              delete body[p];
            }
            let path: string;
            try {
              path = expandPath(action.path ?? '/', params);
            } catch (err) {
              return { ok: false, rej: { record: rec, reason: (err as Error).message, code: 'invalid' } };
            }
            if (up) {
              const term = upsertTerm(rec[up.from]);
              if (term === undefined) return { ok: false, rej: { record: rec, reason: `upsert by \`${up.field}\`: the record has no value in \`${up.from}\` to search for`, code: 'invalid' } };
              if (opts.dryRun) {
                opts.log?.(`would search ${up.def.path} for ${up.search} = ${JSON.stringify(term)}, then send ${up.update.method} ${up.update.path} or ${method} ${path} ${JSON.stringify(body)}`);
                return { ok: true, rec };
              }
              // One write at a time per key: two records with one key must not both create. Keys
              // compare as the search does, case-insensitively.
              const lock = term.toLowerCase();
              const before = locks.get(lock) ?? Promise.resolve();
              let release!: () => void;
              const mine = new Promise<void>((r) => (release = r));
              const chained = before.then(() => mine);
              locks.set(lock, chained);
              await before;
              try {
                return await upsertOne(rec, index, body, path, term, up);
              } finally {
                release();
                if (locks.get(lock) === chained) locks.delete(lock);
              }
            }
            if (opts.dryRun) {
              opts.log?.(`would send ${method} ${path} ${JSON.stringify(body)}`);
              return { ok: true, rec };
            }
            return send(rec, index, body, path);
          };
          type One = { ok: true; rec: Rec } | { ok: false; rej: Rejection } | undefined;
          /** What a failed request means for the record: rejected, left for the next run, or the run fails. */
          const failed = (rec: Rec, err: unknown, idempotent: boolean): One => {
            if (idempotent && o.signal.aborted) return undefined;
            if (err instanceof UncertainWriteError) return { ok: false, rej: { record: rec, reason: `${err.message} (not retried: it may have been applied; check before sending it again)`, code: 'uncertain' } };
            if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 429) {
              return { ok: false, rej: { record: rec, reason: err.message, code: 'refused' } };
            }
            throw err;
          };
          const upsertOne = async (rec: Rec, index: number, body: Rec, path: string, term: string, u: UpsertOptions): Promise<One> => {
            let id = known.get(term.toLowerCase());
            if (id === undefined) {
              let ids: number[];
              try {
                const res = await client!.request({
                  method: 'GET',
                  path: u.def.path,
                  query: { term, fields: u.search, exact_match: true, limit: 2 },
                  cost: 'search',
                  tokens: u.def.tokens,
                  idempotent: true,
                  version: action.version,
                  signal: o.signal,
                });
                const hits = extractRecords(res.body, { pointer: u.def.hits.items, shape: 'list' }) ?? [];
                ids = hits.map((h) => getPointer(h, u.def.hits.id)).filter((x): x is number => typeof x === 'number');
              } catch (err) {
                return failed(rec, err, true);
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
              const created = await send(rec, index, body, path);
              if (created?.ok && created.id !== undefined) known.set(term.toLowerCase(), created.id);
              return created;
            }
            const update: Rec = { ...body, id };
            if (validateUpdate && !validateUpdate(update)) return { ok: false, rej: { record: rec, reason: `upsert by \`${u.field}\` found record ${id}; ${ajvMessage(validateUpdate)}`, code: 'invalid' } };
            delete update.id;
            const m = u.update.method ?? 'PATCH';
            try {
              await client!.request({ method: m, path: expandPath(u.update.path ?? '/', { id }), body: update, cost: u.update.cost, ...tokensOf(u.update), idempotent: true, version: u.update.version, signal: o.signal });
            } catch (err) {
              return failed(rec, err, true);
            }
            known.set(term.toLowerCase(), id);
            return { ok: true, rec };
          };
          const send = async (rec: Rec, index: number, body: Rec, path: string): Promise<({ ok: true; rec: Rec; id?: number }) | { ok: false; rej: Rejection } | undefined> => {
            const idempotent = action.idempotent ?? method !== 'POST';
            try {
              // A write that cannot be repeated is noted before it leaves: after a crash its record is
              // known to be uncertain rather than sent a second time.
              if (!idempotent) await hooks?.sending(index);
              // Ctrl-C must not cut a write off half-way (README: "writes in flight finish"): an
              // aborted POST may still have been applied, and nothing would remember it. Only a
              // write that may be repeated follows the run's signal.
              const res = await client!.request({ method, path, body, cost: action.cost, ...tokensOf(action), idempotent, version: action.version, ...(idempotent ? { signal: o.signal } : {}) });
              if (!idempotent) await hooks?.accepted(index);
              const made = (extractRecords(res.body, action.extract) ?? [])[0] as Rec | undefined;
              return { ok: true, rec, ...(typeof made?.id === 'number' ? { id: made.id } : {}) };
            } catch (err) {
              // Interrupted: a repeatable write is simply left for the next run.
              return failed(rec, err, idempotent);
            }
          };
          await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, batch.length) }, worker));
          if (failure) throw failure.error;
          const accepted: Rec[] = [];
          const rejected: Rejection[] = [];
          for (const r of results) if (r) (r.ok ? accepted.push(r.rec) : rejected.push(r.rej));
          return { accepted, rejected };
        },
        async commit() {},
        async abort() {},
      };
    },

    lookup(ref, action) {
      const named = customReader(ref);
      return async (params: Record<string, Value>) => {
        const { client, conn } = clientFor(ref, action);
        const q: Record<string, string | number | boolean> = {};
        for (const [k, v] of Object.entries(params)) if (v !== null && typeof v !== 'object') q[k] = paramValue(action, k, v);
        const { path, rest } = fillPath(action, q);
        const key = lookupKey({ connection: connectionFingerprint({ baseUrl: conn.baseUrl, apiVersion: conn.apiVersion, token: conn.token }), method: 'GET', path, query: rest });
        // The cache keeps what the API answered; names are applied after it, so that a new schema
        // never meets records named by an old one.
        const found = (await cache.getOrLoad(key, async () => {
          const res = await client.request({ method: action.method ?? 'GET', path, query: { ...rest, limit: 1 }, cost: action.cost, ...tokensOf(action), version: action.version, signal: o.signal });
          const list = extractRecords(res.body, action.extract) ?? [];
          return (list[0] as Rec | undefined) ?? null;
        })) as Rec | null;
        return found && named ? named(found) : found;
      };
    },

    beforeRun,

    // Called once at the end of each run: tokens and budget warnings are those since the last call.
    stats(): RunSummary['http'] {
      const list = [...budgets.values()];
      if (list.length === 0) return { ...stats };
      let tokens = 0;
      const warnings: string[] = [];
      for (const b of list) {
        const since = b.spentHere - (reported.get(b) ?? 0);
        reported.set(b, b.spentHere);
        tokens += since;
        const w = since > 0 ? b.warning() : undefined;
        if (w) warnings.push(w);
      }
      return { ...stats, tokens, budget: list.map((b) => b.status()), ...(warnings.length ? { warnings } : {}) };
    },

    async close() {
      clients.clear();
      ledger?.close();
      ledger = undefined;
    },
  };
}

/** How a destination upserts: by which flow field, read from which record field, searched in which search field. */
export interface UpsertOptions {
  /** The name after `upsert by`. */
  field: string;
  /** The record field holding the value. */
  from: string;
  /** The search's `fields` value. */
  search: string;
  def: UpsertDef;
  /** The write that updates the record found. */
  update: ResolvedAction;
}

/** The value an upsert searches for: text or a number, or a contact list's primary (else first) value. */
function upsertTerm(v: Value | undefined): string | undefined {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (Array.isArray(v)) {
    const entries = v.filter((e): e is Rec => typeof e === 'object' && e !== null && !Array.isArray(e));
    const pick = entries.find((e) => e.primary === true) ?? entries[0];
    if (pick) return upsertTerm(pick.value);
    return upsertTerm(v[0]);
  }
  return undefined;
}

/** What one request of the action costs in the daily budget, when its definition says. */
const tokensOf = (action: ResolvedAction): { tokens?: number } => (action.tokens !== null ? { tokens: action.tokens } : {});

/** Moves path parameters (`{id}`) out of the query into the path. */
function fillPath(action: ResolvedAction, query: Record<string, string | number | boolean>): { path: string; rest: Record<string, string | number | boolean> } {
  const params: Record<string, string | number> = {};
  const rest = { ...query };
  for (const p of Object.keys(action.pathParams)) {
    const v = rest[p];
    if (typeof v === 'string' || typeof v === 'number') params[p] = v;
    delete rest[p];
  }
  return { path: expandPath(action.path ?? '/', params), rest };
}

// ajv is CommonJS: required on first use, so that flows without HTTP writes never load it.
const requireCjs = createRequire(import.meta.url);
let ajv: { compile(s: object): ValidateFunction } | undefined;
function compileInput(schema: JsonSchema | null): ValidateFunction | undefined {
  if (!schema || schema === true) return undefined;
  if (!ajv) {
    const AjvClass = requireCjs('ajv').default as new (o: object) => { compile(s: object): ValidateFunction };
    const addFormats = requireCjs('ajv-formats').default as (a: unknown) => void;
    ajv = new AjvClass({ allErrors: false, strict: false });
    addFormats(ajv);
  }
  return ajv.compile(schema as object);
}

function ajvMessage(v: ValidateFunction): string {
  const e = v.errors?.[0];
  if (!e) return 'the record does not fit the destination';
  const where = e.instancePath ? `\`${e.instancePath.slice(1).replace(/\//g, '.')}\` ` : '';
  if (e.keyword === 'required') return `the field \`${(e.params as { missingProperty: string }).missingProperty}\` is required`;
  if (e.keyword === 'additionalProperties') return `the destination does not accept the field \`${(e.params as { additionalProperty: string }).additionalProperty}\``;
  return `${where}${e.message ?? 'is not valid'}`;
}

/** Fields whose schema accepts null: only there is a null sent rather than left out. */
/** The record without the fields whose value is missing (null or blank text), except those the flow sets explicitly. */
function withoutMissing(rec: Rec, explicit: ReadonlySet<string> | undefined): Rec {
  let out: Rec | undefined;
  for (const [k, v] of Object.entries(rec)) {
    if ((v === null || (typeof v === 'string' && v.trim() === '')) && !explicit?.has(k)) {
      out ??= { ...rec };
      delete out[k];
    }
  }
  return out ?? rec;
}

function nullableFields(schema: JsonSchema | null): Set<string> {
  const out = new Set<string>();
  if (!schema || typeof schema !== 'object') return out;
  const props = (schema as { properties?: Record<string, { type?: string | string[]; anyOf?: { type?: string }[] }> }).properties ?? {};
  for (const [k, s] of Object.entries(props)) {
    const t = s?.type;
    if ((Array.isArray(t) && t.includes('null')) || t === 'null' || s?.anyOf?.some((x) => x.type === 'null')) out.add(k);
  }
  return out;
}
