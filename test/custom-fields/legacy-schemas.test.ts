// Schemas that an older version of `sluice discover` wrote into the project's data folder
// ($SLUICE_HOME/schemas) are moved beside the connections the first time schemas are loaded, with
// a message, so that every folder sees them; nothing is lost when both places have one.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchemas, saveSchema, schemaPath } from '../../src/apps/custom-fields.js';
import { tempDir } from '../helpers/cli.js';
import { fixtureSchema } from './fixture.js';

function setUp() {
  const root = tempDir();
  const env = { SLUICE_HOME: join(root, 'project', '.sluice'), SLUICE_CONFIG_DIR: join(root, 'config') };
  mkdirSync(env.SLUICE_HOME, { recursive: true });
  return { env, legacy: env.SLUICE_HOME, home: env.SLUICE_CONFIG_DIR };
}

describe('schemas discovered by an older version', () => {
  it('are moved from $SLUICE_HOME/schemas to $SLUICE_CONFIG_DIR/schemas on first load, with a message, once', () => {
    const { env, legacy, home } = setUp();
    const old = saveSchema(legacy, fixtureSchema('acme'));
    const first = loadSchemas(home, env);
    expect([...first.schemas.keys()]).toEqual(['acme']);
    expect(existsSync(old)).toBe(false);
    expect(readFileSync(schemaPath(home, 'acme'), 'utf8')).toContain('"connection": "acme"');
    expect(statSync(schemaPath(home, 'acme')).mode & 0o777).toBe(0o600);
    expect(first.problems).toEqual([expect.stringMatching(/moved .*project\/\.sluice\/schemas\/acme\.json to .*config\/schemas\/acme\.json/)]);
    const again = loadSchemas(home, env);
    expect([...again.schemas.keys()]).toEqual(['acme']);
    expect(again.problems).toEqual([]);
  });

  it('leave an old file in place when a newer discovery exists, and say which one is used', () => {
    const { env, legacy, home } = setUp();
    saveSchema(home, { ...fixtureSchema('acme'), readAt: '2026-05-01T00:00:00.000Z' });
    const old = saveSchema(legacy, { ...fixtureSchema('acme'), readAt: '2026-01-01T00:00:00.000Z' });
    const r = loadSchemas(home, env);
    expect(r.schemas.get('acme')?.readAt).toBe('2026-05-01T00:00:00.000Z');
    expect(existsSync(old)).toBe(true);
    expect(r.problems).toEqual([expect.stringMatching(/not moved: .*config\/schemas\/acme\.json is used; remove .*project\/\.sluice\/schemas\/acme\.json/)]);
  });

  it('are not looked for without the environment (a caller with a schemas folder only)', () => {
    const { legacy, home } = setUp();
    saveSchema(legacy, fixtureSchema('acme'));
    expect(loadSchemas(home).schemas.size).toBe(0);
  });
});
