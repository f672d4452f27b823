// The checker with a stored schema: custom fields are typed fields with their names for flows that
// use that connection; typos get "did you mean"; without the schema nothing changes.
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/check/check-source.js';
import type { ConnectionInfo } from '../../src/check/env.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { show } from '../../src/check/types.js';
import type { StoredSchema } from '../../src/apps/custom-fields.js';
import { K, fixtureSchema } from './fixture.js';

const conns: ConnectionInfo[] = [
  { name: 'pipedrive', app: 'pipedrive', apiVersion: 'v1' },
  { name: 'acme2', app: 'pipedrive', apiVersion: 'v2' },
  { name: 'plain', app: 'pipedrive', apiVersion: 'v1' },
];

function check(flow: string, schemas: StoredSchema[] | null = [fixtureSchema(), fixtureSchema('acme2')]) {
  const env = stdlibEnv({ connections: conns, ...(schemas ? { customSchemas: new Map(schemas.map((s) => [s.connection, s])) } : {}) });
  const r = checkSource(flow, { fileName: 'test.flow', env });
  // These v1 connections would add the out-of-support warning (SL2005) to every flow; it is not what is tested here.
  return { ...r, diagnostics: r.diagnostics.filter((d) => d.code !== 'SL2005') };
}

/** `line:start-end` of the first `text` in a one-line flow, or of its first `length` characters (columns from 1, end exclusive). */
const at = (flow: string, text: string, length = text.length): string => {
  const i = flow.indexOf(text);
  if (i < 0) throw new Error(`${text} is not in ${flow}`);
  return `1:${i + 1}-${i + 1 + length}`;
};

const summary = (flow: string, schemas?: StoredSchema[] | null) =>
  check(flow, schemas).diagnostics.map((d) => `${d.severity} ${d.code} ${d.range.start.line}:${d.range.start.column}-${d.range.end.column} ${d.message}`);

describe('reading custom fields by name', () => {
  it('custom["Lead source"] and a top-level name check clean, with their types', () => {
    const flow = 'source pipedrive.persons -> map { id: id, src: custom["Lead source"], seg: Segment, tags: Interests, v: custom["Lifetime value"], m: Manager, e: custom.email } -> dest stdout';
    const r = check(flow);
    expect(r.diagnostics).toEqual([]);
    const out = r.model!.flows[0].output;
    expect(Object.fromEntries([...out.fields].map(([k, f]) => [k, show(f.type)]))).toEqual({
      id: 'integer',
      src: 'string or null',
      seg: '"Enterprise" | "SMB" | "Startup" or null',
      tags: 'list of "Analytics" | "Security" | "Automation" or null',
      v: 'number or null',
      m: 'integer or null',
      e: 'string or null',
    });
  });

  it('the field carries help for hover: its Pipedrive name, type, options and key', () => {
    const rec = check('source pipedrive.persons -> dest stdout').model!.flows[0].source!.action!.record!;
    expect(rec.fields.get('Segment')!.help).toBe(`Custom field "Segment" (enum: Enterprise, SMB, Startup; key ${K.segment})`);
    expect(rec.fields.get('Segment')!.origin).toBe('custom field of connection `pipedrive`');
  });

  it('a typo gets "did you mean", bare, after a dot and in brackets', () => {
    const flow = 'source pipedrive.persons -> map { a: Segmnt, b: custom["Lead sorce"], c: custom.Intrests } -> dest stdout';
    expect(summary(flow)).toEqual([
      `error SL2050 ${at(flow, 'Segmnt')} unknown field \`Segmnt\`; did you mean \`Segment\`?`,
      `error SL2050 ${at(flow, '"Lead sorce"')} "Lead sorce" is not a field of this object; did you mean "Lead source"?`,
      `error SL2050 ${at(flow, 'Intrests')} \`Intrests\` is not a field of this object; did you mean \`Interests\`?`,
    ]);
    const fix = check('source pipedrive.persons -> map { b: custom["Lead sorce"] } -> dest stdout').diagnostics[0].suggest;
    expect(fix).toEqual([expect.objectContaining({ replacement: '"Lead source"' })]);
  });

  it('without the schema the names are unknown fields, and hash keys work as before', () => {
    expect(summary('source pipedrive.persons -> map { a: Segment, b: custom["Lead source"] } -> dest stdout', null)).toEqual([
      'error SL2050 1:38-45 unknown field `Segment`',
      'error SL2050 1:50-56 unknown field `custom`',
    ]);
    expect(summary(`source pipedrive.persons -> map { a: ${K.segment} } -> dest stdout`, null)).toEqual([]);
  });

  it('with the schema, a discovered hash key says which name to write; an undiscovered one still checks', () => {
    const flow = `source pipedrive.persons -> map { a: ${K.segment}, b: ${'f'.repeat(40)} } -> dest stdout`;
    expect(summary(flow)).toEqual([`error SL2050 ${at(flow, K.segment)} \`${K.segment}\` is a custom field that records carry by name: write \`Segment\``]);
    const d = check(`source pipedrive.persons -> map { a: ${K.leadSource} } -> dest stdout`).diagnostics[0];
    expect(d.suggest).toEqual([expect.objectContaining({ replacement: 'custom["Lead source"]' })]);
  });

  it('only flows using that connection get its custom fields', () => {
    // `plain` has no schema: its flows see hash keys only.
    const flow = 'source pipedrive.persons with connection = "plain" -> map { a: Segment } -> dest stdout';
    expect(summary(flow)).toEqual([`error SL2050 ${at(flow, 'Segment')} unknown field \`Segment\``]);
  });

  it('v2: the same names; discovered keys are gone from custom_fields', () => {
    expect(summary('source pipedrive.persons with connection = "acme2" -> map { s: Segment, l: custom["Lead source"], x: custom_fields["' + 'f'.repeat(40) + '"] } -> dest stdout')).toEqual([]);
    const flow = `source pipedrive.persons with connection = "acme2" -> map { s: custom_fields["${K.segment}"] } -> dest stdout`;
    expect(summary(flow)).toEqual([`error SL2050 ${at(flow, `"${K.segment}"`)} \`${K.segment}\` is a custom field that records carry by name: write \`Segment\``]);
  });

  it('deals and organizations, lookups and engine-side where conditions', () => {
    expect(summary('source pipedrive.deals -> map { t: custom["Contract type"] } -> dest stdout')).toEqual([]);
    expect(summary('source pipedrive.organizations -> map { i: Industry } -> dest stdout')).toEqual([]);
    expect(summary('source pipedrive.deals -> lookup p = pipedrive.persons.get where id = person_id.value -> map { s: p.Segment, l: p.custom["Lead source"] } -> dest stdout')).toEqual([]);
    const r = check('source pipedrive.persons where Segment = "SMB" -> dest stdout');
    expect(r.diagnostics).toEqual([]);
  });

  it('recents binds the entities app.json lists, whatever else the stored schema holds', () => {
    const stored = fixtureSchema();
    // A schema holding an entity the app does not list (written by hand, or by another version), and lacking one it does.
    const { organization: _, ...rest } = stored.entities;
    const schema: StoredSchema = { ...stored, entities: { ...rest, product: stored.entities.deal } };
    const r = check('source pipedrive.recents with items = "person,deal,organization" -> dest stdout', [schema]);
    const custom = r.model!.flows[0].source!.action!.custom!;
    expect(custom.shape).toBe('recents');
    expect(Object.keys(custom.entities)).toEqual(['person', 'deal', 'organization']);
    expect(custom.entities.organization).toEqual([]);
    expect(custom.entities.person!.map((f) => f.name)).toContain('Segment');
  });

  it('without any stored schema the checker is exactly as before', () => {
    const flow = 'source pipedrive.persons -> map { n: name, e: primary(email) } -> dest stdout';
    const plain = checkSource(flow, { fileName: 'test.flow', env: stdlibEnv({ connections: conns }) });
    expect(plain.model!.flows[0].source!.action!.custom).toBeUndefined();
    expect(plain.model!.flows[0].source!.action!.record!.fields.has('custom')).toBe(false);
  });
});

describe('writing custom fields by name', () => {
  const src = 'source file.jsonl with path = "in.jsonl" as { n: string, s: string, t: [string] }';

  it('top-level names and custom: { ... } check clean; the binding is there for the runtime', () => {
    const r = check(`${src} -> map { name: n, Segment: s, Interests: t, custom: { "Lead source": s, "First contact": "2026-01-01" } } -> dest pipedrive.persons.create`);
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.flows[0].dest!.action!.custom).toMatchObject({ connection: 'pipedrive', version: 'v1', shape: 'record' });
  });

  it('an unknown name, an unknown option (also in a list), a discovered hash key', () => {
    const flow = `${src} -> map { name: n, Segment: "Enterprize", custom: { "Lead sorce": s, Interests: ["Securty"] } } -> dest pipedrive.persons.create`;
    expect(summary(flow)).toEqual([
      `error SL2062 ${at(flow, '"Enterprize"')} \`Segment\` must be one of "Enterprise", "SMB", "Startup" for \`pipedrive.persons.create\`, found "Enterprize"; did you mean "Enterprise"?`,
      `error SL2063 ${at(flow, '"Lead sorce"')} \`custom\` has no field "Lead sorce"; did you mean "Lead source"?`,
      `error SL2062 ${at(flow, '"Securty"')} an item of \`custom["Interests"]\` must be one of "Analytics", "Security", "Automation" for \`pipedrive.persons.create\`, found "Securty"; did you mean "Security"?`,
    ]);
    const hash = `${src} -> map { name: n, ${K.segment}: s } -> dest pipedrive.persons.create`;
    expect(summary(hash)).toEqual([`error SL2063 ${at(hash, K.segment)} \`${K.segment}\` is a custom field written by name here: use \`Segment\``]);
    const typo = `${src} -> map { name: n, Segmnt: s } -> dest pipedrive.persons.create`;
    expect(summary(typo)).toEqual([`error SL2063 ${at(typo, 'Segmnt')} \`pipedrive.persons.create\` does not accept the field \`Segmnt\`; did you mean \`Segment\`?`]);
  });

  it('a value of the wrong type for a custom field', () => {
    const flow = `${src} -> map { name: n, Headcount: s } -> dest pipedrive.persons.create`;
    expect(summary(flow)).toEqual([`error SL2062 ${at(flow, 's }', 1)} \`Headcount\` must be integer or null for \`pipedrive.persons.create\`, found string`]);
  });

  it('v2 writes and updates take the same names', () => {
    expect(summary(`${src} -> map { name: n, Segment: s, custom: { "Lead source": s } } -> dest pipedrive.persons.create with connection = "acme2"`)).toEqual([]);
    expect(summary(`${src} -> map { id: 1, Interests: t } -> dest pipedrive.persons.update`)).toEqual([]);
  });
});
