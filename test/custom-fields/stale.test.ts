// The staleness check: differences between the schema a flow was checked against and the company's
// current one, which fields a flow uses, and that only changes to those fail the run.
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/apps/index.js';
import { checkSource } from '../../src/check/check-source.js';
import type { FlowModel } from '../../src/check/model.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { namedFields } from '../../src/check/custom-fields/names.js';
import type { Entity, EntitySchema, StoredSchema } from '../../src/apps/custom-fields.js';
import { bindingsOf, checkStaleness, compareFields, usage } from '../../src/runtime/custom-fields/stale.js';
import { K, fixtureSchema } from './fixture.js';

const registry = loadRegistry();
const stored = fixtureSchema();
const persons = namedFields(registry, stored, 'person');

/** The current schema: the stored one with `edit` applied to the person fields. */
function current(edit: (es: EntitySchema) => void): StoredSchema {
  const s = JSON.parse(JSON.stringify(stored)) as StoredSchema;
  edit(s.entities.person);
  return s;
}
const field = (es: EntitySchema, key: string) => es.custom.find((f) => f.key === key)!;

function flow(text: string): FlowModel {
  const env = stdlibEnv({ connections: [{ name: 'pipedrive', app: 'pipedrive', apiVersion: 'v1' }], customSchemas: new Map([['pipedrive', stored]]) });
  const r = checkSource(text, { fileName: 't.flow', env });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.model!.flows[0];
}

describe('compareFields', () => {
  it('the same schema: no change', () => {
    expect(compareFields('person', persons, stored.entities.person)).toEqual({ changes: [], added: [] });
  });

  it('renamed, deleted, type changed, options changed; added fields apart', () => {
    const now = current((es) => {
      field(es, K.leadSource).name = 'Lead origin';
      es.custom = es.custom.filter((f) => f.key !== K.headcount);
      field(es, K.value).fieldType = 'varchar';
      field(es, K.segment).options = [
        { id: 100, label: 'Enterprise' },
        { id: 101, label: 'Small business' },
        { id: 103, label: 'Public sector' },
      ];
      es.custom.push({ key: 'b'.repeat(40), name: 'Newsletter', fieldType: 'varchar', schema: {} });
    });
    const { changes, added } = compareFields('person', persons, now.entities.person);
    expect(changes.map((c) => [c.kind, c.message])).toEqual([
      ['renamed', `person field \`Lead source\` (${K.leadSource.slice(0, 8)}…) is now named \`Lead origin\``],
      ['options', `person field \`Segment\` (${K.segment.slice(0, 8)}…): option \`SMB\` is now \`Small business\`, option \`Startup\` was removed, option \`Public sector\` was added`],
      ['type', `person field \`Lifetime value\` (${K.value.slice(0, 8)}…) changed its type from monetary to varchar`],
      ['deleted', `person field \`Headcount\` (${K.headcount.slice(0, 8)}…) was deleted`],
    ]);
    expect(added.map((a) => a.name)).toEqual(['Newsletter']);
  });
});

describe('usage: which custom fields a flow uses', () => {
  it('names mentioned: fields, members, string indexes, map keys, where keys', () => {
    const u = usage(flow('source pipedrive.persons where Headcount > 3 -> filter Segment == "SMB" -> map { id: id, s: custom["Lead source"], i: custom.Interests } -> dest stdout'));
    expect(u.all).toBe(false);
    expect([...u.names]).toEqual(expect.arrayContaining(['Headcount', 'Segment', 'Lead source', 'Interests', 'id', 's', 'i']));
  });

  it.each([
    ['a spread', 'source pipedrive.persons -> map { ..., x: 1 } -> dest stdout'],
    ['no map: whole records reach the destination', 'source pipedrive.persons -> filter id > 3 -> dest stdout'],
    ['custom passed whole', 'source pipedrive.persons -> map { id: id, c: custom } -> dest stdout'],
    ['a lookup passed whole', 'source pipedrive.deals -> lookup p = pipedrive.persons.get where id = person_id.value -> map { id: id, person: p } -> dest stdout'],
    ["a lookup's custom passed whole", 'source pipedrive.deals -> lookup p = pipedrive.persons.get where id = person_id.value -> map { id: id, c: p.custom } -> dest stdout'],
  ])('all fields: %s', (_, text) => {
    expect(usage(flow(text)).all).toBe(true);
  });

  it('bindings by connection, with the entities touched', () => {
    const b = bindingsOf(flow('source pipedrive.deals -> lookup p = pipedrive.persons.get where id = person_id.value -> map { id: id, s: p.Segment } -> dest stdout'));
    expect([...b.keys()]).toEqual(['pipedrive']);
    expect([...b.get('pipedrive')!.entities].sort()).toEqual(['deal', 'person']);
  });
});

describe('checkStaleness', () => {
  const renamed = current((es) => {
    field(es, K.leadSource).name = 'Lead origin';
  });
  const asked: string[] = [];
  const from = (s: StoredSchema) => async (connection: string, entity: Entity, app: string) => {
    asked.push(`${app}:${connection}/${entity}`);
    return s.entities[entity];
  };

  it('a change to a field the flow uses: SL9010 with the changes and the hint', async () => {
    const f = flow('source pipedrive.persons -> map { id: id, s: custom["Lead source"] } -> dest stdout');
    asked.length = 0;
    const err = await checkStaleness(f, from(renamed)).catch((e: unknown) => e);
    // The current definitions are read from the app the stored schema belongs to.
    expect(asked).toEqual(['pipedrive:pipedrive/person']);
    expect(err).toMatchObject({
      code: 'SL9010',
      message: expect.stringContaining(`- person field \`Lead source\` (${K.leadSource.slice(0, 8)}…) is now named \`Lead origin\` (the flow uses it as \`custom["Lead source"]\`)`),
      hint: 'Run `sluice discover pipedrive`, then `sluice check` the flow and fix the names it reports.',
    });
    expect((err as Error).message).toMatch(/nothing was read or written/);
  });

  it('a change to a field the flow does not use: a warning only', async () => {
    const f = flow('source pipedrive.persons -> map { id: id, s: Segment } -> dest stdout');
    const warnings = await checkStaleness(f, from(renamed));
    expect(warnings).toEqual([expect.stringMatching(/person field `Lead source` .* is now named `Lead origin` since `sluice discover` \(not used by this flow\); run `sluice discover pipedrive`/)]);
  });

  it('with a spread every field is used', async () => {
    const f = flow('source pipedrive.persons -> map { ... } -> dest stdout');
    await expect(checkStaleness(f, from(renamed))).rejects.toMatchObject({ code: 'SL9010' });
  });

  it('an unchanged schema: no warning; a new field: a warning that discover would name it', async () => {
    const f = flow('source pipedrive.persons -> map { ... } -> dest stdout');
    expect(await checkStaleness(f, from(stored))).toEqual([]);
    const added = current((es) => {
      es.custom.push({ key: 'b'.repeat(40), name: 'Newsletter', fieldType: 'varchar', schema: {} });
    });
    expect(await checkStaleness(f, from(added))).toEqual([expect.stringContaining('1 person custom field was added since `sluice discover` (`Newsletter`)')]);
  });

  it('a flow without custom-field bindings asks nothing', async () => {
    const env = stdlibEnv({ connections: [{ name: 'pipedrive', app: 'pipedrive', apiVersion: 'v1' }] });
    const f = checkSource('source pipedrive.persons -> dest stdout', { fileName: 't.flow', env }).model!.flows[0];
    asked.length = 0;
    expect(await checkStaleness(f, from(renamed))).toEqual([]);
    expect(asked).toEqual([]);
  });
});
