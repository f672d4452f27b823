// `sluice state` and `sluice runs` as a process, over a state database written through the store's
// API (as the interpreter writes it). Like every CLI test, these run the built bundle: `npm test`
// builds first (or run `node scripts/build.mjs`).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStateStore as StateStore } from '../../src/state/sqlite-store.js';
import { flowKey } from '../../src/state/keys.js';
import { runSluice, tempDir } from '../helpers/cli.js';
import { clock, deadPid } from './helpers.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const SRC = 'pipedrive.persons';

/** A project folder with two flow files and a state database with some history. */
async function project() {
  const cwd = tempDir('sluice-proj-');
  const home = join(cwd, '.sluice');
  mkdirSync(join(cwd, 'flows'));
  writeFileSync(join(cwd, 'flows', 'sync.flow'), '');
  writeFileSync(join(cwd, 'flows', 'other.flow'), '');
  const c = clock('2026-01-05T10:00:00.000Z');
  const store = StateStore.open(home, { now: c.now });
  const persons = flowKey('flows/sync.flow', 'persons', cwd);
  const deals = flowKey('flows/sync.flow', 'deals', cwd);
  const otherPersons = flowKey('flows/other.flow', 'persons', cwd);

  const r1 = await store.startRun(persons, { trigger: 'cli' });
  await store.commitProgress(r1, persons, SRC, { watermark: '2026-01-05 09:59:59', boundaryIds: [7, 8, 9], counts: { read: 12, written: 11 } });
  await store.reject(r1, persons, { destination: 'file.jsonl', record: { id: 10, email: 'not-an-email' }, reason: 'email is not valid', code: 'SL7101', recordId: 10 });
  c.advance(2500);
  await store.finishRun(r1, { status: 'succeeded', read: 12, written: 11, rejected: 1 });
  c.advance(60_000);
  const r2 = await store.startRun(deals, { trigger: 'agent' });
  c.advance(700);
  await store.finishRun(r2, { status: 'failed', error: { code: 'SL5021', message: `Pipedrive refused the API token (GET /v1/deals?api_token=${TOKEN})` } });
  const r3 = await store.startRun(otherPersons, { trigger: 'cli' });
  store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), r3);
  await store.close();
  const env = { SLUICE_HOME: home };
  return { cwd, home, env, keys: { persons, deals, otherPersons }, runs: { r1, r2, r3 } };
}

const sluice = (args: string[], p: { cwd: string; env: Record<string, string> }, extra: Record<string, string | undefined> = {}) => runSluice(args, { cwd: p.cwd, env: { ...p.env, ...extra } });

describe('sluice state / runs without a state database', () => {
  it('say "no runs yet" (exit 0) and create nothing', async () => {
    const cwd = tempDir();
    const home = join(cwd, '.sluice');
    const p = { cwd, env: { SLUICE_HOME: home } };
    for (const args of [['state', 'show'], ['state', 'show', 'persons'], ['runs'], ['runs', 'persons'], ['state', 'rejected']]) {
      const r = await sluice(args, p);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toBe('no runs yet\n');
    }
    const json = await sluice(['state', 'show', '--format', 'json'], p);
    expect(JSON.parse(json.stdout)).toEqual({ home, state_db: null, flows: [] });
    expect(JSON.parse((await sluice(['runs', '--format', 'json'], p)).stdout)).toEqual({ home, runs: [] });
    expect(existsSync(home)).toBe(false);
  });

  it('the default data folder is .sluice in the current folder', async () => {
    const cwd = tempDir();
    const r = await runSluice(['state', 'show', '--format', 'json'], { cwd, env: { SLUICE_HOME: undefined } });
    expect(JSON.parse(r.stdout).home).toBe(join(cwd, '.sluice'));
  });
});

describe('sluice state show', () => {
  it('lists flows with their watermarks, boundary ids and last run', async () => {
    const p = await project();
    const r = await sluice(['state', 'show'], p);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('persons  flows/sync.flow');
    expect(r.stdout).toContain('pipedrive.persons: watermark 2026-01-05T09:59:59.000Z (time), 3 ids at the boundary, committed 2026-01-05 10:00:00Z by run 1');
    expect(r.stdout).toContain('last run: run 1 succeeded (cli), started 2026-01-05 10:00:00Z, 2.5s, read 12, written 11, rejected 1');
    expect(r.stdout).toContain('runs: 1, rejected records kept: 1 (sluice state rejected persons)');
    expect(r.stdout).toContain('deals  flows/sync.flow');
    expect(r.stdout).toContain('no watermark: the next run reads from --since or the beginning');
    // The run of a process that died shows as interrupted.
    expect(r.stdout).toMatch(/persons {2}flows\/other\.flow\n.*\n {2}last run: run 3 interrupted/);
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('narrows to FLOW, FILE:FLOW or FILE, and prints JSON', async () => {
    const p = await project();
    const one = JSON.parse((await sluice(['state', 'show', 'flows/sync.flow:persons', '--format', 'json'], p)).stdout);
    expect(one.flows).toHaveLength(1);
    expect(one.flows[0]).toMatchObject({
      flow: 'persons',
      key: p.keys.persons,
      sources: [{ source: SRC, watermark: '2026-01-05T09:59:59.000Z', kind: 'time', boundary_ids: 3, run_id: p.runs.r1 }],
      runs: 1,
      rejected: 1,
      last_run: { id: p.runs.r1, status: 'succeeded', trigger: 'cli', read: 12, written: 11, rejected: 1, duration_ms: 2500 },
    });
    const byName = JSON.parse((await sluice(['state', 'show', 'persons', '--format', 'json'], p)).stdout);
    expect(byName.flows.map((f: { key: string }) => f.key).sort()).toEqual([p.keys.otherPersons, p.keys.persons].sort());
    const byFile = JSON.parse((await sluice(['state', 'show', 'flows/sync.flow', '--format', 'json'], p)).stdout);
    expect(byFile.flows.map((f: { flow: string }) => f.flow)).toEqual(['deals', 'persons']);
  });

  it('an unknown flow is an error with a suggestion (exit 1), as JSON on stdout with --format json', async () => {
    const p = await project();
    const r = await sluice(['state', 'show', 'persns'], p);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error SL6020: no state for a flow `persns`; did you mean `persons`\?/);
    const j = await sluice(['state', 'show', 'persns', '--format', 'json'], p);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'SL6020' } });
  });

  it('usage errors exit 2', async () => {
    const p = await project();
    for (const args of [['state', 'show', 'a', 'b'], ['state', 'show', '--format', 'yaml'], ['state', 'show', '--bogus'], ['state', 'nope']]) {
      const r = await sluice(args, p);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('honours NO_COLOR, and colours only when asked', async () => {
    const p = await project();
    const plain = await sluice(['state', 'show'], p, { NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(plain.stdout).not.toMatch(/\u001b\[/);
    const coloured = await sluice(['state', 'show'], p, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(coloured.stdout).toMatch(/\u001b\[1mpersons\u001b\[22m/);
  });
});

describe('sluice state reset', () => {
  it('needs --yes without a terminal (exit 2) and then changes nothing', async () => {
    const p = await project();
    const r = await sluice(['state', 'reset', 'flows/sync.flow:persons'], p);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('add --yes to confirm');
    const s = JSON.parse((await sluice(['state', 'show', 'flows/sync.flow:persons', '--format', 'json'], p)).stdout);
    expect(s.flows[0].sources).toHaveLength(1);
  });

  it('forgets the watermark and boundary ids, keeps the history', async () => {
    const p = await project();
    const r = await sluice(['state', 'reset', 'flows/sync.flow:persons', '--yes'], p);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Reset persons (flows/sync.flow): forgot the watermark of pipedrive.persons and 3 boundary ids. Run history is kept.\n');
    const s = JSON.parse((await sluice(['state', 'show', 'flows/sync.flow:persons', '--format', 'json'], p)).stdout);
    expect(s.flows[0]).toMatchObject({ sources: [], runs: 1, rejected: 1 });
    const again = await sluice(['state', 'reset', 'flows/sync.flow:persons', '--yes', '--format', 'json'], p);
    expect(JSON.parse(again.stdout)).toEqual({ ok: true, flow: 'persons', key: p.keys.persons, sources: [], boundary_ids: 0 });
  });

  it('asks which one when a name is in two files; unknown flows and a missing FLOW are errors', async () => {
    const p = await project();
    const amb = await sluice(['state', 'reset', 'persons', '--yes'], p);
    expect(amb.code).toBe(1);
    expect(amb.stderr).toContain('error SL6021: `persons` names 2 flows: flows/other.flow:persons, flows/sync.flow:persons');
    const unknown = await sluice(['state', 'reset', 'nobody', '--yes'], p);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('SL6020');
    const missing = await sluice(['state', 'reset', '--yes'], p);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing the flow to reset');
    const none = tempDir();
    const noDb = await runSluice(['state', 'reset', 'x', '--yes'], { cwd: none, env: { SLUICE_HOME: join(none, '.sluice') } });
    expect(noDb.code).toBe(1);
    expect(existsSync(join(none, '.sluice'))).toBe(false);
  });
});

describe('sluice runs', () => {
  it('lists runs newest first with status, duration and counts; errors are token-free', async () => {
    const p = await project();
    const r = await sluice(['runs'], p);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+FLOW\s+TRIGGER\s+STATUS\s+STARTED \(UTC\)\s+DURATION\s+READ\s+WRITTEN\s+REJECTED\s+ERROR$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^ 3 {2}flows\/other\.flow:persons\s+cli\s+interrupted\s+2026-01-05 10:01:03Z\s+0ms\s+0\s+0\s+0\s+SL6016 the process running it/);
    expect(lines[2]).toMatch(/^ 2 {2}deals\s+agent\s+failed\s+2026-01-05 10:01:02Z\s+700ms\s+0\s+0\s+0\s+SL5021 Pipedrive refused the API token \(GET \/v1\/deals\?api_token=\*\*\*\*4567\)$/);
    expect(lines[3]).toMatch(/^ 1 {2}flows\/sync\.flow:persons\s+cli\s+succeeded\s+2026-01-05 10:00:00Z\s+2\.5s\s+12\s+11\s+1$/);
    expect(r.stdout).not.toContain(TOKEN);
  });

  it('filters by FLOW and --status, limits with --limit, and prints JSON', async () => {
    const p = await project();
    const j = JSON.parse((await sluice(['runs', 'flows/sync.flow', '--format', 'json'], p)).stdout);
    expect(j.runs.map((r: { id: number }) => r.id)).toEqual([p.runs.r2, p.runs.r1]);
    expect(j.runs[0]).toMatchObject({ flow: 'deals', trigger: 'agent', status: 'failed', duration_ms: 700, error: { code: 'SL5021' } });
    expect(j.runs[1]).toMatchObject({ flow: 'persons', watermarks: { [SRC]: '2026-01-05T09:59:59.000Z' } });
    const limited = JSON.parse((await sluice(['runs', '--limit', '1', '--format', 'json'], p)).stdout);
    expect(limited.runs.map((r: { id: number }) => r.id)).toEqual([p.runs.r3]);
    const failed = JSON.parse((await sluice(['runs', '--status', 'failed', '--format', 'json'], p)).stdout);
    expect(failed.runs.map((r: { id: number }) => r.id)).toEqual([p.runs.r2]);
    const none = await sluice(['runs', 'deals', '--status', 'skipped'], p);
    expect(none.stdout).toBe('no runs yet that match\n');
  });

  it('usage errors exit 2', async () => {
    const p = await project();
    for (const [args, msg] of [
      [['runs', '--limit', 'ten'], '--limit must be a whole number'],
      [['runs', '--limit', '0'], '--limit must be a whole number'],
      [['runs', '--status', 'done'], 'unknown --status `done`'],
      [['runs', 'a', 'b'], 'takes at most one FLOW'],
    ] as const) {
      const r = await sluice([...args], p);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });

  it('has help', async () => {
    const p = await project();
    const r = await sluice(['runs', '--help'], p);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: sluice runs [FLOW] [--limit N] [--status STATUS] [--state postgres://...] [--format text|json]');
    expect(r.stdout).toMatch(/--state <URL> +read the runs of a PostgreSQL state/);
    const top = await sluice(['--help'], p);
    expect(top.stdout).toMatch(/\n {2}state +show or reset what each flow remembers/);
    expect(top.stdout).toMatch(/\n {2}runs +list recent runs/);
  });
});

describe('sluice state rejected', () => {
  it('shows the records destinations refused, with reasons; JSON has them whole', async () => {
    const p = await project();
    const r = await sluice(['state', 'rejected', 'flows/sync.flow:persons'], p);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('#1 2026-01-05 10:00:00Z run 1 -> file.jsonl id 10\n  SL7101: email is not valid\n  {"id":10,"email":"not-an-email"}');
    const j = JSON.parse((await sluice(['state', 'rejected', '--format', 'json'], p)).stdout);
    expect(j.rejected).toEqual([
      { id: 1, key: p.keys.persons, run_id: p.runs.r1, destination: 'file.jsonl', record_id: '10', code: 'SL7101', reason: 'email is not valid', created_at: '2026-01-05T10:00:00.000Z', record: { id: 10, email: 'not-an-email' } },
    ]);
    expect((await sluice(['state', 'rejected', 'deals'], p)).stdout).toBe('no rejected records\n');
  });
});

describe('sluice state reset on a terminal (in process)', () => {
  async function resetWithAnswer(answer: string) {
    const { PassThrough } = await import('node:stream');
    const { commands } = await import('../../src/cli/commands/state.js');
    const { parseCommandArgs } = await import('../../src/cli/command.js');
    const p = await project();
    const cmd = commands.find((c) => c.name === 'state reset')!;
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    let out = '';
    let err = '';
    const io = {
      stdout: Object.assign(new PassThrough(), { isTTY: false }),
      stderr: Object.assign(new PassThrough(), { isTTY: false }),
      stdin,
      env: { ...p.env, NO_COLOR: '1' },
      cwd: p.cwd,
    };
    io.stdout.on('data', (d: Buffer) => (out += d));
    io.stderr.on('data', (d: Buffer) => {
      err += d;
      // Answer once the question is on screen, like a person would.
      if (err.includes('[y/N]') && !stdin.writableEnded) stdin.end(`${answer}\n`);
    });
    const code = await cmd.run(parseCommandArgs(cmd, ['flows/sync.flow:persons']), io);
    const store = StateStore.open(p.home);
    const wm = (await store.watermark(p.keys.persons, SRC)).value;
    await store.close();
    return { code, out, err, wm };
  }

  it('asks, and resets on yes', async () => {
    const r = await resetWithAnswer('y');
    expect(r.err).toContain('Reset persons (flows/sync.flow): pipedrive.persons at 2026-01-05T09:59:59.000Z? Its next run reads everything again. [y/N] ');
    expect(r.code).toBe(0);
    expect(r.out).toContain('forgot the watermark of pipedrive.persons');
    expect(r.wm).toBeNull();
  });

  it('changes nothing on any other answer (exit 1)', async () => {
    const r = await resetWithAnswer('n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('Not reset.');
    expect(r.wm).toBe('2026-01-05T09:59:59.000Z');
  });
});
