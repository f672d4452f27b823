// Properties of the incremental contract, checked over random histories.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Boundary, versionKey } from '../../src/runtime/boundary.js';
import { compareCursors, normaliseCursor } from '../../src/state/cursor.js';
import { BEGINNING_OF_TIME } from '../../src/state/templates.js';
import { SqliteStateStore as StateStore } from '../../src/state/sqlite-store.js';
import { agentFlowKey } from '../../src/state/keys.js';
import { tempDir } from '../helpers/cli.js';

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
  it('for any sequence of commits, the stored watermark is the max committed, with the ids committed at exactly it', async () => {
    const commit = fc.record({
      // Few distinct values, so that equal watermarks (the boundary case) are common.
      at: fc.integer({ min: 0, max: 6 }),
      asV2: fc.boolean(),
      ids: fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(commit, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 3 }), async (commits, runs) => {
        const { store, key } = nextFlow();
        // Commits spread over several runs, like a flow that runs again and again.
        const per = Math.ceil(commits.length / runs);
        for (let r = 0; r * per < commits.length; r++) {
          const run = await store.startRun(key, { trigger: 'cli' });
          for (const c of commits.slice(r * per, (r + 1) * per)) {
            const text = c.asV2 ? new Date(BASE + c.at * 1000).toISOString().replace('.000', '') : v1Time(c.at);
            await store.commitProgress(run, key, SRC, { watermark: text, boundaryIds: c.ids });
          }
          await store.finishRun(run, { status: 'succeeded' });
        }
        const max = Math.max(...commits.map((c) => c.at));
        const ids = [...new Set(commits.filter((c) => c.at === max).flatMap((c) => c.ids.map(String)))].sort();
        const wm = await store.watermark(key, SRC);
        expect(wm.value).toBe(new Date(BASE + max * 1000).toISOString());
        expect(wm.boundaryIds).toEqual(ids);
      }),
      { numRuns: 150 },
    );
  });

  it('numbers and mixed spellings: the watermark never goes backwards after any commit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n })), { minLength: 1, maxLength: 30 }), async (values) => {
        const { store, key } = nextFlow();
        const run = await store.startRun(key, { trigger: 'cli' });
        let best: ReturnType<typeof normaliseCursor> | null = null;
        for (const v of values) {
          // Alternate the spelling: 0042 and 42 are one watermark.
          const spelled = typeof v === 'bigint' ? v.toString() : v;
          await store.commitProgress(run, key, SRC, { watermark: spelled });
          const n = normaliseCursor(v);
          if (best === null || compareCursors(best, n) < 0) best = n;
          expect((await store.watermark(key, SRC)).value).toBe(best.value);
        }
        await store.finishRun(run, { status: 'succeeded' });
      }),
      { numRuns: 150 },
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
  it('loses nothing, and repeats only what a crash between a write and its commit left unsaved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 8 }), fc.array(step, { maxLength: 14 }), async (initial, steps) => {
        const { store, key } = nextFlow();
        const source = new Map<number, SourceRecord>();
        // What the destination received, one entry per delivery of a version (`id@time`).
        const delivered: string[] = [];
        // Versions delivered by a batch whose commit then failed: the only ones that may come twice.
        const unsaved = new Set<string>();
        let nextId = 1;
        let now = 3;
        for (const t of initial) source.set(nextId, { id: nextId++, t });

        const runOnce = async (batch: number, crashAfter: number | null, crashInside: boolean, tieShuffle: number): Promise<void> => {
          const run = await store.startRun(key, { trigger: 'cli' });
          const wm = await store.watermark(key, SRC);
          // As the interpreter does: ~{CreatedDate}~ is the watermark, else the beginning of time.
          const lower = normaliseCursor(wm.value ?? BEGINNING_OF_TIME);
          const boundary = new Boundary(lower, wm);
          // The API: records changed at or after the watermark, by time; ties in any order.
          const since = wm.value === null ? -Infinity : (Date.parse(wm.value) - BASE) / 1000;
          const tieOrder = (r: SourceRecord) => (r.id * 7919 + tieShuffle) % 1009;
          const page = [...source.values()].filter((r) => r.t >= since).sort((a, b) => a.t - b.t || tieOrder(a) - tieOrder(b));
          for (let i = 0, n = 0; i < page.length; i += batch, n++) {
            if (crashAfter !== null && n === crashAfter && !crashInside) {
              await store.finishRun(run, { status: 'interrupted' });
              return;
            }
            const sent: string[] = [];
            for (const r of page.slice(i, i + batch)) {
              const c = normaliseCursor(v1Time(r.t));
              const k = versionKey({ ...r }, String(r.id), c, null);
              const where = boundary.classify(c, String(r.id), k);
              expect(where).not.toBe('older');
              if (where === 'new') sent.push(`${r.id}@${v1Time(r.t)}`);
              boundary.note(k, c);
            }
            delivered.push(...sent);
            if (crashAfter !== null && n === crashAfter && crashInside) {
              // Written, then the process died before the state was saved.
              for (const s of sent) unsaved.add(s);
              await store.finishRun(run, { status: 'interrupted' });
              return;
            }
            await store.commitProgress(run, key, SRC, { watermark: boundary.startMark, boundaryIds: boundary.takeProcessed() });
          }
          await store.commitProgress(run, key, SRC, boundary.final(true));
          await store.finishRun(run, { status: 'succeeded' });
        };

        for (const s of steps) {
          if (s.kind === 'run') await runOnce(s.batch, s.crashAfter, s.crashInside, s.tieShuffle);
          else if (s.kind === 'insert') {
            now += s.advance;
            source.set(nextId, { id: nextId++, t: now });
          } else if (source.size > 0) {
            now += s.advance;
            const ids = [...source.keys()];
            source.set(ids[s.which % ids.length], { id: ids[s.which % ids.length], t: now });
          }
        }
        await runOnce(3, null, false, 0);

        const seen = new Set<string>();
        for (const k of delivered) {
          expect(seen.has(k) && !unsaved.has(k), `duplicate ${k}`).toBe(false);
          seen.add(k);
        }
        for (const r of source.values()) expect(seen.has(`${r.id}@${v1Time(r.t)}`), `lost ${r.id}@${v1Time(r.t)}`).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
