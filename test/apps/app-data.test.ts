// What the engine knows of Pipedrive's custom fields and of its unpaged reads comes from the app
// definition (stdlib/pipedrive/app.json), not from engine code: editing the data changes what
// discovery reads, which actions carry custom fields, and what a lookup asks for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ERROR, loadRegistry, loadStdlib, type AppDef } from '../../src/apps/index.js';
import { entitiesOf, entityOfAction } from '../../src/apps/custom-fields.js';
import { AppRegistry } from '../../src/apps/registry.js';
import { discoverSchema } from '../../src/runtime/custom-fields/discover.js';
import { limitOf } from '../../src/runtime/http-app/lookup.js';
import { clearLimiters } from '../../src/runtime/http/limiter.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { client, requestLog } from '../runtime/http/helpers.js';
import { editJson, loadError, removeCopies, stdlibCopy } from './helpers.js';

afterAll(removeCopies);

const APP = 'pipedrive/app.json';

/** A registry of a stdlib copy whose Pipedrive definition was edited. */
function editedRegistry(edit: (app: any) => void): AppRegistry {
  const dir = stdlibCopy();
  editJson(dir, APP, edit);
  return new AppRegistry(loadStdlib(dir));
}

describe('custom fields as app data', () => {
  it('Pipedrive names its entities with custom fields, the action listing each one\'s fields, and the actions that carry them', () => {
    const app = loadRegistry().app('pipedrive')!;
    expect(entitiesOf(app)).toEqual(['person', 'deal', 'organization']);
    expect(Object.values(app.customFields!.entities).map((e) => e.fieldsAction)).toEqual(['personFields', 'dealFields', 'organizationFields']);
    expect(entityOfAction(app, 'persons.get')).toBe('person');
    expect(entityOfAction(app, 'deals.create')).toBe('deal');
    expect(entityOfAction(app, 'leads.list')).toBeUndefined();
    expect(entitiesOf(loadRegistry().app('stdout'))).toEqual([]);
  });

  it('an entity taken out of the data is no longer mapped', () => {
    const app = editedRegistry((d) => delete d.customFields.entities.organization).app('pipedrive') as AppDef;
    expect(entitiesOf(app)).toEqual(['person', 'deal']);
    expect(entityOfAction(app, 'organizations.get')).toBeUndefined();
  });

  it('a fieldsAction that is not a read action of the app is refused when the definition loads', () => {
    const dir = stdlibCopy();
    editJson(dir, APP, (d) => (d.customFields.entities.deal.fieldsAction = 'dealFieldz'));
    const e = loadError(dir);
    expect(e.code).toBe(APP_ERROR.semantic);
    expect(e.message).toBe(`stdlib/${APP}: /customFields/entities/deal/fieldsAction names "dealFieldz", which is not a read action of pipedrive`);
  });

  describe('discovery reads what the data lists', () => {
    let sb: Sandbox;
    const log = requestLog();
    beforeAll(async () => {
      sb = await startSandbox({ seed: 3, persons: 5, onRequest: log.onRequest });
    });
    afterAll(() => sb.close());

    it('only the entities the definition names, through their fieldsAction', async () => {
      clearLimiters();
      const registry = editedRegistry((d) => delete d.customFields.entities.organization);
      const schema = await discoverSchema(client(sb).client, registry, { now: new Date('2026-01-01T00:00:00Z') });
      expect(Object.keys(schema.entities)).toEqual(['person', 'deal']);
      expect(schema.entities.person.custom.length).toBeGreaterThan(0);
      const paths = log.entries.map((r) => r.path);
      expect(paths.some((p) => p.startsWith('/api/v1/personFields'))).toBe(true);
      expect(paths.some((p) => p.startsWith('/api/v1/organizationFields'))).toBe(false);
    });
  });
});

describe('unpaged reads as app data', () => {
  it('a lookup through a read without pagination asks for n records in the app\'s unpagedLimitParam', () => {
    const registry = loadRegistry();
    const me = registry.action('pipedrive.users.me', 'read', 'v1')!;
    expect(me.pagination.type).toBe('none');
    expect(limitOf(registry, me, 1)).toEqual({ limit: 1 });
    const paged = registry.action('pipedrive.persons', 'read', 'v2')!;
    expect(limitOf(registry, paged, 3)).toEqual({ limit: 3 });
  });

  it('without unpagedLimitParam in the definition, nothing is added', () => {
    const registry = editedRegistry((d) => delete d.http.unpagedLimitParam);
    expect(limitOf(registry, registry.action('pipedrive.users.me', 'read', 'v1')!, 1)).toEqual({});
  });
});
