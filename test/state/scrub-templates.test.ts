import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/state/scrub.js';
import { BEGINNING_OF_TIME, parseVarArgs, templateValues } from '../../src/state/templates.js';
import { agentFlowKey } from '../../src/state/keys.js';
import { clock, freshStore, stateFailure } from './helpers.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';

describe('scrubSecrets', () => {
  it.each([
    [`token ${TOKEN} refused`, 'token ****4567 refused'],
    [`GET /v1/persons?api_token=${TOKEN}&start=0`, 'GET /v1/persons?api_token=****4567&start=0'],
    ['{"api_token": "short-but-secret-value"}', '{"api_token": "****alue"}'],
    ['Authorization: Bearer abcdefghijklmnopqrstuvwxyz', 'Authorization: Bearer ****wxyz'],
    ['x-api-token=abc', 'x-api-token=****'],
    // A sha256 digest is not a token: masking its middle would only corrupt it.
    [`sha ${'ab'.repeat(32)}`, `sha ${'ab'.repeat(32)}`],
    ['unexpected token: }', 'unexpected token: }'],
  ])('%s', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });
});

describe('--var', () => {
  it('parses Name=value pairs; the value may contain =', async () => {
    expect({ ...parseVarArgs(['Owner=42', 'Filter=a=b', 'Empty=']) }).toEqual({ Owner: '42', Filter: 'a=b', Empty: '' });
  });

  it.each([['Owner'], ['1x=2'], ['a b=c'], ['=v']])('refuses %j (exit 2)', async (arg) => {
    const err = await stateFailure(() => parseVarArgs([arg]));
    expect(err.code).toBe('SL6030');
    expect(err.exitCode).toBe(2);
  });

  it('does not let --var replace a template Sluice computes', async () => {
    const err = await stateFailure(() => parseVarArgs(['CreatedDate=2020-01-01']));
    expect(err.code).toBe('SL6031');
    expect(err.hint).toContain('--since');
    expect((await stateFailure(() => parseVarArgs(['Now=x']))).code).toBe('SL6031');
  });
});

describe('templateValues', () => {
  const key = agentFlowKey('persons');
  const now = new Date('2026-02-01T08:00:00.000Z');

  it('on a first run: --since, else the beginning of time', async () => {
    expect(await templateValues(null, key, 's', { now })).toEqual({
      values: { CreatedDate: BEGINNING_OF_TIME, LastRunTime: BEGINNING_OF_TIME, Now: '2026-02-01T08:00:00.000Z' },
      firstRun: true,
    });
    const { store } = freshStore();
    expect(await templateValues(store, key, 's', { now, since: '2026-01-01', vars: { Owner: '42' } })).toEqual({
      values: { Owner: '42', CreatedDate: '2026-01-01T00:00:00.000Z', LastRunTime: '2026-01-01T00:00:00.000Z', Now: '2026-02-01T08:00:00.000Z' },
      firstRun: true,
    });
    expect((await stateFailure(() => templateValues(store, key, 's', { now, since: 'yesterday' }))).code).toBe('SL6014');
  });

  it('afterwards: the watermark and the start of the last successful run; --since no longer applies', async () => {
    const c = clock('2026-01-10T00:00:00.000Z');
    const { store } = freshStore({ now: c.now });
    const ok = await store.startRun(key, { trigger: 'cli' });
    await store.commitProgress(ok, key, 's', { watermark: '2026-01-09 23:59:59' });
    await store.finishRun(ok, { status: 'succeeded' });
    c.advance(3_600_000);
    const failed = await store.startRun(key, { trigger: 'cli' });
    await store.finishRun(failed, { status: 'failed' });
    expect(await templateValues(store, key, 's', { now, since: '2020-01-01' })).toEqual({
      values: { CreatedDate: '2026-01-09T23:59:59.000Z', LastRunTime: '2026-01-10T00:00:00.000Z', Now: '2026-02-01T08:00:00.000Z' },
      firstRun: false,
    });
  });
});
