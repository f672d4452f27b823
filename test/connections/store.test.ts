import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  STORE_FORMAT_VERSION,
  connectionsPath,
  emptyStore,
  parseStore,
  readStore,
  updateStore,
  writeStore,
  type StoreFile,
} from '../../src/connections/store.js';
import { ConnectionError } from '../../src/connections/errors.js';
import { tempDir } from '../helpers/cli.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const mode = (p: string) => statSync(p).mode & 0o777;

const sample = (): StoreFile => ({
  version: 1,
  connections: { pipedrive: { app: 'pipedrive', company_url: 'https://acme.pipedrive.com', api_version: 'v1', token: TOKEN } },
});

function failure(f: () => unknown): ConnectionError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectionError);
    return err as ConnectionError;
  }
  throw new Error('expected a ConnectionError');
}

describe('connections store', () => {
  it('reads a missing file (and folder) as empty, without creating anything', () => {
    const dir = join(tempDir(), 'not', 'there');
    const env = { SLUICE_CONFIG_DIR: dir };
    expect(readStore(env)).toEqual(emptyStore());
    expect(existsSync(dir)).toBe(false);
  });

  it('creates the folder 0700 and the file 0600, with a format version', () => {
    const dir = join(tempDir(), 'nested', 'sluice');
    const env = { SLUICE_CONFIG_DIR: dir };
    const path = writeStore(sample(), env);
    expect(path).toBe(join(dir, 'connections.json'));
    expect(path).toBe(connectionsPath(env));
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, '..'))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json.version).toBe(STORE_FORMAT_VERSION);
    expect(json.connections.pipedrive.token).toBe(TOKEN);
    expect(readStore(env)).toEqual(sample());
  });

  it('keeps the file 0600 whatever the umask', () => {
    const dir = tempDir();
    const old = process.umask(0o000);
    try {
      writeStore(sample(), { SLUICE_CONFIG_DIR: dir });
    } finally {
      process.umask(old);
    }
    expect(mode(join(dir, 'connections.json'))).toBe(0o600);
  });

  it('replaces the file atomically and leaves no temp file behind', () => {
    const dir = tempDir();
    const env = { SLUICE_CONFIG_DIR: dir };
    writeStore(sample(), env);
    const before = statSync(join(dir, 'connections.json')).ino;
    updateStore(env, (s) => {
      s.connections.other = { app: 'pipedrive', company_url: 'https://other.pipedrive.com', api_version: 'v2', token_env: 'OTHER_TOKEN' };
    });
    // A rename gives the path a new inode; writing in place would keep the old one.
    expect(statSync(join(dir, 'connections.json')).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['connections.json']);
    expect(Object.keys(readStore(env).connections)).toEqual(['other', 'pipedrive']);
    expect(readStore(env).connections.other).toEqual({ app: 'pipedrive', company_url: 'https://other.pipedrive.com', api_version: 'v2', token_env: 'OTHER_TOKEN' });
  });

  it('refuses a file others can read, giving the exact chmod', () => {
    const dir = tempDir();
    const env = { SLUICE_CONFIG_DIR: dir };
    const path = writeStore(sample(), env);
    chmodSync(path, 0o644);
    const e = failure(() => readStore(env));
    expect(e.code).toBe('SL5040');
    expect(e.message).toContain('mode 0644');
    expect(e.message).toContain(path);
    expect(e.hint).toContain(`chmod 600 '${path}'`);
    expect(`${e.message}${e.hint}`).not.toContain(TOKEN);
    // Writing does not quietly fix (and so hide) it either.
    expect(failure(() => writeStore(sample(), env)).code).toBe('SL5040');
    chmodSync(path, 0o600);
    expect(readStore(env)).toEqual(sample());
  });

  it.each([0o640, 0o604, 0o660, 0o606])('refuses mode %s', (m) => {
    const dir = tempDir();
    const env = { SLUICE_CONFIG_DIR: dir };
    chmodSync(writeStore(sample(), env), m);
    expect(failure(() => readStore(env)).code).toBe('SL5040');
  });

  it('refuses to save into a folder open to others, and does not chmod it', () => {
    const dir = join(tempDir(), 'shared');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const e = failure(() => writeStore(sample(), { SLUICE_CONFIG_DIR: dir }));
    expect(e.code).toBe('SL5042');
    expect(e.hint).toBe(`Run: chmod 700 '${dir}'`);
    expect(mode(dir)).toBe(0o755);
    expect(existsSync(join(dir, 'connections.json'))).toBe(false);
  });

  it('refuses an unknown format version, naming it', () => {
    const dir = tempDir();
    const path = join(dir, 'connections.json');
    writeFileSync(path, JSON.stringify({ version: 2, connections: {} }), { mode: 0o600 });
    const e = failure(() => readStore({ SLUICE_CONFIG_DIR: dir }));
    expect(e.code).toBe('SL5041');
    expect(e.message).toContain('format version 2');
    expect(e.hint).toContain('newer Sluice');
    expect(failure(() => parseStore('{"connections":{}}')).message).toContain('missing the format "version"');
  });

  it('reports bad JSON without quoting the file (which holds tokens)', () => {
    const e = failure(() => parseStore(`{"version":1,"connections":{"x":{"token":"${TOKEN}",}}}`, '/p/connections.json'));
    expect(e.code).toBe('SL5041');
    expect(e.message).toBe('/p/connections.json is not valid JSON');
    expect(`${e.message}${e.hint}`).not.toContain(TOKEN);
  });

  it.each([
    [{ version: 1, connections: [] }, '"connections" must be an object'],
    [{ version: 1, connections: { x: 'y' } }, 'connection "x" must be an object'],
    [{ version: 1, connections: { x: { company_url: 'u', api_version: 'v1' } } }, 'connection "x" has no "app"'],
    [{ version: 1, connections: { x: { app: 'pipedrive', company_url: 'u', api_version: 'v3' } } }, '"api_version" must be "auto", "v1" or "v2"'],
    [{ version: 1, connections: { x: { app: 'pipedrive', company_url: 'u', api_version: 'v1', token_env: 'A B' } } }, '"token_env" must be an environment variable name'],
  ])('checks entries: %j', (data, message) => {
    expect(failure(() => parseStore(JSON.stringify(data))).message).toContain(message);
  });

  it('does not let a "__proto__" entry change the prototype', () => {
    const s = parseStore('{"version":1,"connections":{"__proto__":{"app":"pipedrive","company_url":"u","api_version":"v1"}}}');
    expect(Object.getPrototypeOf(s.connections)).toBe(Object.prototype);
    expect(Object.keys(s.connections)).toEqual(['__proto__']);
  });
});
