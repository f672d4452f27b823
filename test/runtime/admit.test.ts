// Which records of a page go through the steps in an incremental run: older than the watermark,
// already written at it, died while being sent, filtered by the engine, or past `limit`.
import { describe, expect, it } from 'vitest';
import type { SinceDef } from '../../src/apps/index.js';
import type { Rejection } from '../../src/runtime/dests/destination.js';
import type { Rec } from '../../src/runtime/eval.js';
import { Admission, type AdmitRules } from '../../src/runtime/run/admit.js';
import { Boundary, SENDING, recordKey, versionKey } from '../../src/runtime/boundary.js';
import type { RunSummary } from '../../src/runtime/run-summary.js';
import { normaliseCursor } from '../../src/state/index.js';

const SINCE: SinceDef = { kind: 'client', field: 'update_time' };
const t = (s: number) => `2026-12-01T10:00:${String(s).padStart(2, '0')}Z`;
const rec = (id: number, s: number, name = `n${id}`): Rec => ({ id, update_time: t(s), name });
const keyOf = (r: Rec) => versionKey(r, recordKey(r, ['id']), normaliseCursor(r.update_time as string), null);

function admission(over: Partial<AdmitRules> = {}, saved: string[] = [], lower: string | null = t(10)) {
  const summary = { read: 0, skipped: 0, filtered: 0 } as RunSummary;
  const rejects: Rejection[] = [];
  const boundary = new Boundary(lower ? normaliseCursor(lower) : null, { value: lower, boundaryIds: saved });
  const rules: AdmitRules = { since: SINCE, cursorField: 'update_time', keyFields: ['id'], digest: null, boundary, keep: () => true, ...over };
  return { a: new Admission(rules, summary, rejects), summary, rejects };
}

describe('Admission', () => {
  it('skips records older than the watermark and those written at it; the rest go through', () => {
    const written = rec(2, 10);
    const { a, summary } = admission({}, [keyOf(written)]);
    const out = a.page([rec(1, 5), written, rec(3, 10), rec(4, 20)]);
    expect(out.batch.map((r) => r.id)).toEqual([3, 4]);
    expect(summary).toMatchObject({ read: 4, skipped: 2 });
    // The one already written is seen (its id stays in the boundary); the older one is not.
    expect(out.seen.map((x) => [x.k.split('@')[0], x.bi])).toEqual([['2', -1], ['3', 0], ['4', 1]]);
    expect(out.reachedWatermark).toBe(false);
  });

  it('a second change within the same second is new: the digest tells the versions apart', () => {
    const first = rec(1, 10, 'Ada');
    const { a } = admission({}, [keyOf(first)]);
    expect(a.page([rec(1, 10, 'Ada B.')]).batch).toHaveLength(1);
  });

  it('a record an earlier run died sending is kept as uncertain, never sent again', () => {
    const r = rec(1, 12);
    const { a, rejects } = admission({}, [SENDING + keyOf(r)]);
    expect(a.page([r]).batch).toEqual([]);
    expect(rejects.map((x) => x.code)).toEqual(['uncertain']);
  });

  it('newest first: reaching the watermark says nothing after it is new', () => {
    const { a } = admission({ since: { kind: 'sort', params: {}, field: 'update_time' } });
    expect(a.page([rec(2, 20), rec(1, 5)]).reachedWatermark).toBe(true);
  });

  it('engine-side conditions filter; limit counts the new records only', () => {
    const written = rec(1, 11);
    const { a, summary } = admission({ limit: 2, keep: (r) => r.id !== 3 }, [keyOf(written)]);
    const out = a.page([written, rec(2, 12), rec(3, 13), rec(4, 14), rec(5, 15)]);
    expect(out.batch.map((r) => r.id)).toEqual([2]);
    expect(summary.filtered).toBe(1);
    expect(out.limitReached).toBe(true);
    expect(a.fresh).toBe(2);
  });

  it('without since every record goes through and none gets a boundary id', () => {
    const { a } = admission({ since: null }, [], null);
    const out = a.page([rec(1, 1), rec(2, 2)]);
    expect(out.keys).toEqual([null, null]);
    expect(out.seen).toEqual([]);
  });
});
