// A record changed while an incremental v2 read is under way must not end up below the new
// watermark. Read in id order, a person already passed that changes, followed by a later person
// that changes too, is lost: the run's watermark becomes the later change's time and the next run
// asks for changes after it. Sorted by update_time ascending, a change moves the person behind the
// cursor, so the same run (or the next one) reads it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearLimiters } from '../../src/runtime/http/index.js';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../src/sandbox/index.js';
import { runInProcess } from './helpers/in-process-run.js';
import { rows, sandboxEnv } from './helpers/sandbox-run.js';

const FLOW = `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name }
  -> dest sqlite.table with db = "out/p.db", table = "p", key = "id"
`;

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
  clearLimiters();
});

describe('incremental v2 reads while records change', () => {
  it('a person changed after its page was read is read again, never left below the watermark', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-order-'));
    let onRequest: (e: RequestLogEntry) => void = () => {};
    sb = await startSandbox({ seed: 3, persons: 0, deals: 0, leads: 0, activities: 0, notes: 0, onRequest: (e) => onRequest(e) });
    const s = sb;
    // More than one page (500), all changed in the same second, so that id order and update order agree at first.
    for (let i = 1; i <= 1200; i++) s.data.persons.create({ name: `Person ${i}` });
    const ids = s.data.persons.all().map((p) => p.id);
    const first = ids[0];
    const last = ids[ids.length - 1];
    const env = sandboxEnv(s, dir, 'v2');

    // While the first page is in the client's hands: the first person changes (already read),
    // then, a second later, the last one (not read yet).
    let pages = 0;
    onRequest = (e) => {
      if (!e.path.startsWith('/api/v2/persons') || ++pages !== 1) return;
      s.clock.advance(1000);
      s.data.persons.update(first, { name: 'First, renamed during the run' });
      s.clock.advance(1000);
      s.data.persons.update(last, { name: 'Last, renamed during the run' });
    };
    const one = await runInProcess(dir, env, FLOW);
    expect(one.status, one.error?.message).toBe('succeeded');
    onRequest = () => {};
    const two = await runInProcess(dir, env, FLOW);
    expect(two.status, two.error?.message).toBe('succeeded');

    const table = new Map(rows<{ id: number; name: string }>(join(dir, 'out/p.db'), 'p').map((r) => [r.id, r.name]));
    expect(table.size).toBe(1200);
    expect(table.get(last)).toBe('Last, renamed during the run');
    expect(table.get(first)).toBe('First, renamed during the run');
  }, 60_000);

  it('asks v2 for the changes in update order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-order-'));
    const log: RequestLogEntry[] = [];
    sb = await startSandbox({ seed: 3, persons: 20, deals: 0, leads: 0, activities: 0, notes: 0, onRequest: (e) => log.push(e) });
    const r = await runInProcess(dir, sandboxEnv(sb, dir, 'v2'), FLOW);
    expect(r.status, r.error?.message).toBe('succeeded');
    const list = log.filter((e) => e.path.startsWith('/api/v2/persons'));
    expect(list.length).toBeGreaterThan(0);
    for (const e of list) {
      expect(e.path).toMatch(/[?&]sort_by=update_time(&|$)/);
      expect(e.path).toMatch(/[?&]sort_direction=asc(&|$)/);
    }
  });
});
