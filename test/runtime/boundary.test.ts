// The interpreter's incremental rule (src/runtime/boundary.ts), record by record.
import { describe, expect, it } from 'vitest';
import { Boundary, SENDING, digestFields, recordKey, versionKey } from '../../src/runtime/boundary.js';
import { normaliseCursor } from '../../src/state/cursor.js';
import { parse } from '../../src/language/parse.js';

const at = (s: string) => normaliseCursor(s);
const T = '2026-01-05T10:00:00.000Z';

describe('Boundary', () => {
  it('the lower bound is inclusive: older records are `older`, those at it are new unless a boundary id says written', () => {
    const rec = { id: 1, name: 'Ann' };
    const k = versionKey(rec, '1', at(T), null);
    const b = new Boundary(at(T), { value: T, boundaryIds: [k] });
    expect(b.classify(at('2026-01-05 09:59:59'), '1', versionKey(rec, '1', at('2026-01-05 09:59:59'), null))).toBe('older');
    expect(b.classify(at('2026-01-05 10:00:00'), '1', k)).toBe('written');
    // Same second, another record: arrived after the last run read that second.
    const other = { id: 2, name: 'Bob' };
    expect(b.classify(at(T), '2', versionKey(other, '2', at(T), null))).toBe('new');
    // Same record, same second, changed again: another version, written again.
    expect(b.classify(at(T), '1', versionKey({ id: 1, name: 'Ann B' }, '1', at(T), null))).toBe('new');
    expect(b.classify(at('2026-01-05 10:00:01'), '1', versionKey(rec, '1', at('2026-01-05 10:00:01'), null))).toBe('new');
  });

  it('honours the `id@cursor` ids older versions saved, and `sending:` marks', () => {
    const rec = { id: 7 };
    const k = versionKey(rec, '7', at(T), null);
    expect(new Boundary(at(T), { value: T, boundaryIds: [`7@${T}`] }).classify(at(T), '7', k)).toBe('written');
    expect(new Boundary(at(T), { value: T, boundaryIds: [SENDING + k] }).classify(at(T), '7', k)).toBe('sending');
  });

  it('without saved state (a first run, or --since) nothing is written yet; --since is the lower bound', () => {
    const b = new Boundary(at('2026-01-01'), null);
    expect(b.startMark).toBe('2026-01-01T00:00:00.000Z');
    expect(b.classify(at('2025-12-31 23:59:59'), '1', 'k1')).toBe('older');
    expect(b.classify(at('2026-01-01'), '1', 'k1')).toBe('new');
    expect(new Boundary(null, null).classify(at('1970-01-01'), '1', 'k')).toBe('new');
  });

  it('a record noted in this run is dropped when read again (offset pages shift)', () => {
    const b = new Boundary(null, null);
    b.note('k1', at(T));
    expect(b.classify(at(T), '1', 'k1')).toBe('written');
  });

  it('while reading, progress is saved at the start watermark; the watermark moves only at the end of a complete run', () => {
    const b = new Boundary(at(T), { value: T, boundaryIds: [] });
    b.note('a', at('2026-01-05 10:00:02'));
    b.note('b', at('2026-01-05 10:00:01'));
    expect(b.pending).toBe(2);
    expect(b.takeProcessed()).toEqual(['a', 'b']);
    expect(b.pending).toBe(0);
    b.note('c', at('2026-01-05T10:00:02Z'));
    // Stopped early: the start watermark, with what is not saved yet.
    expect(b.final(false)).toEqual({ watermark: T, boundaryIds: ['c'] });
    // Read to the end: the largest cursor handled, with the ids at exactly it.
    expect(b.final(true)).toEqual({ watermark: '2026-01-05T10:00:02.000Z', boundaryIds: ['a', 'c'] });
  });

  it('a complete run that handled nothing keeps the start watermark', () => {
    expect(new Boundary(at(T), { value: T, boundaryIds: ['x'] }).final(true)).toEqual({ watermark: T, boundaryIds: [] });
  });
});

describe('boundary ids', () => {
  it('a record is named by its key fields, else by its content', () => {
    expect(recordKey({ id: 3, org: { id: 9 } }, ['id', 'org.id'])).toBe('3:9');
    expect(recordKey({ a: 1 }, null)).toBe(recordKey({ a: 1 }, []));
    expect(recordKey({ a: 1 }, null)).not.toBe(recordKey({ a: 2 }, null));
  });

  it('the digest covers only the fields the flow reads when a map decides the output', () => {
    const file = parse('source pipedrive.persons since ~{CreatedDate}~\n  -> map { id: id, name: name }\n  -> dest file.jsonl with path = "x.jsonl"\n');
    const flow = file.program.flows[0];
    const fields = digestFields(flow.pipeline!.steps, []);
    expect(fields).toEqual(['id', 'name']);
    const k1 = versionKey({ id: 1, name: 'Ann', people_count: 3 }, '1', at(T), fields);
    expect(versionKey({ id: 1, name: 'Ann', people_count: 4 }, '1', at(T), fields)).toBe(k1);
    expect(versionKey({ id: 1, name: 'Ann B', people_count: 3 }, '1', at(T), fields)).not.toBe(k1);
    expect(k1.startsWith(`1@${T}#`)).toBe(true);
  });
});
