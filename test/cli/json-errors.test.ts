// One JSON error wrapper for every command with --format json: a user error is `{ok: false, error}`
// on stdout with its exit code; usage errors and bugs are not swallowed.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardedJson } from '../../src/cli/json-errors.js';
import type { CliIO } from '../../src/cli/io.js';
import { SluiceError, UsageError } from '../../src/errors.js';

function io(): CliIO & { out: () => string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += String(c)));
  return { stdout, stderr: new PassThrough(), stdin: Readable.from([]), env: {}, cwd: '/', out: () => text };
}

const fail = (err: unknown) => async (): Promise<number> => {
  throw err;
};

describe('guardedJson', () => {
  it('json: a user error is one JSON object on stdout, with its code, hint and exit code', async () => {
    const x = io();
    const code = await guardedJson(x, 'json', fail(new SluiceError('SL7010', 'cannot read in.jsonl', { hint: 'Check the path.', exitCode: 3 })), { extra: { running: false } });
    expect(code).toBe(3);
    expect(JSON.parse(x.out())).toEqual({ ok: false, running: false, error: { code: 'SL7010', message: 'cannot read in.jsonl', hint: 'Check the path.' } });
  });

  it('text mode, usage errors and bugs are thrown to the CLI, not printed as JSON', async () => {
    const x = io();
    await expect(guardedJson(x, 'text', fail(new SluiceError('SL7010', 'm')))).rejects.toThrow('m');
    await expect(guardedJson(x, 'json', fail(new UsageError('bad flag')))).rejects.toBeInstanceOf(UsageError);
    await expect(guardedJson(x, 'json', fail(new TypeError('bug')))).rejects.toBeInstanceOf(TypeError);
    expect(x.out()).toBe('');
  });

  it('the transform applies before printing: a redacted message is what reaches stdout', async () => {
    const x = io();
    const token = 'abcdef0123456789abcdef';
    const transform = (e: unknown) => (e instanceof SluiceError ? new SluiceError(e.code, e.message.replace(token, '***')) : e);
    await guardedJson(x, 'json', fail(new SluiceError('SL5001', `token ${token} refused`)), { transform });
    expect(x.out()).not.toContain(token);
    expect(JSON.parse(x.out()).error.message).toBe('token *** refused');
  });

  it('the body result passes through', async () => {
    expect(await guardedJson(io(), 'json', async () => 0)).toBe(0);
  });
});
