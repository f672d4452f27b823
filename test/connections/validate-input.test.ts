import { describe, expect, it } from 'vitest';
import {
  checkApp,
  checkConnectionName,
  checkTokenFormat,
  envPrefix,
  isLoopbackHost,
  normaliseCompanyUrl,
  parseApiVersion,
} from '../../src/connections/validate-input.js';
import { ConnectionError } from '../../src/connections/errors.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';

function failure(f: () => unknown): ConnectionError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectionError);
    return err as ConnectionError;
  }
  throw new Error('expected a ConnectionError');
}

describe('company URL', () => {
  it.each([
    ['https://acme.pipedrive.com', 'https://acme.pipedrive.com'],
    ['https://acme.pipedrive.com/', 'https://acme.pipedrive.com'],
    ['  https://acme.pipedrive.com/  ', 'https://acme.pipedrive.com'],
    ['https://ACME.Pipedrive.com', 'https://acme.pipedrive.com'],
    ['https://acme.pipedrive.com/pipeline/1/user/everyone', 'https://acme.pipedrive.com'],
    ['https://acme.pipedrive.com/api/v1/?x=1#frag', 'https://acme.pipedrive.com'],
    ['https://acme.pipedrive.com.', 'https://acme.pipedrive.com'],
    ['https://acme-eu2.pipedrive.com:443/', 'https://acme-eu2.pipedrive.com'],
  ])('normalises %s', (input, expected) => {
    const r = normaliseCompanyUrl(input);
    expect(r.url).toBe(expected);
    expect(r.loopback).toBe(false);
    expect(r.company).toBe(expected.replace('https://', '').split('.')[0]);
  });

  it.each([
    ['', 'SL5001', /empty/],
    ['acme.pipedrive.com', 'SL5001', /not a URL/],
    ['https://', 'SL5001', /malformed/],
    ['https://exa mple.com', 'SL5001', /malformed/],
    ['https://user:pw@acme.pipedrive.com', 'SL5001', /user name or password/],
    ['http://acme.pipedrive.com', 'SL5002', /must use https, not http/],
    ['ftp://acme.pipedrive.com', 'SL5002', /must use https, not ftp/],
    ['https://example.com', 'SL5003', /not a Pipedrive company address/],
    ['https://acme.pipedrive.com.evil.test', 'SL5003', /not a Pipedrive company address/],
    ['https://a.b.pipedrive.com', 'SL5003', /not a Pipedrive company address/],
    ['https://pipedrive.com', 'SL5003', /not a Pipedrive company address/],
    ['https://api.pipedrive.com', 'SL5003', /Pipedrive's own addresses/],
    ['https://acme.pipedrive.com:8443', 'SL5003', /port/],
    ['http://127.0.0.1:8080', 'SL5002', /not https/],
    ['https://127.0.0.1:8080', 'SL5003', /not a Pipedrive company URL/],
  ])('refuses %j with %s', (input, code, message) => {
    const e = failure(() => normaliseCompanyUrl(input));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
  });

  it('suggests the https form for a bare host', () => {
    expect(failure(() => normaliseCompanyUrl('acme.pipedrive.com/')).hint).toContain('https://acme.pipedrive.com');
    expect(failure(() => normaliseCompanyUrl('http://acme.pipedrive.com')).hint).toContain('https://acme.pipedrive.com');
  });

  it('points at --allow-insecure for a loopback URL', () => {
    expect(failure(() => normaliseCompanyUrl('http://localhost:3000')).hint).toContain('--allow-insecure');
  });

  it.each([
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://127.0.0.1:8080/api/v1', 'http://127.0.0.1:8080'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000/', 'http://[::1]:3000'],
    ['https://127.0.0.2:9', 'https://127.0.0.2:9'],
  ])('with --allow-insecure accepts the loopback URL %s', (input, expected) => {
    const r = normaliseCompanyUrl(input, { allowInsecure: true });
    expect(r).toMatchObject({ url: expected, loopback: true });
  });

  it('with --allow-insecure still refuses a non-loopback http URL', () => {
    const e = failure(() => normaliseCompanyUrl('http://10.0.0.5:8080', { allowInsecure: true }));
    expect(e.code).toBe('SL5004');
    expect(e.message).toContain('only allows loopback');
  });

  it('--allow-insecure does not loosen the rule for https hosts', () => {
    expect(normaliseCompanyUrl('https://acme.pipedrive.com', { allowInsecure: true }).url).toBe('https://acme.pipedrive.com');
    expect(failure(() => normaliseCompanyUrl('https://example.com', { allowInsecure: true })).code).toBe('SL5003');
  });

  it('never echoes a token pasted into the URL', () => {
    const e = failure(() => normaliseCompanyUrl(`acme.pipedrive.com?api_token=${TOKEN}`));
    expect(`${e.message} ${e.hint}`).not.toContain(TOKEN);
    const e2 = failure(() => normaliseCompanyUrl(`https://x:${TOKEN}@acme.pipedrive.com`));
    expect(`${e2.message} ${e2.hint}`).not.toContain(TOKEN);
    // Pasted as the host: quoted in "did you mean" and "is not a Pipedrive company address".
    for (const input of [`${TOKEN}.pipedrive.com`, `https://${TOKEN}.example.com`, `http://${TOKEN}.pipedrive.com`, `http://${TOKEN}.test`]) {
      const e3 = failure(() => normaliseCompanyUrl(input, { allowInsecure: input.endsWith('.test') }));
      expect(`${e3.message} ${e3.hint}`).not.toContain(TOKEN);
      expect(`${e3.message} ${e3.hint}`).toContain('****4567');
    }
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'localhost.evil.test', '128.0.0.1', 'acme.pipedrive.com'].some(isLoopbackHost)).toBe(false);
  });
});

describe('API version', () => {
  it.each([['auto', 'auto'], ['v1', 'v1'], ['v2', 'v2'], [' V2 ', 'v2'], ['AUTO', 'auto']])('accepts %j', (input, expected) => {
    expect(parseApiVersion(input)).toBe(expected);
  });
  it.each(['v3', '1', '', 'latest', 'v1.0'])('refuses %j listing auto, v1 and v2', (input) => {
    const e = failure(() => parseApiVersion(input));
    expect(e.code).toBe('SL5010');
    expect(e.message).toContain('use auto, v1 or v2');
  });
  it('suggests the likely version', () => {
    expect(failure(() => parseApiVersion('1')).hint).toContain('Did you mean v1?');
    expect(failure(() => parseApiVersion('2.0')).hint).toContain('Did you mean v2?');
  });
});

describe('API token', () => {
  it('accepts 40 hex characters, trimming a pasted newline', () => {
    expect(checkTokenFormat(TOKEN)).toBe(TOKEN);
    expect(checkTokenFormat(`${TOKEN}\n`)).toBe(TOKEN);
    expect(checkTokenFormat(TOKEN.toUpperCase())).toBe(TOKEN.toUpperCase());
  });
  it.each([
    ['', /is empty/],
    [TOKEN.slice(1), /has 39 characters, not 40/],
    [`${TOKEN}0`, /has 41 characters, not 40/],
    [`${TOKEN.slice(0, 39)}g`, /other than 0-9 and a-f/],
    [`${TOKEN.slice(0, 20)} ${TOKEN.slice(21)}`, /contains spaces/],
  ])('refuses %j without echoing it', (input, message) => {
    const e = failure(() => checkTokenFormat(input));
    expect(e.code).toBe('SL5020');
    expect(e.message).toMatch(message);
    expect(e.message).toContain('40 hexadecimal characters');
    if (input.length > 8) {
      for (let i = 0; i + 8 <= input.length; i += 8) expect(`${e.message}${e.hint}`).not.toContain(input.slice(i, i + 8));
    }
  });
  it('names where the token came from', () => {
    expect(failure(() => checkTokenFormat('abc', 'the API token in MY_VAR')).message).toMatch(/^the API token in MY_VAR has 3 characters/);
  });
});

describe('names and apps', () => {
  it.each(['pipedrive', 'acme', 'acme-eu', 'a_b2'])('accepts the name %j', (n) => expect(checkConnectionName(n)).toBe(n));
  it.each(['', 'Acme', '1acme', '-x', 'a b', 'a'.repeat(64), '__proto__'])('refuses the name %j', (n) => {
    expect(failure(() => checkConnectionName(n)).code).toBe('SL5045');
  });
  it('suggests the lowercase name', () => expect(failure(() => checkConnectionName('Acme')).hint).toContain('`acme`'));
  it('knows which apps have connections', () => {
    expect(checkApp('pipedrive')).toBe('pipedrive');
    expect(failure(() => checkApp('salesforce')).code).toBe('SL5047');
  });
  it('derives environment variable prefixes', () => {
    expect(envPrefix('pipedrive')).toBe('SLUICE_PIPEDRIVE');
    expect(envPrefix('acme-eu')).toBe('SLUICE_ACME_EU');
  });
});
