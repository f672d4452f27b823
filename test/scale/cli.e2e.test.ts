// Queue mode's command line: help, and clear errors (code, cause, fix; no stack) for what is missing or wrong.
import { describe, expect, it } from 'vitest';
import { runSluice, tempDir } from '../helpers/cli.js';
import { EVENT_ATTEMPTS, EVENT_BACKOFF_MS } from '../../src/scale/worker-timing.js';

const env = () => ({ SLUICE_HOME: tempDir(), SLUICE_STATE: '' });

describe('sluice worker / agent start --queue', () => {
  it('has --help', async () => {
    const r = await runSluice(['worker', '--help'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--queue <URL>[\s\S]*--state <URL>[\s\S]*--concurrency <N>/);
    // The figures `agent start --help` gives are those the queue uses.
    const agent = await runSluice(['agent', 'start', '--help'], { env: env() });
    expect(agent.stdout).toContain(`retried by the queue (${EVENT_ATTEMPTS} attempts, ${EVENT_BACKOFF_MS / 1000} s, ${(2 * EVENT_BACKOFF_MS) / 1000} s, `);
    expect(agent.stdout).toMatch(/in queue mode, the token is kept in Redis/);
  });

  it('refuses what cannot work, with the fix', async () => {
    const noState = await runSluice(['worker', '--queue', 'redis://127.0.0.1:6379'], { env: env() });
    expect(noState.code).toBe(2);
    expect(noState.stderr).toMatch(/SL8502: queue mode keeps flows, state and history in PostgreSQL/);
    const badQueue = await runSluice(['agent', 'start', '--queue', 'http://x', '--state', 'postgres://a@b/c'], { env: env() });
    expect(badQueue.code).toBe(2);
    expect(badQueue.stderr).toMatch(/SL8501: --queue must be a Redis URL/);
    const noRedis = await runSluice(['worker', '--queue', 'redis://u:secretpw@127.0.0.1:1', '--state', 'postgres://postgres@127.0.0.1:5432/test'], { env: env(), timeoutMs: 30_000 });
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toMatch(/SL8503: cannot reach the queue's Redis at redis:\/\/u:\*\*\*\*@127\.0\.0\.1:1/);
    expect(noRedis.stderr).not.toContain('secretpw');
    // A queue agent logs no API requests: -v is refused before anything is connected to.
    const verbose = await runSluice(['agent', 'start', '--queue', 'redis://127.0.0.1:1', '--state', 'postgres://postgres@127.0.0.1:5432/test', '-v'], { env: env(), timeoutMs: 30_000 });
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/--verbose does not work with --queue[\s\S]*leave -v out/);
    for (const r of [noState, badQueue, noRedis, verbose]) expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
