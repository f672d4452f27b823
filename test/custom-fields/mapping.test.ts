// Names and the runtime mapping both ways: which names a custom field gets, hash keys <-> names,
// option ids <-> labels (enum and set, v1 and v2 shapes), and the errors of a bad write.
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/apps/index.js';
import { readMapper, readValue, writeMapper, CustomValueError, StaleValueError } from '../../src/runtime/custom-fields/mapping.js';
import { isIdentifier, namedFields, writtenAs, type CustomBinding, type NamedField } from '../../src/check/custom-fields/names.js';
import { K, fixtureSchema } from './fixture.js';

const registry = loadRegistry();
const persons = namedFields(registry, fixtureSchema(), 'person');
const byKey = (k: string): NamedField => persons.find((f) => f.key === k)!;
const binding = (version: 'v1' | 'v2'): CustomBinding => ({
  app: 'pipedrive',
  connection: 'pipedrive',
  companyUrl: 'https://acme.pipedrive.com',
  readAt: '2026-01-15T12:00:00.000Z',
  version,
  shape: 'record',
  entities: { person: persons },
});

describe('names', () => {
  it('identifiers that collide with nothing are top-level; everything is under custom', () => {
    expect(persons.map((f) => [f.label, f.topLevel ?? null])).toEqual([
      ['Lead source', null], // not an identifier
      ['Segment', 'Segment'],
      ['Interests', 'Interests'],
      ['Lifetime value', null],
      ['First contact', null],
      ['Manager', 'Manager'],
      ['Headcount', 'Headcount'],
      ['email', null], // a built-in field of persons
      ['if', null], // a keyword
      [`Region [${K.region1.slice(0, 6)}]`, null], // two fields named Region
      [`Region [${K.region2.slice(0, 6)}]`, null],
      ['custom', null], // the object itself
    ]);
  });

  it('how a flow writes each', () => {
    expect(writtenAs(byKey(K.segment))).toBe('Segment');
    expect(writtenAs(byKey(K.leadSource))).toBe('custom["Lead source"]');
    expect(writtenAs(byKey(K.emailLike))).toBe('custom.email');
    expect(writtenAs(byKey(K.keyword))).toBe('custom["if"]');
  });

  it('isIdentifier', () => {
    expect(['Segment', '_x1', 'lead_source'].every(isIdentifier)).toBe(true);
    expect(['Lead source', '1st', 'if', 'map', 'Größe', ''].some(isIdentifier)).toBe(false);
  });

  it('names do not depend on the API version or role: a v2-only input field is reserved too', () => {
    // `job_title` exists in v2 person records and inputs only; a custom field named so stays under custom.
    const schema = fixtureSchema();
    schema.entities.person.custom.push({ key: 'a'.repeat(40), name: 'job_title', fieldType: 'varchar', schema: { type: ['string', 'null'] } });
    expect(namedFields(registry, schema, 'person').at(-1)!.topLevel).toBeUndefined();
  });
});

describe('reading', () => {
  it('v1: hash keys become names, option ids labels; unknown hash keys stay', () => {
    const unknown = 'f'.repeat(40);
    const rec = {
      id: 7,
      name: 'Ada',
      [K.leadSource]: 'Webinar',
      [K.segment]: 101,
      [K.interests]: '200,201',
      [K.value]: '1500.5',
      [K.manager]: { id: 3, name: 'Boss', value: 3 },
      [K.headcount]: null,
      [K.region1]: 'North',
      [unknown]: 'kept',
    };
    const out = readMapper(binding('v1'))(rec);
    expect(out).toMatchObject({ id: 7, name: 'Ada', Segment: 'SMB', Interests: ['Analytics', 'Security'], Manager: 3, Headcount: null, [unknown]: 'kept' });
    expect(out.custom).toEqual({
      'Lead source': 'Webinar',
      Segment: 'SMB',
      Interests: ['Analytics', 'Security'],
      'Lifetime value': 1500.5,
      'First contact': null,
      Manager: 3,
      Headcount: null,
      email: null,
      if: null,
      [`Region [${K.region1.slice(0, 6)}]`]: 'North',
      [`Region [${K.region2.slice(0, 6)}]`]: null,
      custom: null,
    });
    for (const k of Object.values(K).filter((k) => persons.some((f) => f.key === k))) expect(out).not.toHaveProperty(k);
  });

  it('v1 shapes of option values: "101", 101, "201" (a set of one), "" and null', () => {
    expect(readValue(byKey(K.segment), '101', 'c')).toBe('SMB');
    expect(readValue(byKey(K.segment), 101, 'c')).toBe('SMB');
    expect(readValue(byKey(K.interests), '201', 'c')).toEqual(['Security']);
    expect(readValue(byKey(K.interests), 201, 'c')).toEqual(['Security']);
    expect(readValue(byKey(K.interests), '', 'c')).toBeNull();
    expect(readValue(byKey(K.segment), null, 'c')).toBeNull();
  });

  it('v2: names out of custom_fields, sets as arrays; undiscovered keys stay in custom_fields', () => {
    const unknown = 'e'.repeat(40);
    const rec = { id: 1, custom_fields: { [K.segment]: 100, [K.interests]: [202, 200], [K.leadSource]: null, [unknown]: 5 } };
    const out = readMapper(binding('v2'))(rec);
    expect(out.custom_fields).toEqual({ [unknown]: 5 });
    expect(out).toMatchObject({ Segment: 'Enterprise', Interests: ['Automation', 'Analytics'] });
    expect((out.custom as Record<string, unknown>)['Lead source']).toBeNull();
  });

  it('an option id the schema does not know stops the run with the hint to discover (never a wrong label)', () => {
    const map = readMapper(binding('v1'));
    expect(() => map({ id: 1, [K.segment]: 999 })).toThrow(StaleValueError);
    expect(() => map({ id: 1, [K.segment]: 999 })).toThrow(/`Segment` has a value with option id 999, which the schema discovered for connection `pipedrive` does not know/);
    expect(() => map({ id: 1, [K.interests]: '200,999' })).toThrow(expect.objectContaining({ code: 'SL9011', hint: expect.stringContaining('sluice discover pipedrive') }));
  });

  it('recents: the data of person entries is mapped, other items are left alone', () => {
    const b: CustomBinding = { ...binding('v1'), shape: 'recents', entities: { person: persons } };
    const map = readMapper(b);
    expect(map({ item: 'person', id: 1, data: { id: 1, [K.segment]: 102 } })).toMatchObject({ item: 'person', data: { Segment: 'Startup', custom: { Segment: 'Startup' } } });
    const activity = { item: 'activity', id: 2, data: { id: 2, [K.segment]: 102 } };
    expect(map(activity)).toBe(activity);
  });
});

describe('writing', () => {
  it('v1: names -> hash keys at the top, labels -> ids, sets as "id,id"; nulls left out', () => {
    const out = writeMapper(binding('v1'))({ name: 'Ada', Segment: 'Startup', Interests: ['Security', 'Analytics'], Headcount: null, custom: { 'Lead source': 'Fair', if: 'x', 'First contact': null } });
    expect(out).toEqual({ name: 'Ada', [K.segment]: 102, [K.interests]: '201,200', [K.leadSource]: 'Fair', [K.keyword]: 'x' });
  });

  it('v2: under custom_fields, sets as arrays, merged with custom_fields given', () => {
    const other = 'd'.repeat(40);
    const out = writeMapper(binding('v2'))({ name: 'Ada', Interests: ['Automation'], custom_fields: { [other]: 1 }, custom: { Segment: 'SMB' } });
    expect(out).toEqual({ name: 'Ada', custom_fields: { [other]: 1, [K.interests]: [202], [K.segment]: 101 } });
  });

  it('a record without custom fields is sent as it is', () => {
    expect(writeMapper(binding('v1'))({ name: 'Ada', email: 'a@b.c' })).toEqual({ name: 'Ada', email: 'a@b.c' });
  });

  it('an option id given as such is accepted; a label is matched exactly', () => {
    expect(writeMapper(binding('v1'))({ Segment: 100 })).toEqual({ [K.segment]: 100 });
  });

  it('an unknown label: a clear error naming the field and its options', () => {
    const w = writeMapper(binding('v1'));
    expect(() => w({ name: 'Ada', Segment: 'Enterprize' })).toThrow(CustomValueError);
    expect(() => w({ name: 'Ada', Segment: 'Enterprize' })).toThrow('unknown option `Enterprize` for field `Segment` (did you mean `Enterprise`?); options: Enterprise, SMB, Startup');
    expect(() => w({ name: 'Ada', Interests: ['Security', 'Gardening'] })).toThrow('unknown option `Gardening` for field `Interests`; options: Analytics, Security, Automation');
    expect(() => w({ name: 'Ada', Segment: 'smb' })).toThrow(/did you mean `SMB`/);
  });

  it('an unknown name under custom, a field given twice, custom not an object', () => {
    const w = writeMapper(binding('v1'));
    expect(() => w({ custom: { 'Lead sorce': 'x' } })).toThrow('`custom` has no field `Lead sorce`; did you mean `Lead source`? (connection `pipedrive`)');
    expect(() => w({ Segment: 'SMB', custom: { Segment: 'Startup' } })).toThrow(/`Segment` is given twice with different values/);
    expect(w({ Segment: 'SMB', custom: { Segment: 'SMB' } })).toEqual({ [K.segment]: 101 });
    expect(() => w({ custom: 'x' })).toThrow(/`custom` must be an object/);
  });

  it('read then write gives back what Pipedrive had (v1 and v2)', () => {
    const v1 = { id: 1, name: 'Ada', [K.segment]: 100, [K.interests]: '200,202', [K.leadSource]: 'Web' };
    const named = readMapper(binding('v1'))(v1);
    const { custom, ...top } = named;
    void custom;
    expect(writeMapper(binding('v1'))(top)).toEqual({ id: 1, name: 'Ada', [K.segment]: 100, [K.interests]: '200,202' });
    expect(writeMapper(binding('v1'))({ custom: named.custom })).toEqual({ [K.segment]: 100, [K.interests]: '200,202', [K.leadSource]: 'Web' });
    const v2 = { id: 1, custom_fields: { [K.segment]: 101, [K.interests]: [201] } };
    const back = writeMapper(binding('v2'))(readMapper(binding('v2'))(v2));
    expect(back).toEqual({ id: 1, custom_fields: { [K.segment]: 101, [K.interests]: [201] } });
  });
});
