// `sluice connections` end to end against `sluice sandbox pipedrive` started as a process, the way a
// user tries Sluice: add (good token, bad token, malformed inputs), test, list, remove, two companies
// side by side, file modes, and the search for the token in every output and every file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice, startSandboxProcess, stopProcess, tempDir, type CliResult, type SandboxProcess as Sandbox } from '../helpers/cli.js';


// Known tokens, so that the search below knows exactly what must never show up.
const TOKEN_A = 'a11ce0000000000000000000000000000000a11c';
const TOKEN_B = 'b0b0000000000000000000000000000000000b0b';
const WRONG = 'dead00000000000000000000000000000000beef';



let A: Sandbox | undefined;
let B: Sandbox | undefined;
const a = () => A!;
const b = () => B!;

beforeAll(async () => {
  [A, B] = await Promise.all([startSandboxProcess(['--token', TOKEN_A]), startSandboxProcess(['--token', TOKEN_B])]);
  expect(a().token).toBe(TOKEN_A);
  expect(b().token).toBe(TOKEN_B);
});
afterAll(async () => {
  await Promise.all([stopProcess(A?.child), stopProcess(B?.child)]);
});

function dirs() {
  const config = tempDir('sluice-config-');
  const home = tempDir('sluice-home-');
  return { config, home, env: { SLUICE_CONFIG_DIR: config, SLUICE_HOME: home } as Record<string, string> };
}

const sluice = (args: string[], env: Record<string, string | undefined>) => runSluice(['connections', ...args], { env });

async function silentServer(): Promise<{ url: string; close: () => void }> {
  const server = createServer(() => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Every regular file under `dir`, recursively. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The forms a token could take on its way out: raw, upper case, URL- and base64-encoded. */
const forms = (t: string) => [t, t.toUpperCase(), encodeURIComponent(t), Buffer.from(t).toString('base64'), Buffer.from(t).toString('base64url')];

function expectNowhere(tokens: string[], texts: { where: string; text: string }[]): void {
  for (const t of tokens) {
    for (const f of forms(t)) {
      const found = texts.filter((x) => x.text.includes(f)).map((x) => x.where);
      expect(found, `token form ${f.slice(0, 6)}... found`).toEqual([]);
    }
  }
}

describe('sluice connections against the sandbox', () => {
  it('add with a good token: "Test Connection Successful" with the user and company, then saved 0700/0600', async () => {
    const { config, env } = dirs();
    const r = await sluice(['add', 'pipedrive', '--company-url', `${a().url}/`, '--allow-insecure', '--api-token-env', 'PD_TOKEN'], { ...env, PD_TOKEN: TOKEN_A });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Test Connection Successful: .+ at .+\n/);
    expect(r.stdout).toContain(`Saved connection \`pipedrive\`: pipedrive, ${a().url}, API auto, token ****a11c (environment variable PD_TOKEN)`);
    expect(statSync(config).mode & 0o777).toBe(0o700);
    expect(statSync(join(config, 'connections.json')).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(join(config, 'connections.json'), 'utf8'));
    expect(saved).toEqual({
      version: 1,
      connections: { pipedrive: { app: 'pipedrive', company_url: a().url, api_version: 'auto', token_env: 'PD_TOKEN', allow_insecure: true, added_at: expect.any(String) } },
    });
  });

  it('add reports the user and company from users/me (json)', async () => {
    const { env } = dirs();
    const r = await sluice(['add', 'pipedrive', '--company-url', a().url, '--allow-insecure', '--api-token', TOKEN_A, '--format', 'json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, name: 'pipedrive', validated: true, saved: true, token: '****a11c', checked: ['/api/v1/users/me', '/api/v2/persons?limit=1'] });
    expect(typeof out.user.name).toBe('string');
    expect(typeof out.company.name).toBe('string');
    expect(r.stdout).not.toContain(TOKEN_A);
  });

  it('add with a bad token: the 401 message, nothing saved, the token never echoed', async () => {
    const { config, env } = dirs();
    const r = await sluice(['add', 'pipedrive', '--company-url', a().url, '--allow-insecure', '--api-token', WRONG], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error SL5021: the API token was not accepted by ${a().host} (401 ("unauthorized access"))`);
    expect(r.stderr).toContain('****beef');
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toContain(WRONG);
    expect(readdirSync(config)).toEqual([]);
  });

  it.each([
    ['a malformed token', ['--api-token', 'deadbeef'], 'SL5020', 'the API token has 8 characters, not 40'],
    ['a malformed version', ['--api-token', TOKEN_A, '--api-version', 'v9'], 'SL5010', 'the API version `v9` is not one Sluice knows: use auto, v1 or v2'],
    ['an unknown flag', ['--api-token', TOKEN_A, '--no-allow'], 'SL0002', "Unknown option '--no-allow'"],
  ])('add with %s: its own error, nothing saved', async (_what, extra, code, message) => {
    const { config, env } = dirs();
    const r = await sluice(['add', 'pipedrive', '--company-url', a().url, '--allow-insecure', ...extra], env);
    expect(r.code).toBe(code === 'SL0002' ? 2 : 1);
    expect(r.stderr).toContain(`error ${code}: ${message}`);
    expect(r.stdout + r.stderr).not.toContain(TOKEN_A);
    expect(readdirSync(config)).toEqual([]);
  });

  it('add with a malformed URL or the sandbox URL without --allow-insecure: refused before any request', async () => {
    const { config, env } = dirs();
    const bad = await sluice(['add', 'pipedrive', '--company-url', a().url.replace('http://', 'http//'), '--api-token', TOKEN_A], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error SL5001: the company URL `http\/\/127\.0\.0\.1:\d+` is not a URL/);
    const insecure = await sluice(['add', 'pipedrive', '--company-url', a().url, '--api-token', TOKEN_A], env);
    expect(insecure.code).toBe(1);
    expect(insecure.stderr).toContain(`error SL5002: the company URL \`${a().url}\` is not https`);
    expect(insecure.stderr).toContain('--allow-insecure');
    expect(readdirSync(config)).toEqual([]);
  });

  it('v2: validated with users/me and a v2 request', async () => {
    const { env } = dirs();
    const r = await sluice(['add', 'pipedrive', '--name', 'v2', '--company-url', a().url, '--allow-insecure', '--api-version', 'v2', '--api-token', TOKEN_A, '--format', 'json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, api_version: 'v2', checked: ['/api/v1/users/me', '/api/v2/persons?limit=1'] });
  });

  it('test, list (masked), remove', async () => {
    const { config, env } = dirs();
    expect((await sluice(['add', 'pipedrive', '--name', 'acme', '--company-url', a().url, '--allow-insecure', '--api-token', TOKEN_A], env)).code).toBe(0);

    const test = await sluice(['test', 'acme'], env);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^Test Connection Successful: .+ at .+\n/);
    expect(test.stdout).toContain(`Connection \`acme\`: pipedrive, ${a().url}, API auto, token ****a11c (saved in ${join(config, 'connections.json')})`);

    const list = await sluice(['list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`acme\\s+pipedrive\\s+${a().url.replace(/[.]/g, '\\.')}\\s+auto\\s+\\*\\*\\*\\*a11c\\s+saved`));
    const json = JSON.parse((await sluice(['list', '--format', 'json'], env)).stdout);
    expect(json.connections[0]).toMatchObject({ name: 'acme', token: '****a11c', token_source: { kind: 'file' } });

    // A token changed in the environment overrides the saved one, and a wrong one fails the test.
    const overridden = await sluice(['test', 'acme'], { ...env, SLUICE_ACME_TOKEN: WRONG });
    expect(overridden.code).toBe(1);
    expect(overridden.stderr).toContain(`error SL5021: the API token was not accepted by ${a().host}`);
    const asJson = await sluice(['test', 'acme', '--format', 'json'], { ...env, SLUICE_ACME_TOKEN: WRONG });
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, error: { code: 'SL5021' } });

    const rm = await sluice(['remove', 'acme'], env);
    expect(rm.code).toBe(0);
    const gone = await sluice(['test', 'acme'], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('error SL5043: no connection named `acme`');
    for (const r of [test, list, overridden, asJson, rm, gone]) expect(r.stdout + r.stderr).not.toMatch(new RegExp(`${TOKEN_A}|${WRONG}`));
  });

  it('two connections of the same app (two companies) side by side', async () => {
    const { env } = dirs();
    expect((await sluice(['add', 'pipedrive', '--name', 'source', '--company-url', a().url, '--allow-insecure', '--api-token', TOKEN_A], env)).code).toBe(0);
    expect((await sluice(['add', 'pipedrive', '--name', 'target', '--company-url', b().url, '--allow-insecure', '--api-token-env', 'TARGET_TOKEN'], { ...env, TARGET_TOKEN: TOKEN_B })).code).toBe(0);
    const s = await sluice(['test', 'source', '--format', 'json'], env);
    const t = await sluice(['test', 'target', '--format', 'json'], { ...env, TARGET_TOKEN: TOKEN_B });
    expect(JSON.parse(s.stdout)).toMatchObject({ ok: true, company_url: a().url, token: '****a11c' });
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true, company_url: b().url, token: '****0b0b', token_source: { kind: 'env', variable: 'TARGET_TOKEN' } });
    // One company's token is not the other's.
    const crossed = await sluice(['test', 'target'], { ...env, TARGET_TOKEN: TOKEN_A });
    expect(crossed.code).toBe(1);
    expect(crossed.stderr).toContain(`not accepted by ${b().host}`);
    const list = await sluice(['list'], env);
    expect(list.stdout).toMatch(/source\s+pipedrive.+\*\*\*\*a11c\s+saved/);
    expect(list.stdout).toMatch(/target\s+pipedrive.+-\s+missing: TARGET_TOKEN not set/);
  });

  it('env-only connection (CI): no file, nothing written', async () => {
    const { config, home, env } = dirs();
    const ci = { ...env, SLUICE_PIPEDRIVE_URL: a().url, SLUICE_PIPEDRIVE_TOKEN: TOKEN_A, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1' };
    const r = await sluice(['test'], ci);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Test Connection Successful');
    expect(r.stdout).toContain('token ****a11c (environment variable SLUICE_PIPEDRIVE_TOKEN)');
    expect(readdirSync(config)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });

  it('colour only when allowed: FORCE_COLOR colours, NO_COLOR does not', async () => {
    const { env } = dirs();
    const ci = { ...env, SLUICE_PIPEDRIVE_URL: a().url, SLUICE_PIPEDRIVE_TOKEN: TOKEN_A, SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1' };
    const coloured = await sluice(['test'], { ...ci, NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain('\u001b[32mTest Connection Successful\u001b[39m');
    const plain = await sluice(['test'], { ...ci, NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  // The secret search. The token under test is given only through the environment
  // (--api-token-env, SLUICE_<NAME>_TOKEN), so that no file has a legitimate reason to hold it: then
  // every byte written under the config and data folders, and every output, must be free of it.
  // (A token saved with --api-token necessarily lives in connections.json; the next test checks that
  // it lives there only.)
  it('secret search: the token appears in no output and no file under the config and data folders', async () => {
    const { config, home, env } = dirs();
    const base = { ...env, SLUICE_DEBUG: '1', PD_TOKEN: TOKEN_A, OTHER_TOKEN: WRONG };
    // A server that accepts connections and never answers, for a timeout.
    const silent = await silentServer();
    const runs: { args: string[]; env: Record<string, string | undefined> }[] = [
      { args: ['add', 'pipedrive', '--company-url', a().url, '--allow-insecure', '--api-token-env', 'PD_TOKEN'], env: base },
      { args: ['add', 'pipedrive', '--name', 'json', '--company-url', a().url, '--allow-insecure', '--api-version', 'v2', '--api-token-env', 'PD_TOKEN', '--format', 'json'], env: base },
      { args: ['test'], env: base },
      { args: ['test', 'json', '--format', 'json'], env: base },
      { args: ['list'], env: base },
      { args: ['list', '--format', 'json'], env: base },
      // Failing runs, each with a known token: rejected by the server, malformed, refused port.
      { args: ['add', 'pipedrive', '--name', 'bad', '--company-url', a().url, '--allow-insecure', '--api-token-env', 'OTHER_TOKEN'], env: base },
      { args: ['test', 'pipedrive'], env: { ...base, SLUICE_PIPEDRIVE_TOKEN: WRONG } },
      { args: ['test', 'pipedrive', '--format', 'json'], env: { ...base, SLUICE_PIPEDRIVE_TOKEN: WRONG } },
      { args: ['test', 'pipedrive'], env: { ...base, SLUICE_PIPEDRIVE_URL: 'http://127.0.0.1:1' } },
      { args: ['test', 'pipedrive'], env: { ...base, SLUICE_PIPEDRIVE_TOKEN: `${TOKEN_A}0` } },
      { args: ['add', 'pipedrive', '--name', 'x', '--company-url', `http://user:${TOKEN_A}@127.0.0.1:1`, '--allow-insecure', '--api-token-env', 'PD_TOKEN'], env: base },
      { args: ['add', 'pipedrive', '--name', 'y', '--company-url', `${TOKEN_A}.pipedrive.com`, '--api-token-env', 'PD_TOKEN'], env: base },
      { args: ['test', 'json', '--timeout', '0.3'], env: { ...base, SLUICE_JSON_URL: silent.url } },
      { args: ['remove', 'json'], env: base },
      { args: ['remove', 'pipedrive'], env: base },
    ];
    const results: { where: string; text: string }[] = [];
    const codes: (number | null)[] = [];
    try {
      for (const r of runs) {
        const res: CliResult = await sluice(r.args, r.env);
        codes.push(res.code);
        results.push({ where: `stdout of ${r.args.join(' ')}`, text: res.stdout }, { where: `stderr of ${r.args.join(' ')}`, text: res.stderr });
      }
    } finally {
      silent.close();
    }
    expect(results.find((x) => x.where.startsWith('stderr of test json --timeout'))?.text).toContain('did not answer within 0.3 s');
    // The successful runs succeeded and the failing ones failed: the search is over real outcomes.
    expect(codes).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(results.find((x) => x.where === 'stderr of add pipedrive --name bad --company-url ' + `${a().url} --allow-insecure --api-token-env OTHER_TOKEN`)?.text).toContain('not accepted');
    const files = [...walk(config), ...walk(home)];
    expect(files).toContain(join(config, 'connections.json'));
    for (const f of files) results.push({ where: f, text: readFileSync(f, 'latin1') });
    expectNowhere([TOKEN_A, WRONG], results);
  });

  it('a token saved with --api-token lives only in connections.json, mode 0600', async () => {
    const { config, home, env } = dirs();
    const outputs: { where: string; text: string }[] = [];
    for (const args of [
      ['add', 'pipedrive', '--company-url', a().url, '--allow-insecure', '--api-token', TOKEN_A],
      ['test'],
      ['list'],
      ['list', '--format', 'json'],
      ['test', '--format', 'json'],
    ]) {
      const r = await sluice(args, { ...env, SLUICE_DEBUG: '1' });
      expect(r.code).toBe(0);
      outputs.push({ where: `stdout of ${args.join(' ')}`, text: r.stdout }, { where: `stderr of ${args.join(' ')}`, text: r.stderr });
    }
    const files = [...walk(config), ...walk(home)];
    const holding = files.filter((f) => readFileSync(f, 'latin1').includes(TOKEN_A));
    expect(holding).toEqual([join(config, 'connections.json')]);
    expect(statSync(holding[0]).mode & 0o777).toBe(0o600);
    expectNowhere([TOKEN_A], [...outputs, ...files.filter((f) => f !== holding[0]).map((f) => ({ where: f, text: readFileSync(f, 'latin1') }))]);
  });
});
