import { inspect, format } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret, mask, redact, scrubTokenLike } from '../../src/connections/secret.js';

const TOKEN = 'abcdef0123456789abcdef0123456789abcd9f3e';

describe('Secret', () => {
  const s = new Secret(TOKEN);

  it('reveals the value only when asked', () => {
    expect(s.reveal()).toBe(TOKEN);
    expect(s.masked).toBe('****9f3e');
  });

  it('shows only the mask through every accidental path', () => {
    const texts = [
      String(s),
      `${s}`,
      'x' + s,
      JSON.stringify({ token: s, nested: [s] }),
      inspect(s),
      inspect({ deep: { token: s } }, { depth: 10, showHidden: true }),
      format('%s %o %O %j', s, s, s, { s }),
      JSON.stringify(structuredClone({ s })),
      Object.keys(s).join(','),
      JSON.stringify(Object.entries(s)),
    ];
    for (const t of texts) expect(t).not.toContain(TOKEN);
    expect(inspect(s)).toBe('Secret(****9f3e)');
    expect(JSON.stringify({ token: s })).toBe('{"token":"****9f3e"}');
  });

  it('cannot be changed', () => {
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('has a stable fingerprint that does not contain the token', () => {
    expect(s.fingerprint()).toBe(new Secret(TOKEN).fingerprint());
    expect(s.fingerprint()).not.toBe(new Secret(TOKEN.replace('a', 'b')).fingerprint());
    expect(s.fingerprint()).toMatch(/^[0-9a-f]{16}$/);
    expect(TOKEN).not.toContain(s.fingerprint());
  });

  it('compares by value', () => {
    expect(s.equals(new Secret(TOKEN))).toBe(true);
    expect(s.equals(new Secret('x'))).toBe(false);
  });
});

describe('mask', () => {
  it('shows at most the last 4 characters, none of a short value', () => {
    expect(mask(TOKEN)).toBe('****9f3e');
    expect(mask('short')).toBe('****');
    expect(mask('')).toBe('****');
  });
});

describe('redact', () => {
  it('replaces raw and URL-encoded occurrences', () => {
    const weird = 'a+b/c=d&e'.repeat(3);
    const text = `GET /x?api_token=${TOKEN} failed; header ${TOKEN}; encoded ${encodeURIComponent(weird)}`;
    const out = redact(text, [new Secret(TOKEN), weird, undefined]);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(encodeURIComponent(weird));
    expect(out).toContain('****9f3e');
  });
  it('masks anything that looks like a token in echoed input', () => {
    expect(scrubTokenLike(`https://x/?api_token=${TOKEN}`)).toBe('https://x/?api_token=****9f3e');
  });
});
