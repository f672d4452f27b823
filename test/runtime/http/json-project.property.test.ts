// Records read with only some of their fields: however the bytes are split, each record is what
// JSON.parse of the whole body gives with only the fields asked for kept (a record that is not an
// object whole), and the rest of the body is JSON.parse's; a body whose structure or kept values
// JSON.parse refuses is a typed error, never records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonRecordsError, parseRecords } from '../../../src/runtime/http/json-records.js';
import { runs } from '../../helpers/runs.js';
import { split } from '../../helpers/split.js';

/** A record with only `fields`, as JSON.parse made it (own properties, `__proto__` included). */
function pick(rec: unknown, fields: readonly string[]): unknown {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return rec;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (Object.hasOwn(rec, f)) Object.defineProperty(out, f, { value: (rec as Record<string, unknown>)[f], enumerable: true, writable: true, configurable: true });
  return out;
}

function expected(text: string, fields: readonly string[]): { body: unknown; records: unknown[] } {
  const body = JSON.parse(Buffer.from(text, 'utf8').toString('utf8')) as { data: unknown[] };
  const records = body.data.map((r) => pick(r, fields));
  return { body: { ...body, data: [] }, records };
}

const key = fc.constantFrom('id', 'name', 'email', 'org_id', 'a"b', 'é', 'na\\me', '', 'x');
const objectRecord = fc.dictionary(fc.oneof(key, fc.string({ maxLength: 3 })), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(key, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })), { maxKeys: 6 });
const record = fc.oneof({ weight: 8, arbitrary: objectRecord }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const body = fc.record({ success: fc.boolean(), data: fc.array(record, { maxLength: 20 }), additional_data: fc.record({ more: fc.boolean(), id: fc.integer() }) });
const fields = fc.uniqueArray(key, { maxLength: 4 });
const cuts = fc.array(fc.nat(), { maxLength: 12 });
const indent = fc.constantFrom(undefined, 0, 1, '\t');

describe('RecordsParser with fields', () => {
  it('keeps only the fields asked for, as JSON.parse reads them, however the bytes are split', () => {
    fc.assert(
      fc.property(body, fields, cuts, indent, (value, f, at, space) => {
        const s = JSON.stringify(value, null, space);
        expect(parseRecords(split(Buffer.from(s, 'utf8'), at), '/data', f)).toEqual(expected(s, f));
      }),
      { numRuns: runs(3000), seed: 2101 },
    );
  });

  it('reads keys written with escapes, and keeps the last of duplicate keys, as JSON.parse does', () => {
    const s = '{"data":[{"n\\u0061me":"a","id":1,"name":"b"},{"\\"x":2,"id":{"name":3},"id":4}],"x":1}';
    for (const at of [[], [12], [15, 16, 17], [30, 31, 50]]) {
      expect(parseRecords(split(Buffer.from(s), at), '/data', ['name', 'id', '"x'])).toEqual(expected(s, ['name', 'id', '"x']));
    }
  });

  it('copies records that are not objects whole', () => {
    const s = '{"data":[1,"a,b",[{"id":1},2],null,{"id":2,"z":[3]},true,-0.5e3]}';
    expect(parseRecords([Buffer.from(s)], '/data', ['id'])).toEqual({ body: { data: [] }, records: [1, 'a,b', [{ id: 1 }, 2], null, { id: 2 }, true, -500] });
  });

  it('refuses, with a typed error, a body whose records JSON.parse refuses where the projection reads', () => {
    for (const s of ['{"data":[1,,2]}', '{"data":[,1]}', '{"data":[1,]}', '{"data":[{"id":}]}', '{"data":[1 2]}', '{"data":[{"id":1', '{"data":"ab', '{"data":[{"id":tru}]}', '{"data":[{} 1]}', '{"data":[}]}', '{"data":[{"id" 1}]}']) {
      expect(() => parseRecords([Buffer.from(s)], '/data', ['id']), s).toThrow(JsonRecordsError);
    }
  });

  it('throws nothing but its typed error, whatever the bytes', () => {
    const broken = fc.tuple(body, fc.nat(), fc.constantFrom('', ',', ']', '}', '[', '{', '"', ':', 'x', '\\', ',,', '},{')).map(([v, pos, junk]) => {
      const s = JSON.stringify(v);
      const i = pos % (s.length + 1);
      return s.slice(0, i) + junk + s.slice(i + (junk === '' ? 1 : 0));
    });
    fc.assert(
      fc.property(broken, fields, cuts, (s, f, at) => {
        let valid = true;
        try {
          JSON.parse(s);
        } catch {
          valid = false;
        }
        let got: unknown;
        try {
          got = parseRecords(split(Buffer.from(s, 'utf8'), at), '/data', f);
        } catch (err) {
          expect(err).toBeInstanceOf(JsonRecordsError);
          // What JSON.parse takes, a projection takes too.
          expect(valid).toBe(false);
          return;
        }
        if (valid && Array.isArray((JSON.parse(s) as { data?: unknown }).data)) expect(got).toEqual(expected(s, f));
      }),
      { numRuns: runs(3000), seed: 2102 },
    );
  });
});
