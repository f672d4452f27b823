// `upsert by FIELD` after a destination: parsed without making `upsert` a keyword, misspellings
// reported with a fix, formatted back as written.
import { describe, expect, it } from 'vitest';
import { format } from '../../src/language/format.js';
import { parse } from '../../src/language/parse.js';

const destOf = (text: string) => {
  const r = parse(text);
  return { dest: (r.program.flows[0]?.pipeline?.dest ?? null), codes: r.diagnostics.map((d) => d.code) };
};

describe('upsert by', () => {
  it('names the field, before `with`, and keeps its range', () => {
    const { dest, codes } = destOf('source a.b -> dest pipedrive.persons.create upsert by email with connection = "x"\n');
    expect(codes).toEqual([]);
    expect(dest?.upsert?.value).toBe('email');
    expect(dest?.options.map((o) => o.key.value)).toEqual(['connection']);
  });

  it('leaves `upsert` an ordinary name: a field, a key, a flow after a dest named flow', () => {
    expect(destOf('source a.b -> map { upsert: upsert + 1 } -> dedupe by upsert -> dest x.y\n').codes).toEqual([]);
    const blocks = parse('flow one {\n  source a.b -> dest flow upsert by flow\n}\nflow two {\n  source a.b -> dest c.d\n}\n');
    expect(blocks.diagnostics).toEqual([]);
    expect(blocks.program.flows.map((f) => f.pipeline?.dest?.upsert?.value ?? null)).toEqual(['flow', null]);
    // A variable declared after a bare pipeline is not taken for `NAME by`.
    expect(parse('source a.b -> dest c.d\nvar x: string\n').diagnostics).toEqual([]);
  });

  it('a misspelt clause is SL1025, with the words to write', () => {
    const r = parse('source a.b -> dest c.d upsrt by email\n');
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['SL1025', 'unknown clause `upsrt by` after a destination: did you mean `upsert by email`?']]);
  });

  it('formats as written', () => {
    const text = 'source a.b\n  -> dest pipedrive.deals.create upsert by ExternalId with connection = "crm"\n';
    const r = format(text);
    expect(r.ok && r.text).toBe(text);
  });
});
