// What a run asks of its source, from the flow's plan: pushed-down parameters, limit, the
// watermark in the action's own format, and the reach of an API that only answers recent changes.
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/apps/index.js';
import { sourceRead } from '../../src/runtime/run/source-read.js';
import { check } from '../check/harness.js';

const registry = loadRegistry();

function read(flow: string, createdDate: string | boolean | null, started = new Date('2026-12-04T00:00:00Z')) {
  const f = check(flow).model!.flows[0];
  const ref = f.plan!.source!.ref;
  const action = registry.action(ref.action!.qualified, 'read', ref.action!.version ?? null)!;
  return sourceRead(f.plan!.source!, action, { templates: { CreatedDate: createdDate }, now: started.toISOString(), env: {} }, started);
}

describe('sourceRead', () => {
  it('sends the pushed-down conditions and the watermark as the action says', () => {
    const r = read('source pipedrive.persons where owner_id = 7 and limit = 20 since ~{CreatedDate}~ -> dest stdout', '2026-12-01T10:00:00Z');
    expect(r.limit).toBe(20);
    expect(r.query).toMatchObject({ owner_id: 7, updated_since: '2026-12-01T10:00:00Z', sort_by: 'update_time', sort_direction: 'asc' });
    expect(r.lower?.value).toBe('2026-12-01T10:00:00.000Z');
    expect(r.warnings).toEqual([]);
  });

  it('a first run (no watermark) reads everything', () => {
    const r = read('source pipedrive.persons since ~{CreatedDate}~ -> dest stdout', null);
    expect(r.lower).toBeNull();
    expect(r.query).not.toHaveProperty('updated_since');
  });

  it('an action whose API reaches only so far back warns, from its definition (recents: 31 days)', () => {
    const flow = 'source pipedrive.recents where items = "person" since ~{CreatedDate}~ -> dest stdout';
    expect(read(flow, '2026-11-20T00:00:00Z').warnings).toEqual([]);
    const old = read(flow, '2026-10-01T00:00:00Z');
    expect(old.query).toMatchObject({ since_timestamp: '2026-10-01 00:00:00', items: 'person' });
    expect(old.warnings).toEqual([
      'pipedrive.recents only reaches 31 days back: changes between 2026-10-01T00:00:00.000Z and 31 days ago are not returned. Use pipedrive.persons, deals, ... for a first full sync.',
    ]);
  });

  it('`since` that is not a time is a run error with its code', () => {
    expect(() => read('source pipedrive.persons since ~{CreatedDate}~ -> dest stdout', true)).toThrow(expect.objectContaining({ code: 'SL7003' }));
  });
});
