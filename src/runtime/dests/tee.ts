// `-> tee { dest A, dest B }`: every record goes to each destination, and each acknowledges on its
// own. The interpreter sees one destination that accepts a record only once all of them have (so
// the watermark moves only then) and rejects it when any refuses it (the reasons name which).
//
// With `since`, what each destination accepted is saved at once as `tee<N>:<boundary id>` (and a
// write that cannot be repeated as `sending:tee<N>:<id>` before it leaves), beside the flow's
// boundary ids. When one destination fails the run, the next run reads the same records again and
// sends each only to the destinations that have not accepted it yet: none loses a record, none
// gets one twice. Only destinations durable per batch are noted so: a file published at commit
// keeps nothing of a failed run, so it is written again in full.
import type { Rec } from '../eval.js';
import type { Destination, Rejection, WriteHooks, WriteResult } from './destination.js';

/** Per-destination acknowledgements, kept in the flow's state. */
export interface TeeAcks {
  has(id: string): boolean;
  save(ids: string[]): Promise<void> | void;
}

/** Hooks of a tee: the boundary id of each record of the batch (null: the record has none). */
export interface TeeHooks extends WriteHooks {
  key(index: number): string | null;
}

const ack = (part: number, key: string) => `tee${part}:${key}`;
const SENDING = 'sending:';

export class TeeDestination implements Destination {
  readonly describe: string;
  readonly durability: 'batch' | 'commit';

  constructor(
    private readonly parts: readonly Destination[],
    private readonly acks: TeeAcks | null,
  ) {
    this.describe = `tee { ${parts.map((p) => p.describe).join(', ')} }`;
    this.durability = parts.every((p) => p.durability === 'batch') ? 'batch' : 'commit';
  }

  async write(batch: Rec[], hooks?: WriteHooks): Promise<WriteResult> {
    const keyOf = (i: number): string | null => (hooks && 'key' in hooks ? (hooks as TeeHooks).key(i) : null);
    // Per record and destination: 1 accepted (now or in an earlier run), 2 refused, 0 not attempted.
    const state = this.parts.map(() => new Uint8Array(batch.length));
    const reasons = new Map<number, { part: number; reason: string; code: Rejection['code'] }[]>();
    const refuse = (i: number, part: number, reason: string, code: Rejection['code']) => {
      state[part][i] = 2;
      const list = reasons.get(i) ?? [];
      list.push({ part, reason, code });
      reasons.set(i, list);
    };
    for (const [p, dest] of this.parts.entries()) {
      const noted = this.acks !== null && dest.durability === 'batch';
      const todo: number[] = [];
      for (let i = 0; i < batch.length; i++) {
        const k = noted ? keyOf(i) : null;
        if (k && this.acks!.has(ack(p, k))) state[p][i] = 1;
        else if (k && this.acks!.has(SENDING + ack(p, k))) {
          refuse(i, p, 'an earlier run was stopped while this record was being sent here: it may or may not have been applied (not sent again)', 'uncertain');
        } else todo.push(i);
      }
      if (todo.length === 0) continue;
      const save = async (j: number, prefix: string) => {
        const k = noted ? keyOf(todo[j]) : null;
        if (k) await this.acks!.save([prefix + ack(p, k)]);
      };
      const partHooks: WriteHooks | undefined = noted ? { sending: (j) => save(j, SENDING), accepted: (j) => save(j, '') } : undefined;
      const sub = todo.map((i) => batch[i]);
      const res = await dest.write(sub, partHooks);
      const index = new Map<Rec, number>(sub.map((r, j) => [r, todo[j]]));
      const done: string[] = [];
      for (const r of res.accepted) {
        const i = index.get(r);
        if (i === undefined) continue;
        state[p][i] = 1;
        const k = noted ? keyOf(i) : null;
        if (k) done.push(ack(p, k));
      }
      if (done.length) await this.acks!.save(done);
      for (const r of res.rejected) {
        const i = index.get(r.record);
        if (i !== undefined) refuse(i, p, r.reason, r.code);
      }
    }
    const accepted: Rec[] = [];
    const rejected: Rejection[] = [];
    for (let i = 0; i < batch.length; i++) {
      const all = state.map((s) => s[i]);
      if (all.every((s) => s === 1)) accepted.push(batch[i]);
      else if (all.every((s) => s !== 0)) {
        const why = reasons.get(i)!;
        rejected.push({ record: batch[i], reason: why.map((w) => `${this.parts[w.part].describe}: ${w.reason}`).join('; '), code: why[0].code });
      }
      // Else some destination never got to it (interrupted): left for the next run.
    }
    return { accepted, rejected };
  }

  async commit(): Promise<void> {
    let first: unknown;
    for (const p of this.parts) {
      try {
        await p.commit();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  async abort(): Promise<void> {
    for (const p of this.parts) await p.abort().catch(() => undefined);
  }
}
