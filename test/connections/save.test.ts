// saveConnection: the one writer of connections.json for the CLI and the agent.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/connections/index.js';
import { saveConnection } from '../../src/connections/save.js';
import { ConnectionError } from '../../src/connections/errors.js';
import { tempDir } from '../helpers/cli.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const url = { url: 'https://acme.pipedrive.com', loopback: false };

function env() {
  return { SLUICE_CONFIG_DIR: tempDir('sluice-save-') };
}
const saved = (e: { SLUICE_CONFIG_DIR: string }) => JSON.parse(readFileSync(join(e.SLUICE_CONFIG_DIR, 'connections.json'), 'utf8')).connections;

describe('saveConnection', () => {
  it('keeps the variable that holds the token (not the token) and the pacing fields', () => {
    const e = env();
    const { path } = saveConnection(e, { name: 'acme', app: 'pipedrive', url, apiVersion: 'v2', tokenEnv: 'ACME_TOKEN', plan: 'premium', seats: 3, dailyBudget: 900_000, replace: false, replaceHint: 'h' });
    expect(saved(e).acme).toMatchObject({ app: 'pipedrive', company_url: url.url, api_version: 'v2', token_env: 'ACME_TOKEN', plan: 'premium', seats: 3, daily_budget: 900_000 });
    expect(saved(e).acme.token).toBeUndefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('stores a given token, marks a loopback URL as allowed, and refuses to replace without being asked', () => {
    const e = env();
    saveConnection(e, { name: 'sb', app: 'pipedrive', url: { url: 'http://127.0.0.1:8080', loopback: true }, apiVersion: 'v1', token: new Secret(TOKEN), replace: false, replaceHint: 'Add --replace.' });
    expect(saved(e).sb).toMatchObject({ token: TOKEN, allow_insecure: true });
    let err: unknown;
    try {
      saveConnection(e, { name: 'sb', app: 'pipedrive', url, apiVersion: 'v1', token: new Secret(TOKEN), replace: false, replaceHint: 'Add --replace.' });
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).code).toBe('SL5044');
    expect((err as ConnectionError).hint).toBe('Add --replace.');
    expect(saved(e).sb.company_url).toBe('http://127.0.0.1:8080');
    saveConnection(e, { name: 'sb', app: 'pipedrive', url, apiVersion: 'v1', token: new Secret(TOKEN), replace: true, replaceHint: '' });
    expect(saved(e).sb.company_url).toBe(url.url);
  });

  it('needs a token or the variable that holds it', () => {
    expect(() => saveConnection(env(), { name: 'x', app: 'pipedrive', url, apiVersion: 'v1', replace: false, replaceHint: '' })).toThrow(ConnectionError);
  });
});
