import { chmodSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  connectionExists,
  listConnections,
  lookupConnection,
  resolveConnection,
  type ResolvedConnection,
} from '../../src/connections/resolve.js';
import { writeStore, type StoredConnection } from '../../src/connections/store.js';
import { ConnectionError } from '../../src/connections/errors.js';
import { tempDir } from '../helpers/cli.js';

const T1 = '1111111111111111111111111111111111111111';
const T2 = '2222222222222222222222222222222222222222';
const T3 = '3333333333333333333333333333333333333333';

function setup(connections: Record<string, StoredConnection>, extra: Record<string, string> = {}): Record<string, string> {
  const env = { SLUICE_CONFIG_DIR: tempDir(), ...extra };
  writeStore({ version: 1, connections }, env);
  return env;
}

const acme: StoredConnection = { app: 'pipedrive', company_url: 'https://acme.pipedrive.com', api_version: 'v1', token: T1 };
const beta: StoredConnection = { app: 'pipedrive', company_url: 'https://beta.pipedrive.com', api_version: 'v2', token_env: 'BETA_TOKEN' };

function failure(f: () => unknown): ConnectionError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectionError);
    return err as ConnectionError;
  }
  throw new Error('expected a ConnectionError');
}

const plain = (c: ResolvedConnection) => ({ ...c, token: c.token.reveal() });

describe('resolveConnection', () => {
  it('uses the connection named like the app when no name is given', () => {
    const env = setup({ pipedrive: acme });
    const c = resolveConnection(undefined, 'pipedrive', env);
    expect(plain(c)).toEqual({
      name: 'pipedrive',
      app: 'pipedrive',
      baseUrl: 'https://acme.pipedrive.com',
      apiVersion: 'v1',
      token: T1,
      tokenSource: { kind: 'file', path: `${env.SLUICE_CONFIG_DIR}/connections.json` },
      origin: 'file',
    });
    expect(inspect(c)).not.toContain(T1);
    expect(JSON.stringify(c)).not.toContain(T1);
  });

  it('resolves two connections of the same app side by side', () => {
    const env = setup({ acme, beta }, { BETA_TOKEN: T2 });
    const a = resolveConnection('acme', 'pipedrive', env);
    const b = resolveConnection('beta', 'pipedrive', env);
    expect([a.baseUrl, a.apiVersion, a.token.reveal()]).toEqual(['https://acme.pipedrive.com', 'v1', T1]);
    expect([b.baseUrl, b.apiVersion, b.token.reveal()]).toEqual(['https://beta.pipedrive.com', 'v2', T2]);
    expect(b.tokenSource).toEqual({ kind: 'env', variable: 'BETA_TOKEN' });
    expect(a.token.fingerprint()).not.toBe(b.token.fingerprint());
  });

  it('lets SLUICE_<NAME>_* override saved values (token, URL, version)', () => {
    const env = setup({ acme, beta }, {
      SLUICE_ACME_TOKEN: T3,
      SLUICE_ACME_URL: 'https://acme2.pipedrive.com/',
      SLUICE_ACME_API_VERSION: 'v2',
      BETA_TOKEN: T2,
      SLUICE_BETA_TOKEN: T3,
    });
    const a = resolveConnection('acme', 'pipedrive', env);
    expect([a.baseUrl, a.apiVersion, a.token.reveal(), a.origin]).toEqual(['https://acme2.pipedrive.com', 'v2', T3, 'file']);
    expect(a.tokenSource).toEqual({ kind: 'env', variable: 'SLUICE_ACME_TOKEN' });
    // The override beats the saved token_env variable too.
    expect(resolveConnection('beta', 'pipedrive', env).tokenSource).toEqual({ kind: 'env', variable: 'SLUICE_BETA_TOKEN' });
  });

  it('treats an empty variable as unset (a CI secret that is not configured)', () => {
    const env = setup({ acme }, { SLUICE_ACME_TOKEN: '' });
    expect(resolveConnection('acme', 'pipedrive', env).token.reveal()).toBe(T1);
  });

  it('works with no file at all from SLUICE_PIPEDRIVE_URL + SLUICE_PIPEDRIVE_TOKEN (CI)', () => {
    const env = { SLUICE_CONFIG_DIR: tempDir(), SLUICE_PIPEDRIVE_URL: 'https://acme.pipedrive.com', SLUICE_PIPEDRIVE_TOKEN: T1 };
    const c = resolveConnection(undefined, 'pipedrive', env);
    expect(plain(c)).toMatchObject({ name: 'pipedrive', baseUrl: 'https://acme.pipedrive.com', apiVersion: 'auto', token: T1, origin: 'env', tokenSource: { kind: 'env', variable: 'SLUICE_PIPEDRIVE_TOKEN' } });
    expect(resolveConnection(undefined, 'pipedrive', { ...env, SLUICE_PIPEDRIVE_API_VERSION: 'v2' }).apiVersion).toBe('v2');
  });

  it('env-only connections have their own names, and a loopback URL needs ALLOW_INSECURE', () => {
    const env = { SLUICE_CONFIG_DIR: tempDir(), SLUICE_SANDBOX_URL: 'http://127.0.0.1:9999', SLUICE_SANDBOX_TOKEN: T2 };
    const e = failure(() => resolveConnection('sandbox', 'pipedrive', env));
    expect(e.code).toBe('SL5002');
    expect(e.message).toContain('SLUICE_SANDBOX_URL');
    const c = resolveConnection('sandbox', 'pipedrive', { ...env, SLUICE_SANDBOX_ALLOW_INSECURE: '1' });
    expect(c.baseUrl).toBe('http://127.0.0.1:9999');
  });

  it('a saved loopback connection keeps its --allow-insecure', () => {
    const env = setup({ sb: { app: 'pipedrive', company_url: 'http://127.0.0.1:9999', api_version: 'v1', token: T1, allow_insecure: true } });
    expect(resolveConnection('sb', 'pipedrive', env).baseUrl).toBe('http://127.0.0.1:9999');
  });

  it('re-checks a saved URL (a hand-edited file cannot send the token over plain http)', () => {
    const env = setup({ acme: { ...acme, company_url: 'http://evil.example.com' } });
    const e = failure(() => resolveConnection('acme', 'pipedrive', env));
    expect(e.code).toBe('SL5002');
    expect(e.message).toContain('connection `acme`');
  });

  it('re-checks the token format, naming the source but never the value', () => {
    const env = setup({ acme }, { SLUICE_ACME_TOKEN: 'not-a-token' });
    const e = failure(() => resolveConnection('acme', 'pipedrive', env));
    expect(e.code).toBe('SL5020');
    expect(e.message).toContain('SLUICE_ACME_TOKEN');
    expect(e.message).not.toContain('not-a-token');
  });

  it('says which variable is missing for a token_env connection', () => {
    const env = setup({ beta });
    const e = failure(() => resolveConnection('beta', 'pipedrive', env));
    expect(e.code).toBe('SL5046');
    expect(e.message).toContain('BETA_TOKEN');
    expect(e.hint).toContain('SLUICE_BETA_TOKEN');
  });

  it('reports an unknown name with a suggestion and the ways to add it', () => {
    const env = setup({ acme, beta }, { BETA_TOKEN: T2 });
    const e = failure(() => resolveConnection('acne', 'pipedrive', env));
    expect(e.code).toBe('SL5043');
    expect(e.message).toContain('did you mean `acme`?');
    expect(e.hint).toContain('sluice connections add pipedrive --name acne');
    expect(e.hint).toContain('SLUICE_ACNE_URL');
    expect(e.hint).toContain('Saved: acme, beta.');
  });

  it('reports a token without a URL in the environment', () => {
    const e = failure(() => resolveConnection(undefined, 'pipedrive', { SLUICE_CONFIG_DIR: tempDir(), SLUICE_PIPEDRIVE_TOKEN: T1 }));
    expect(e.code).toBe('SL5049');
    expect(e.message).toContain('SLUICE_PIPEDRIVE_URL is not');
  });

  it('refuses a connection of another app', () => {
    const env = setup({ acme: { ...acme, app: 'salesforce' } });
    expect(failure(() => resolveConnection('acme', 'pipedrive', env)).code).toBe('SL5048');
  });

  it('does not find Object.prototype members as connections', () => {
    const env = setup({ acme });
    expect(failure(() => resolveConnection('constructor', 'pipedrive', env)).code).toBe('SL5043');
    expect(connectionExists('constructor', env)).toBe(false);
    expect(connectionExists('tostring', env)).toBe(false);
  });

  it('refuses an unsafe file', () => {
    const env = setup({ acme });
    chmodSync(`${env.SLUICE_CONFIG_DIR}/connections.json`, 0o644);
    expect(failure(() => resolveConnection('acme', 'pipedrive', env)).code).toBe('SL5040');
  });
});

describe('read-only views for check and list', () => {
  it('never throw on a missing file', () => {
    const env = { SLUICE_CONFIG_DIR: `${tempDir()}/none` };
    expect(listConnections(env)).toEqual([]);
    expect(connectionExists('pipedrive', env)).toBe(false);
    expect(lookupConnection('pipedrive', env)).toBeUndefined();
  });

  it('list saved and env-only connections with masked tokens and their sources', () => {
    const env = setup({ acme, beta }, { SLUICE_CI_URL: 'https://ci.pipedrive.com', SLUICE_CI_TOKEN: T3, SLUICE_HALF_URL: 'https://x.pipedrive.com' });
    const list = listConnections(env);
    expect(list.map((c) => c.name)).toEqual(['acme', 'beta', 'ci']);
    expect(list[0]).toMatchObject({ companyUrl: 'https://acme.pipedrive.com', apiVersion: 'v1', tokenMasked: '****1111', origin: 'file', tokenSource: { kind: 'file' } });
    expect(list[1]).toMatchObject({ apiVersion: 'v2', tokenSource: { kind: 'missing', variable: 'BETA_TOKEN' }, origin: 'file' });
    expect(list[1].tokenMasked).toBeUndefined();
    expect(list[2]).toMatchObject({ app: 'pipedrive', tokenMasked: '****3333', origin: 'env', tokenSource: { kind: 'env', variable: 'SLUICE_CI_TOKEN' } });
    const text = JSON.stringify(list) + inspect(list, { depth: 5 });
    for (const t of [T1, T3]) expect(text).not.toContain(t);
  });

  it('know env-only connections by their URL variable, and give the version for the checker', () => {
    const env = { SLUICE_CONFIG_DIR: tempDir(), SLUICE_COPY_TO_URL: 'https://b.pipedrive.com', SLUICE_COPY_TO_API_VERSION: 'v2' };
    expect(connectionExists('copy_to', env)).toBe(true);
    expect(connectionExists('copy-to', env)).toBe(true);
    expect(lookupConnection('copy-to', env)).toMatchObject({ apiVersion: 'v2', origin: 'env', tokenSource: { kind: 'missing', variable: 'SLUICE_COPY_TO_TOKEN' } });
  });
});

describe('rate-limit plan', () => {
  it('comes from SLUICE_<NAME>_PLAN, else the saved plan, else is unset', async () => {
    const { resolveConnection } = await import('../../src/connections/resolve.js');
    const { writeStore } = await import('../../src/connections/store.js');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-plan-'));
    const token = 'a'.repeat(40);
    const env: Record<string, string | undefined> = { SLUICE_CONFIG_DIR: join(dir, 'cfg') };
    writeStore({ version: 1, connections: { acme: { app: 'pipedrive', company_url: 'https://acme.pipedrive.com', api_version: 'v1', token, plan: 'growth' }, bare: { app: 'pipedrive', company_url: 'https://bare.pipedrive.com', api_version: 'v1', token } } }, env);
    expect(resolveConnection('acme', 'pipedrive', env).plan).toBe('growth');
    expect(resolveConnection('bare', 'pipedrive', env).plan).toBeUndefined();
    expect(resolveConnection('acme', 'pipedrive', { ...env, SLUICE_ACME_PLAN: 'premium' }).plan).toBe('premium');
  });

  it('takes seats and the daily budget from the environment, else the saved connection', () => {
    const env: Record<string, string | undefined> = { SLUICE_CONFIG_DIR: tempDir() };
    writeStore({ version: 1, connections: { acme: { app: 'pipedrive', company_url: 'https://acme.pipedrive.com', api_version: 'auto', token: 'a'.repeat(40), seats: 4 } } }, env);
    expect(resolveConnection('acme', 'pipedrive', env)).toMatchObject({ seats: 4 });
    expect(resolveConnection('acme', 'pipedrive', env).dailyBudget).toBeUndefined();
    expect(resolveConnection('acme', 'pipedrive', { ...env, SLUICE_ACME_SEATS: '9', SLUICE_ACME_DAILY_BUDGET: '500000' })).toMatchObject({ seats: 9, dailyBudget: 500000 });
    expect(() => resolveConnection('acme', 'pipedrive', { ...env, SLUICE_ACME_SEATS: 'lots' })).toThrow(expect.objectContaining({ code: 'SL5051', message: 'SLUICE_ACME_SEATS must be a whole number of at least 1, not `lots`' }));
  });
});
