// `sluice connections` as a process, for everything that needs no Pipedrive server: argument and
// input errors (exit codes, messages, nothing saved), the file's modes, list/remove, env-only
// connections. The runs against the sandbox are in sandbox.e2e.test.ts. Like every CLI test, these
// run the built bundle: `npm test` builds first (or run `node scripts/build.mjs`).
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice, tempDir } from '../helpers/cli.js';

const TOKEN = 'feedface0123456789abcdef0123456789ab7e57';

function sandboxEnv() {
  const config = tempDir('sluice-config-');
  const home = tempDir('sluice-home-');
  return { config, home, env: { SLUICE_CONFIG_DIR: config, SLUICE_HOME: home } };
}

const run = (args: string[], env: Record<string, string | undefined>, input?: string) => runSluice(['connections', ...args], { env, input });

async function refusingPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('sluice connections (no server needed)', () => {
  it('shows the subcommands and their help', async () => {
    const { env } = sandboxEnv();
    const group = await run(['--help'], env);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('connections add');
    expect(group.stdout).toContain('connections remove');
    const help = await run(['add', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--company-url <URL>');
    expect(help.stdout).toContain('--api-token-env <VAR>');
    expect(help.stdout).toContain('--allow-insecure');
    const top = await runSluice(['--help'], { env });
    expect(top.stdout).toMatch(/connections\s+configure, validate and list app connections/);
  });

  it.each([
    [['add', '--company-url', 'https://acme.pipedrive.com', '--api-token', TOKEN], /missing the app to connect to/],
    [['add', 'pipedrive', '--api-token', TOKEN], /--company-url is required/],
    [['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--api-token', TOKEN, '--api-token-env', 'X'], /one way: --api-token or --api-token-env, not both/],
    [['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--api-token-env', 'NOT A VAR'], /--api-token-env takes the name of an environment variable/],
    [['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--bogus'], /Unknown option '--bogus'/],
    [['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--api-token', TOKEN, '--timeout', 'soon'], /--timeout must be a number of seconds/],
    [['list', '--format', 'yaml'], /unknown --format `yaml`/],
    [['remove'], /missing the name of the connection to remove/],
  ])('usage error (exit 2): %j', async (args, message) => {
    const { config, env } = sandboxEnv();
    const r = await run(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^error SL0002: /);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(readdirSync(config)).toEqual([]);
  });

  it('without a token flag and without a terminal, explains the three ways (exit 2)', async () => {
    const { config, env } = sandboxEnv();
    const r = await run(['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no API token given, and there is no terminal to ask for it');
    expect(r.stderr).toContain('--api-token-env VAR');
    expect(r.stderr).toContain('--api-token TOKEN');
    expect(r.stderr).toContain('type it at a prompt');
    expect(readdirSync(config)).toEqual([]);
  });

  it.each([
    ['malformed token', ['--company-url', 'https://acme.pipedrive.com', '--api-token', 'abc123'], 'SL5020', /the API token has 6 characters, not 40: a Pipedrive API token is 40 hexadecimal characters/],
    ['non-hex token', ['--company-url', 'https://acme.pipedrive.com', '--api-token', `${TOKEN.slice(0, 39)}z`], 'SL5020', /contains characters other than 0-9 and a-f/],
    ['malformed URL', ['--company-url', 'https://', '--api-token', TOKEN], 'SL5001', /the company URL `https:\/\/` is malformed/],
    ['URL without scheme', ['--company-url', 'acme.pipedrive.com', '--api-token', TOKEN], 'SL5001', /is not a URL: it needs the https:\/\/ scheme/],
    ['non-https URL', ['--company-url', 'http://acme.pipedrive.com', '--api-token', TOKEN], 'SL5002', /the company URL must use https, not http/],
    ['not a Pipedrive URL', ['--company-url', 'https://example.com', '--api-token', TOKEN], 'SL5003', /`example.com` is not a Pipedrive company address/],
    ['loopback without --allow-insecure', ['--company-url', 'http://127.0.0.1:9', '--api-token', TOKEN], 'SL5002', /is not https/],
    ['--allow-insecure off loopback', ['--company-url', 'http://10.1.2.3:80', '--allow-insecure', '--api-token', TOKEN], 'SL5004', /only allows loopback addresses/],
    ['bad version', ['--company-url', 'https://acme.pipedrive.com', '--api-version', 'v3', '--api-token', TOKEN], 'SL5010', /the API version `v3` is not one Sluice knows: use auto, v1 or v2/],
    ['bad name', ['--name', 'Acme Corp', '--company-url', 'https://acme.pipedrive.com', '--api-token', TOKEN], 'SL5045', /the connection name `Acme Corp` is not valid/],
  ])('%s: its own error, exit 1, nothing saved, token not echoed', async (_what, args, code, message) => {
    const { config, env } = sandboxEnv();
    const r = await run(['add', 'pipedrive', ...args], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error ${code}: `);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\nhint: /);
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(readdirSync(config)).toEqual([]);
  });

  it('an unknown app is refused', async () => {
    const { env } = sandboxEnv();
    const r = await run(['add', 'salesforce', '--company-url', 'https://acme.pipedrive.com', '--api-token', TOKEN], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error SL5047: `salesforce` has no connections');
  });

  it('a refused port is reported with the host and cause; nothing is saved', async () => {
    const { config, env } = sandboxEnv();
    const port = await refusingPort();
    const r = await run(['add', 'pipedrive', '--company-url', `http://127.0.0.1:${port}`, '--allow-insecure', '--api-token-env', 'T'], { ...env, T: TOKEN });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error SL5030: 127.0.0.1:${port} refused the connection (ECONNREFUSED)`);
    expect(r.stderr).toContain('sluice sandbox pipedrive');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(readdirSync(config)).toEqual([]);
  });

  it('--format json reports a failed validation on stdout as data', async () => {
    const { env } = sandboxEnv();
    const port = await refusingPort();
    const r = await run(['add', 'pipedrive', '--company-url', `http://127.0.0.1:${port}`, '--allow-insecure', '--api-token', TOKEN, '--format', 'json'], env);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ ok: false, error: { code: 'SL5030', message: `127.0.0.1:${port} refused the connection (ECONNREFUSED)`, hint: expect.any(String) } });
  });

  it('--api-token-env naming an unset variable: its own error, unless --no-validate', async () => {
    const { config, env } = sandboxEnv();
    const r = await run(['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--api-token-env', 'SLUICE_TEST_UNSET_VAR'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error SL5046: the environment variable SLUICE_TEST_UNSET_VAR (from --api-token-env) is not set');
    expect(readdirSync(config)).toEqual([]);
    const ok = await run(['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--api-token-env', 'SLUICE_TEST_UNSET_VAR', '--no-validate'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('token from SLUICE_TEST_UNSET_VAR (not set now)');
    const saved = JSON.parse(readFileSync(join(config, 'connections.json'), 'utf8'));
    expect(saved.connections.pipedrive).toMatchObject({ token_env: 'SLUICE_TEST_UNSET_VAR' });
    expect(saved.connections.pipedrive.token).toBeUndefined();
  });

  it('--no-validate saves (0700/0600), list masks, add refuses a duplicate, remove deletes', async () => {
    const { config, env } = sandboxEnv();
    const add = await run(['add', 'pipedrive', '--name', 'acme', '--company-url', 'https://acme.pipedrive.com/', '--api-version', 'v2', '--api-token', TOKEN, '--no-validate'], env);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('Saved connection `acme`: pipedrive, https://acme.pipedrive.com, API v2, token ****7e57');
    expect(add.stdout).toContain('Not validated (--no-validate)');
    expect(add.stderr).toContain('visible to other users in the process list');
    expect(add.stdout + add.stderr).not.toContain(TOKEN);
    expect(statSync(config).mode & 0o777).toBe(0o700);
    expect(statSync(join(config, 'connections.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(config)).toEqual(['connections.json']);
    const budget = await run(['add', 'pipedrive', '--name', 'big', '--company-url', 'https://big.pipedrive.com', '--plan', 'premium', '--seats', '12', '--daily-budget', '2000000', '--api-token', TOKEN, '--no-validate'], env);
    expect(budget.code).toBe(0);
    expect(JSON.parse(readFileSync(join(config, 'connections.json'), 'utf8')).connections.big).toMatchObject({ plan: 'premium', seats: 12, daily_budget: 2000000 });
    const bad = await run(['add', 'pipedrive', '--name', 'bad', '--company-url', 'https://bad.pipedrive.com', '--seats', 'many', '--api-token', TOKEN, '--no-validate'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seats takes a whole number of at least 1, not `many`');
    expect((await run(['remove', 'big'], env)).code).toBe(0);

    const dup = await run(['add', 'pipedrive', '--name', 'acme', '--company-url', 'https://acme.pipedrive.com', '--api-token', TOKEN, '--no-validate'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('error SL5044: a connection named `acme` is already saved');
    expect(dup.stderr).toContain('--replace');
    const rep = await run(['add', 'pipedrive', '--name', 'acme', '--company-url', 'https://acme2.pipedrive.com', '--api-token', TOKEN, '--no-validate', '--replace'], env);
    expect(rep.code).toBe(0);

    const list = await run(['list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+APP\s+COMPANY URL\s+API\s+TOKEN\s+TOKEN FROM\n/);
    expect(list.stdout).toMatch(/acme\s+pipedrive\s+https:\/\/acme2\.pipedrive\.com\s+auto\s+\*\*\*\*7e57\s+saved/);
    expect(list.stdout).not.toContain(TOKEN);
    const json = JSON.parse((await run(['list', '--format', 'json'], env)).stdout);
    expect(json.connections).toEqual([
      { name: 'acme', app: 'pipedrive', company_url: 'https://acme2.pipedrive.com', api_version: 'auto', token: '****7e57', token_source: { kind: 'file', path: join(config, 'connections.json') }, origin: 'file', added_at: expect.any(String) },
    ]);

    const wrong = await run(['remove', 'acm'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('error SL5043: no saved connection named `acm`; did you mean `acme`?');
    const rm = await run(['remove', 'acme'], env);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toContain('Removed connection `acme`');
    expect(JSON.parse(readFileSync(join(config, 'connections.json'), 'utf8'))).toEqual({ version: 1, connections: {} });
    expect((await run(['list'], env)).stdout).toContain('No connections.');
  });

  it('refuses a connections file others can read, with the chmod that fixes it', async () => {
    const { config, env } = sandboxEnv();
    const path = join(config, 'connections.json');
    writeFileSync(path, JSON.stringify({ version: 1, connections: {} }));
    chmodSync(path, 0o644);
    for (const args of [['list'], ['test', 'pipedrive'], ['add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--api-token', TOKEN]]) {
      const r = await run(args, env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error SL5040: ${path} holds API tokens but other users can access it (mode 0644)`);
      expect(r.stderr).toContain(`hint: Run: chmod 600 '${path}'`);
    }
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('lists and tests env-only connections (CI, no saved file)', async () => {
    const { config, env } = sandboxEnv();
    const port = await refusingPort();
    const ci = { ...env, SLUICE_PIPEDRIVE_URL: `http://127.0.0.1:${port}`, SLUICE_PIPEDRIVE_TOKEN: TOKEN, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1' };
    const list = await run(['list'], ci);
    expect(list.stdout).toMatch(/pipedrive\s+pipedrive\s+http:\/\/127\.0\.0\.1:\d+\s+auto\s+\*\*\*\*7e57\s+env SLUICE_PIPEDRIVE_TOKEN \(env-only connection\)/);
    const test = await run(['test'], ci);
    expect(test.code).toBe(1);
    expect(test.stderr).toContain(`error SL5030: 127.0.0.1:${port} refused the connection`);
    expect(list.stdout + list.stderr + test.stdout + test.stderr).not.toContain(TOKEN);
    expect(existsSync(join(config, 'connections.json'))).toBe(false);
    const rm = await run(['remove', 'pipedrive'], ci);
    expect(rm.stderr).toContain('comes from the environment (SLUICE_PIPEDRIVE_URL)');
  });

  it('test of an unknown connection says how to add one', async () => {
    const { env } = sandboxEnv();
    const r = await run(['test', 'acme'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error SL5043: no connection named `acme`');
    expect(r.stderr).toContain('SLUICE_ACME_URL');
  });
});
