// Records read as a body's bytes arrive: however the bytes are split into chunks (inside a string,
// an escape or a multi-byte character), the records and the rest of the body are what JSON.parse of
// the whole body gives; a body that JSON.parse refuses is a typed error, never records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonRecordsError, parseRecords, RecordsParser } from '../../../src/runtime/http/json-records.js';
import { getPointer } from '../../../src/runtime/http/pointer.js';
import { runs } from '../../helpers/runs.js';
import { split } from '../../helpers/split.js';

/** What the caller should see: JSON.parse of the whole body, with the records taken out of it. */
function expected(text: string, pointer: string): { body: unknown; records: unknown[] | undefined } {
  // As the bytes read: a lone surrogate in `text` has no UTF-8 form and reads back as U+FFFD.
  const body = JSON.parse(Buffer.from(text, 'utf8').toString('utf8')) as unknown;
  const at = getPointer(body, pointer);
  if (!Array.isArray(at)) return { body, records: undefined };
  const tokens = pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (tokens.length === 0) return { body: [], records: at };
  // Only a path of object keys is taken out; one through an array index is left in the body.
  let parent: unknown = body;
  for (const t of tokens.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return { body, records: undefined };
    parent = (parent as Record<string, unknown>)[t];
  }
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return { body, records: undefined };
  (parent as Record<string, unknown>)[tokens[tokens.length - 1]] = [];
  return { body, records: at };
}

const text = fc.string({ unit: 'binary', maxLength: 12 });
const record = fc.jsonValue({ maxDepth: 3 });
const envelope = fc.record({
  success: fc.boolean(),
  data: fc.oneof({ weight: 6, arbitrary: fc.array(record, { maxLength: 8 }) }, { weight: 1, arbitrary: fc.constantFrom(null, {}, 'x', 3) }),
  additional_data: fc.record({ next_cursor: fc.option(text), more_items_in_collection: fc.boolean(), note: fc.jsonValue({ maxDepth: 2 }) }),
});
const cuts = fc.array(fc.nat(), { maxLength: 12 });
/** JSON.stringify with a random amount of white space, as servers differ in it. */
const indent = fc.constantFrom(undefined, 0, 1, 2, '\t');

describe('RecordsParser', () => {
  it('gives the records and the body of JSON.parse, however the bytes are split', () => {
    fc.assert(
      fc.property(envelope, cuts, indent, (env, at, space) => {
        const s = JSON.stringify(env, null, space);
        const got = parseRecords(split(Buffer.from(s, 'utf8'), at), '/data');
        expect(got).toEqual(expected(s, '/data'));
      }),
      { numRuns: runs(2000), seed: 1907 },
    );
  });

  it('finds records deeper in the body, at the root, or not at all, as JSON.parse would', () => {
    const pointer = fc.constantFrom('', '/data', '/a/b', '/a~1b', '/list/0', '/missing');
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ a: fc.record({ b: fc.array(record), c: record }), 'a/b': fc.array(record), list: fc.array(fc.array(record)) }),
    );
    fc.assert(
      fc.property(body, pointer, cuts, (value, p, at) => {
        const s = JSON.stringify(value);
        expect(parseRecords(split(Buffer.from(s, 'utf8'), at), p)).toEqual(expected(s, p));
      }),
      { numRuns: runs(2000), seed: 1908 },
    );
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    for (const s of ['{"data":[1,2],"data":[3]}', '{"data":[1],"data":null}', '{"data":[1],"data":"x"}', '{"data":{"a":1},"data":[4]}']) {
      expect(parseRecords([Buffer.from(s)], '/data')).toEqual(expected(s, '/data'));
    }
  });

  it('reads an empty body as no body, like an empty 2xx answer', () => {
    expect(parseRecords([], '/data')).toEqual({ body: null, records: undefined });
    expect(parseRecords([Buffer.from('  \n')], '/data')).toEqual({ body: null, records: undefined });
  });

  it('refuses, with a typed error, every body JSON.parse refuses', () => {
    const broken = fc.tuple(envelope, fc.nat(), fc.constantFrom('', ',', ']', '}', '[', '{', '"', ':', 'x', '\\', ',,')).map(([env, pos, junk]) => {
      const s = JSON.stringify(env);
      const i = pos % (s.length + 1);
      return s.slice(0, i) + junk + s.slice(i + (junk === '' ? 1 : 0));
    });
    fc.assert(
      fc.property(broken, cuts, (s, at) => {
        let valid = true;
        try {
          JSON.parse(Buffer.from(s, 'utf8').toString('utf8'));
        } catch {
          valid = false;
        }
        const read = (): unknown => parseRecords(split(Buffer.from(s, 'utf8'), at), '/data');
        if (valid) expect(read()).toEqual(expected(s, '/data'));
        else expect(read).toThrow(JsonRecordsError);
      }),
      { numRuns: runs(3000), seed: 1909 },
    );
  });

  it('reads compact object records, nested ones too, split anywhere and with or without a fault, as JSON.parse would', () => {
    // Object records written without white space meet at `},{`, as do objects nested in them.
    const objectRecord = fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.array(fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 })), { maxKeys: 4 });
    const body = fc.record({ data: fc.array(objectRecord, { maxLength: 30 }), more: fc.array(fc.dictionary(fc.string({ maxLength: 2 }), fc.integer()), { maxLength: 3 }) });
    const fault = fc.option(fc.tuple(fc.nat(), fc.constantFrom('', ',', ']', '}', '[', '{', '"', ':', '},{', '\\')), { nil: undefined });
    fc.assert(
      fc.property(body, fault, cuts, (value, f, at) => {
        let s = JSON.stringify(value);
        if (f) {
          const i = f[0] % (s.length + 1);
          s = s.slice(0, i) + f[1] + s.slice(i + (f[1] === '' ? 1 : 0));
        }
        let valid = true;
        try {
          JSON.parse(s);
        } catch {
          valid = false;
        }
        const read = (): unknown => parseRecords(split(Buffer.from(s, 'utf8'), at), '/data');
        if (valid) expect(read()).toEqual(expected(s, '/data'));
        else expect(read).toThrow(JsonRecordsError);
      }),
      { numRuns: runs(3000), seed: 1910 },
    );
  });

  it('reads a record whose bytes come in two chunks', () => {
    const p = new RecordsParser('/data');
    p.push(Buffer.from('{"data":[{"id":1},{"id":'));
    p.push(Buffer.from('2}],"more":true}'));
    expect(p.end()).toEqual({ body: { data: [], more: true }, records: [{ id: 1 }, { id: 2 }] });
  });

  it('names the malformed list elements JSON.parse refuses', () => {
    for (const s of ['{"data":[1,,2]}', '{"data":[,1]}', '{"data":[1,]}', '{"data":[{]}', '{"data":[1 2]}', '{"data":[1', '{"data":"ab']) {
      expect(() => parseRecords([Buffer.from(s)], '/data'), s).toThrow(JsonRecordsError);
    }
  });
});
