// Discovery's conversion of field definitions, and the stored schema file: round trip, atomic
// replacement, and clear errors for files that are not what `sluice discover` writes.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDefinitions, discoverSchema, valueSchema } from '../../src/runtime/custom-fields/discover.js';
import { loadSchema, loadSchemas, saveSchema, schemaPath, schemaProblem } from '../../src/apps/custom-fields.js';
import { loadRegistry } from '../../src/apps/index.js';
import { resolveConnection } from '../../src/connections/index.js';
import { ApiClient } from '../../src/runtime/http/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { tempDir } from '../helpers/cli.js';
import { K, PERSON_DEFS, fixtureSchema } from './fixture.js';

describe('field_type -> the type a flow sees', () => {
  it.each([
    ['varchar', { type: ['string', 'null'] }],
    ['varchar_auto', { type: ['string', 'null'] }],
    ['text', { type: ['string', 'null'] }],
    ['phone', { type: ['string', 'null'] }],
    ['address', { type: ['string', 'null'] }],
    ['double', { type: ['number', 'null'] }],
    ['monetary', { type: ['number', 'null'] }],
    ['int', { type: ['integer', 'null'] }],
    ['date', { type: ['string', 'null'], format: 'date' }],
    ['daterange', { type: ['string', 'null'], format: 'date' }],
    ['user', { type: ['integer', 'null'] }],
    ['org', { type: ['integer', 'null'] }],
    ['people', { type: ['integer', 'null'] }],
    ['something_new', {}],
  ])('%s', (fieldType, expected) => {
    expect(valueSchema(fieldType, undefined)).toEqual(expected);
  });

  it('enum: one label (not the option id), nullable', () => {
    expect(valueSchema('enum', [{ id: 1, label: 'A' }, { id: 2, label: 'B' }])).toEqual({ type: ['string', 'null'], enum: ['A', 'B', null] });
  });

  it('set: a list of labels', () => {
    expect(valueSchema('set', [{ id: 1, label: 'A' }])).toEqual({ type: ['array', 'null'], items: { type: 'string', enum: ['A'] } });
  });
});

describe('convertDefinitions', () => {
  it('splits custom fields (40-hex keys) from built-in ones, keeping options', () => {
    const es = convertDefinitions('person', PERSON_DEFS, 'test');
    expect(es.standard).toEqual(['id', 'name', 'email', 'label']);
    expect(es.custom.map((f) => f.name)).toEqual(['Lead source', 'Segment', 'Interests', 'Lifetime value', 'First contact', 'Manager', 'Headcount', 'email', 'if', 'Region', 'Region', 'custom']);
    const seg = es.custom.find((f) => f.key === K.segment)!;
    expect(seg).toMatchObject({ fieldType: 'enum', options: [{ id: 100, label: 'Enterprise' }, { id: 101, label: 'SMB' }, { id: 102, label: 'Startup' }] });
    expect(es.custom.find((f) => f.key === K.leadSource)!.options).toBeUndefined();
  });

  it('a definition without key, name or field_type is a clear error', () => {
    expect(() => convertDefinitions('deal', [{ id: 1, name: 'x' }], 'GET /dealFields')).toThrow(/GET \/dealFields: deal field definition 0 has no key, name or field_type/);
  });
});

describe('the stored schema file', () => {
  it('round-trips, atomically, with mode 0600, and lists by connection', () => {
    const home = tempDir();
    const file = saveSchema(home, fixtureSchema('acme'));
    expect(file).toBe(schemaPath(home, 'acme'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSchema(home, 'acme')).toEqual(fixtureSchema('acme'));
    saveSchema(home, { ...fixtureSchema('acme'), readAt: '2026-02-01T00:00:00.000Z' });
    expect(loadSchema(home, 'acme')!.readAt).toBe('2026-02-01T00:00:00.000Z');
    // No temp file is left beside it.
    expect(readdirSync(join(home, 'schemas'))).toEqual(['acme.json']);
    expect(loadSchema(home, 'other')).toBeUndefined();
    expect([...loadSchemas(home).schemas.keys()]).toEqual(['acme']);
  });

  it('a broken file is SL9002 with the hint to discover again; loadSchemas reports it and goes on', () => {
    const home = tempDir();
    saveSchema(home, fixtureSchema('good'));
    mkdirSync(join(home, 'schemas'), { recursive: true });
    writeFileSync(join(home, 'schemas', 'broken.json'), '{"format": 1,');
    expect(() => loadSchema(home, 'broken')).toThrow(expect.objectContaining({ code: 'SL9002', hint: 'Run `sluice discover broken` to write it again.' }));
    const { schemas, problems } = loadSchemas(home);
    expect([...schemas.keys()]).toEqual(['good']);
    expect(problems).toEqual([expect.stringMatching(/broken\.json: not JSON/)]);
  });

  it.each([
    [{ ...fixtureSchema(), format: 2 }, /format 2 is not 1/],
    [{ ...fixtureSchema('other') }, /connection "other", not `pipedrive`/],
    [{ ...fixtureSchema(), readAt: undefined }, /`readAt` is missing/],
    [{ ...fixtureSchema(), entities: { ...fixtureSchema().entities, deal: { custom: [] } } }, /entities\.deal` must have `custom` and `standard`/],
    [{ ...fixtureSchema(), entities: { ...fixtureSchema().entities, deal: { custom: [{ key: 'nothex', name: 'x', fieldType: 'varchar', schema: {} }], standard: [] } } }, /entities\.deal\.custom\[0\]\.key` must be a 40-hex key/],
  ])('schemaProblem %#', (data, expected) => {
    expect(schemaProblem(JSON.parse(JSON.stringify(data)), 'pipedrive')).toMatch(expected);
  });

  it('what discover writes is valid', () => {
    expect(schemaProblem(JSON.parse(JSON.stringify(fixtureSchema())), 'pipedrive')).toBeUndefined();
  });
});

describe('discoverSchema against the sandbox', () => {
  it('reads every page of the three endpoints', async () => {
    const sb = await startSandbox({ seed: 3 });
    try {
      const registry = loadRegistry();
      const env = { SLUICE_PIPEDRIVE_URL: sb.url, SLUICE_PIPEDRIVE_TOKEN: sb.token, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1', SLUICE_CONFIG_DIR: tempDir() };
      const client = new ApiClient(registry.app('pipedrive')!, resolveConnection('pipedrive', 'pipedrive', env));
      // Pages of 4 definitions: persons have 22, so this takes 6 pages.
      const schema = await discoverSchema(client, registry, { pageSize: 4, now: new Date('2026-01-15T12:00:00Z') });
      expect(schema.readAt).toBe('2026-01-15T12:00:00.000Z');
      expect(schema.companyUrl).toBe(sb.url);
      expect(schema.entities.person.custom.map((f) => f.name)).toEqual(['Lead source', 'Segment', 'Lifetime value', 'First contact', 'Interests']);
      expect(schema.entities.deal.custom.map((f) => f.name)).toEqual(['Contract type', 'Seats', 'Competitor', 'ExternalId']);
      expect(schema.entities.organization.custom.map((f) => f.name)).toEqual(['Industry', 'Employees', 'Region']);
      expect(schema.entities.person.standard).toContain('email');
      expect(schema.entities.person.custom.find((f) => f.name === 'Segment')!.key).toBe(sb.data.customFieldKey('person', 'Segment'));
      // 22 person, 25 deal and 13 organization definitions in pages of 4; always v1.
      const byPath = sb.stats().byPath;
      expect([byPath['GET /api/v1/personFields'], byPath['GET /api/v1/dealFields'], byPath['GET /api/v1/organizationFields']]).toEqual([6, 7, 4]);
    } finally {
      await sb.close();
    }
  });
});
