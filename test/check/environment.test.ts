// The checker's environment as every front end builds it: connections from the environment and the
// config folder (with their API versions), custom fields `sluice discover` stored, --var names.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/check/check-source.js';
import { checkerEnvironment, readEnvironmentInputs } from '../../src/check/environment.js';
import { saveSchema } from '../../src/apps/custom-fields.js';
import { fixtureSchema } from '../custom-fields/fixture.js';

function config(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-env-'));
  return { SLUICE_CONFIG_DIR: dir, SLUICE_ACME_URL: 'https://acme.pipedrive.com', SLUICE_ACME_TOKEN: 'x', SLUICE_ACME_API_VERSION: 'v1' };
}

// A v1 connection adds the out-of-support warning (SL2005) to every flow; it is not what is tested here.
const codes = (text: string, env: ReturnType<typeof checkerEnvironment>) =>
  checkSource(text, { fileName: 't.flow', env })
    .diagnostics.map((d) => d.code)
    .filter((c) => c !== 'SL2005');

describe('checkerEnvironment', () => {
  it('knows the connections, their API versions and the --var names', () => {
    const processEnv = config();
    const env = checkerEnvironment({ processEnv, vars: ['Region'] });
    expect(env.connections?.get('acme')).toMatchObject({ app: 'pipedrive', apiVersion: 'v1' });
    expect(env.vars.has('Region')).toBe(true);
    // v1 persons have `email`, v2 persons `emails`: the connection's version types the record.
    expect(codes('source pipedrive.persons with connection = "acme" -> map { e: email } -> dest stdout', env)).toEqual([]);
    expect(codes('source pipedrive.persons with connection = "nope" -> dest stdout', env).length).toBeGreaterThan(0);
  });

  it('types the custom fields `sluice discover` stored for a connection', () => {
    const processEnv = config();
    const flow = 'source pipedrive.persons with connection = "acme" -> map { s: Segment } -> dest stdout';
    expect(codes(flow, checkerEnvironment({ processEnv }))).not.toEqual([]);
    saveSchema(processEnv.SLUICE_CONFIG_DIR, fixtureSchema('acme'));
    expect(codes(flow, checkerEnvironment({ processEnv }))).toEqual([]);
  });

  it('a stored schema it cannot read is a warning, and checking goes on', () => {
    const processEnv = config();
    mkdirSync(join(processEnv.SLUICE_CONFIG_DIR, 'schemas'), { recursive: true });
    writeFileSync(join(processEnv.SLUICE_CONFIG_DIR, 'schemas', 'acme.json'), '{ not json');
    const warnings: string[] = [];
    const env = checkerEnvironment({ processEnv, warn: (l) => warnings.push(l) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: custom fields: /);
    expect(codes('source pipedrive.persons with connection = "acme" -> dest stdout', env)).toEqual([]);
  });

  it('an unreadable connections file leaves connection names unchecked instead of failing', () => {
    const processEnv = config();
    writeFileSync(join(processEnv.SLUICE_CONFIG_DIR, 'connections.json'), '{ broken');
    const inputs = readEnvironmentInputs(processEnv);
    expect(inputs.connections).toBeUndefined();
    expect(checkerEnvironment({ processEnv, inputs }).connections).toBeUndefined();
  });

  it('reads no schemas when told there is no schema folder', () => {
    const processEnv = config();
    saveSchema(processEnv.SLUICE_CONFIG_DIR, fixtureSchema('acme'));
    expect(readEnvironmentInputs(processEnv, null).schemas.size).toBe(0);
    expect(readEnvironmentInputs(processEnv).schemas.size).toBe(1);
  });
});
