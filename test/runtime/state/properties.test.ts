// Properties of the incremental contract, checked over random histories.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncrementalCursor, compareCursors, normaliseCursor } from '../../../src/runtime/state/cursor.js';
import { StateStore, agentFlowKey } from '../../../src/runtime/state/store.js';
import { tempDir } from '../../helpers/cli.js';
import { runs } from '../../helpers/runs.js';

const SRC = 'src';

// One database for all runs of a property (opening one per case would dominate the time); every
// case uses a flow of its own.
let shared: StateStore | undefined;
let caseNo = 0;
function nextFlow(): { store: StateStore; key: string } {
  shared ??= StateStore.open(tempDir('sluice-prop-'));
  return { store: shared, key: agentFlowKey(`case${++caseNo}`) };
}

const BASE = Date.UTC(2026, 0, 5, 10, 0, 0);
/** Second `s` after BASE, written the way Pipedrive v1 writes times. */
const v1Time = (s: number) => new Date(BASE + s * 1000).toISOString().replace('T', ' ').slice(0, 19);

describe('watermark properties', () => {
  it('for any sequence of commits, the stored watermark is the max committed, with the ids committed at exactly it', () => {
    const commit = fc.record({
      // Few distinct values, so that equal watermarks (the boundary case) are common.
      at: fc.integer({ min: 0, max: 6 }),
      asV2: fc.boolean(),
      ids: fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(commit, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 3 }), (commits, runs) => {
        const { store, key } = nextFlow();
        // Commits spread over several runs, like a flow that runs again and again.
        const per = Math.ceil(commits.length / runs);
        for (let r = 0; r * per < commits.length; r++) {
          const run = store.startRun(key, { trigger: 'cli' });
          for (const c of commits.slice(r * per, (r + 1) * per)) {
            const text = c.asV2 ? new Date(BASE + c.at * 1000).toISOString().replace('.000', '') : v1Time(c.at);
            store.commitProgress(run, key, SRC, { watermark: text, boundaryIds: c.ids });
          }
          store.finishRun(run, { status: 'succeeded' });
        }
        const max = Math.max(...commits.map((c) => c.at));
        const ids = [...new Set(commits.filter((c) => c.at === max).flatMap((c) => c.ids.map(String)))].sort();
        const wm = store.watermark(key, SRC);
        expect(wm.value).toBe(new Date(BASE + max * 1000).toISOString());
        expect(wm.boundaryIds).toEqual(ids);
      }),
      { numRuns: runs(150) },
    );
  });

  it('numbers and mixed spellings: the watermark never goes backwards after any commit', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n })), { minLength: 1, maxLength: 30 }), (values) => {
        const { store, key } = nextFlow();
        const run = store.startRun(key, { trigger: 'cli' });
        let best: ReturnType<typeof normaliseCursor> | null = null;
        for (const v of values) {
          // Alternate the spelling: 0042 and 42 are one watermark.
          const spelled = typeof v === 'bigint' ? v.toString() : v;
          store.commitProgress(run, key, SRC, { watermark: spelled });
          const n = normaliseCursor(v);
          if (best === null || compareCursors(best, n) < 0) best = n;
          expect(store.watermark(key, SRC).value).toBe(best.value);
        }
        store.finishRun(run, { status: 'succeeded' });
      }),
      { numRuns: runs(150) },
    );
  });
});

// ---- "without loss or duplicates", end to end over the state store ----

interface SourceRecord {
  id: number;
  t: number;
}

type Step =
  | { kind: 'run'; batch: number; crashAfter: number | null; crashInside: boolean; tieShuffle: number }
  | { kind: 'insert'; advance: number }
  | { kind: 'update'; which: number; advance: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('run' as const),
    batch: fc.integer({ min: 1, max: 4 }),
    crashAfter: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    crashInside: fc.boolean(),
    tieShuffle: fc.integer({ min: 0, max: 1_000_000 }),
  }),
  // advance 0: the new record lands in the very second of the current watermark, the case that
  // needs the inclusive boundary.
  fc.record({ kind: fc.constant('insert' as const), advance: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('update' as const), which: fc.nat(), advance: fc.integer({ min: 0, max: 1 }) }),
);

describe('inclusive boundary plus boundary dedupe', () => {
  it('loses nothing and repeats nothing, whatever crashes and same-second arrivals happen', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 8 }), fc.array(step, { maxLength: 14 }), (initial, steps) => {
        const { store, key } = nextFlow();
        const table = `dest_${caseNo}`;
        store.db.exec(`CREATE TABLE ${table} (id INTEGER NOT NULL, t TEXT NOT NULL)`);
        const source = new Map<number, SourceRecord>();
        let nextId = 1;
        let now = 3;
        for (const t of initial) source.set(nextId, { id: nextId++, t });

        const runOnce = (batch: number, crashAfter: number | null, crashInside: boolean, tieShuffle: number): void => {
          const run = store.startRun(key, { trigger: 'cli' });
          const wm = store.watermark(key, SRC);
          const cursor = new IncrementalCursor(wm);
          // The API: records changed at or after the watermark, by time; ties in any order.
          const since = wm.value === null ? -Infinity : (Date.parse(wm.value) - BASE) / 1000;
          const tieOrder = (r: SourceRecord) => (r.id * 7919 + tieShuffle) % 1009;
          const page = [...source.values()].filter((r) => r.t >= since).sort((a, b) => a.t - b.t || tieOrder(a) - tieOrder(b));
          const fresh = page.filter((r) => !cursor.alreadyWritten(v1Time(r.t), r.id));
          for (let i = 0, n = 0; i < fresh.length; i += batch, n++) {
            if (crashAfter !== null && n === crashAfter && !crashInside) {
              store.finishRun(run, { status: 'interrupted' });
              return;
            }
            const chunk = fresh.slice(i, i + batch);
            const probe = new IncrementalCursor({ value: null, boundaryIds: [] });
            for (const r of chunk) {
              cursor.accept(v1Time(r.t), r.id);
              probe.accept(v1Time(r.t), r.id);
            }
            try {
              store.commitProgress(run, key, SRC, { ...cursor.progress() }, (db) => {
                const ins = db.prepare(`INSERT INTO ${table} (id, t) VALUES (?, ?)`);
                for (const r of chunk) ins.run(r.id, v1Time(r.t));
                if (crashAfter !== null && n === crashAfter && crashInside) throw new Error('crash while flushing');
              });
            } catch {
              store.finishRun(run, { status: 'interrupted' });
              return;
            }
          }
          store.finishRun(run, { status: 'succeeded' });
        };

        for (const s of steps) {
          if (s.kind === 'run') runOnce(s.batch, s.crashAfter, s.crashInside, s.tieShuffle);
          else if (s.kind === 'insert') {
            now += s.advance;
            source.set(nextId, { id: nextId++, t: now });
          } else if (source.size > 0) {
            now += s.advance;
            const ids = [...source.keys()];
            source.set(ids[s.which % ids.length], { id: ids[s.which % ids.length], t: now });
          }
        }
        runOnce(3, null, false, 0);

        const written = store.db.prepare(`SELECT id, t FROM ${table}`).all() as { id: number; t: string }[];
        const seen = new Set<string>();
        for (const w of written) {
          const k = `${w.id}@${w.t}`;
          expect(seen.has(k), `duplicate ${k}`).toBe(false);
          seen.add(k);
        }
        for (const r of source.values()) expect(seen.has(`${r.id}@${v1Time(r.t)}`), `lost ${r.id}@${v1Time(r.t)}`).toBe(true);
      }),
      { numRuns: runs(200) },
    );
  });
});
