// Defects a new user meets on day one, each as `sluice run` against the sandbox: a dry run that
// ignores the watermark, an incremental export emptied by a run with nothing new, temp files left by
// a killed run, the seed's own `since_timestamp` filter, blank CSV cells clearing fields, and run
// summaries whose counts do not add up.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { project, sandboxesPerTest, type Summary, type TestSandbox } from './helpers/sandbox-run.js';
import { MAX_CONCURRENCY } from '../../src/runtime/http/adaptive-concurrency.js';

const sb = sandboxesPerTest();

const addsUp = (x: Summary) => expect(x.written + x.rejected + x.skipped + x.filtered + x.unsent).toBe(x.read);
/** A PID that no process has: a child that has already exited. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());

const LEADS = `source pipedrive.persons since ~{CreatedDate}~
  -> map { title: "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`;

describe('--dry-run reads what the real run would read', () => {
  it('after a caught-up run it previews only the new records, and changes nothing', async () => {
    const s = await sb({ persons: 30, leads: 0 });
    const p = project(s, { 'leads.flow': LEADS });
    expect((await p.run('leads.flow')).summary).toMatchObject({ written: 30 });
    s.clock.advance(60_000);
    for (const name of ['Ann', 'Bo', 'Cy']) s.data.persons.create({ name });
    const before = s.log.length;
    const dry = await p.run('leads.flow', ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.summary).toMatchObject({ written: 3, status: 'succeeded' });
    expect(dry.stderr.match(/would send POST \/leads/g)).toHaveLength(3);
    expect(s.log.slice(before).filter((e) => e.method !== 'GET')).toEqual([]);
    const real = await p.run('leads.flow');
    expect(real.summary).toMatchObject({ written: 3 });
    expect(s.data.leads.all()).toHaveLength(33);
  });

  it('reads every page the real run reads, not only the first', async () => {
    const s = await sb({ persons: 1200, leads: 0 });
    const p = project(s, { 'leads.flow': LEADS });
    const dry = await p.run('leads.flow', ['--dry-run']);
    expect(dry.summary).toMatchObject({ written: 1200, read: 1200 });
    expect(s.data.leads.all()).toHaveLength(0);
  });
});

describe('incremental file exports keep what earlier runs wrote', () => {
  const flow = (dest: string) => `source pipedrive.persons since ~{CreatedDate}~ -> map { id: id, name: name } -> dest ${dest}\n`;

  it('JSONL and CSV append by default in an incremental flow; a run with nothing new leaves them as they are', async () => {
    const s = await sb({ persons: 20 });
    const p = project(s, { 'j.flow': flow('file.jsonl with path = "out/p.jsonl"'), 'c.flow': flow('file.csv with path = "out/p.csv"') });
    for (const f of ['j.flow', 'c.flow']) expect((await p.run(f)).code).toBe(0);
    const jsonl = readFileSync(join(p.dir, 'out/p.jsonl'), 'utf8');
    const csv = readFileSync(join(p.dir, 'out/p.csv'), 'utf8');
    expect(jsonl.trim().split('\n')).toHaveLength(20);
    expect(csv.trim().split('\n')).toHaveLength(21);
    for (const f of ['j.flow', 'c.flow']) expect((await p.run(f)).summary).toMatchObject({ written: 0 });
    expect(readFileSync(join(p.dir, 'out/p.jsonl'), 'utf8')).toBe(jsonl);
    expect(readFileSync(join(p.dir, 'out/p.csv'), 'utf8')).toBe(csv);
    s.clock.advance(60_000);
    s.data.persons.update(3, { name: 'Changed' });
    for (const f of ['j.flow', 'c.flow']) expect((await p.run(f)).summary).toMatchObject({ written: 1 });
    expect(readFileSync(join(p.dir, 'out/p.csv'), 'utf8')).toBe(`${csv}3,Changed\n`);
    expect(readFileSync(join(p.dir, 'out/p.jsonl'), 'utf8')).toBe(`${jsonl}{"id":3,"name":"Changed"}\n`);
  });

  it('replacing with nothing new writes the CSV header only, and check warns about replacing with changes', async () => {
    const s = await sb({ persons: 5 });
    const p = project(s, { 'c.flow': flow('file.csv with path = "out/p.csv", append = false') });
    const check = await p.sluice(['check', 'c.flow']);
    expect(check.code).toBe(0);
    expect(check.stderr + check.stdout).toContain('SL2072');
    expect((await p.run('c.flow')).code).toBe(0);
    expect((await p.run('c.flow')).summary).toMatchObject({ written: 0 });
    expect(readFileSync(join(p.dir, 'out/p.csv'), 'utf8')).toBe('id,name\n');
  });

  it('{run_started} in the path gives each run a file of its own', async () => {
    const s = await sb({ persons: 5 });
    const p = project(s, { 'j.flow': flow('file.jsonl with path = "out/p-{run_started}.jsonl", append = false') });
    expect((await p.sluice(['check', 'j.flow'])).stderr).not.toContain('SL2072');
    expect((await p.run('j.flow')).code).toBe(0);
    const files = readdirSync(join(p.dir, 'out'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^p-\d{8}T\d{6}Z\.jsonl$/);
  });

  it('temp files a killed run left are removed by the next run of the flow, and by cache clear', async () => {
    const s = await sb({ persons: 5 });
    const p = project(s, { 'j.flow': flow('file.jsonl with path = "out/p.jsonl"') });
    const pid = deadPid();
    mkdirSync(join(p.dir, 'out'), { recursive: true });
    const left = join(p.dir, 'out', `.p.jsonl.${pid}.0badc0de.tmp`);
    writeFileSync(left, '{"half":');
    expect((await p.run('j.flow')).code).toBe(0);
    expect(existsSync(left)).toBe(false);

    // Another output, whose run was killed: `cache clear` finds its temp file through the note.
    const other = join(p.dir, 'elsewhere', `.x.csv.${pid}.0badc0de.tmp`);
    mkdirSync(join(p.dir, 'elsewhere'), { recursive: true });
    writeFileSync(other, 'id\n1\n');
    mkdirSync(join(p.dir, '.sluice', 'tmp'), { recursive: true });
    writeFileSync(join(p.dir, '.sluice', 'tmp', `output.${pid}.0123abcd.tmp`), other);
    const clear = await p.sluice(['cache', 'clear']);
    expect(clear.code, clear.stderr).toBe(0);
    expect(existsSync(other)).toBe(false);
    expect(readdirSync(join(p.dir, '.sluice', 'tmp'))).toEqual([]);
    expect(readFileSync(join(p.dir, 'out/p.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
  });
});

describe("the seed's own filter", () => {
  it('`where since_timestamp = ~{CreatedDate}~` is sent as YYYY-MM-DD HH:MM:SS and moves the watermark like `since`', async () => {
    const s = await sb({ persons: 10 });
    const p = project(s, {
      'r.flow': 'source pipedrive.recents where items = "deal,person" and limit = 10 and since_timestamp = ~{CreatedDate}~ -> map { item: item, id: id } -> dest file.jsonl with path = "out/r.jsonl"\n',
    });
    const check = await p.sluice(['check', 'r.flow']);
    expect(check.code, check.stderr).toBe(0);
    const r1 = await p.run('r.flow', ['--since', '2026-01-10T00:00:00Z']);
    expect(r1.code, r1.stderr + JSON.stringify(r1.summary)).toBe(0);
    const sent = s.log.filter((e) => e.path.startsWith('/api/v1/recents')).map((e) => new URL(e.path, 'http://x').searchParams.get('since_timestamp'));
    expect(sent[0]).toBe('2026-01-10 00:00:00');
    expect(r1.summary.watermark).not.toBeNull();
    s.log.length = 0;
    const r2 = await p.run('r.flow');
    expect(r2.code).toBe(0);
    const next = new URL(s.log.find((e) => e.path.startsWith('/api/v1/recents'))!.path, 'http://x').searchParams.get('since_timestamp');
    expect(next).toBe(r1.summary.watermark!.slice(0, 19).replace('T', ' '));
  });
});

describe('missing values leave fields unchanged', () => {
  it('blank CSV cells do not clear a lead; a literal null in the flow does', async () => {
    const s = await sb({ persons: 5, leads: 0 });
    const a = s.data.leads.create({ title: 'Alpha', person_id: 1, expected_close_date: '2026-03-01' });
    const b = s.data.leads.create({ title: 'Beta', person_id: 2, expected_close_date: '2026-04-01' });
    const p = project(s, {
      'in.csv': `id,title,close\n${a.id},,\n${b.id},Beta 2,\n`,
      'u.flow': `source file.csv with path = "in.csv" as { id: string, title: string?, close: date? }
  -> map { id: id, title: title, expected_close_date: close }
  -> dest pipedrive.leads.update
`,
      'clear.flow': `source file.csv with path = "in.csv" as { id: string, title: string?, close: date? }
  -> map { id: id, expected_close_date: null }
  -> dest pipedrive.leads.update
`,
    });
    const r = await p.run('u.flow');
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ written: 2, rejected: 0 });
    expect(s.data.leads.get(a.id)).toMatchObject({ title: 'Alpha', expected_close_date: '2026-03-01' });
    expect(s.data.leads.get(b.id)).toMatchObject({ title: 'Beta 2', expected_close_date: '2026-04-01' });
    const c = await p.run('clear.flow');
    expect(c.code, c.stderr).toBe(0);
    expect(s.data.leads.get(a.id)).toMatchObject({ title: 'Alpha', expected_close_date: null });
  });
});

describe('summaries add up', () => {
  it('read = written + rejected + skipped + filtered + unsent, in JSON and in text', async () => {
    const s = await sb({ persons: 40, leads: 0 });
    const p = project(s, {
      'f.flow': `source pipedrive.persons since ~{CreatedDate}~
  -> filter id % 5 != 0
  -> map { title: if id % 7 == 0 then null else "Lead: " + name, person_id: id }
  -> dest pipedrive.leads
`,
    });
    const r = await p.run('f.flow');
    expect(r.code).toBe(3);
    expect(r.summary).toMatchObject({ read: 40, filtered: 8 });
    expect(r.summary.rejected).toBeGreaterThan(0);
    addsUp(r.summary);
    s.clock.advance(60_000);
    s.data.persons.create({ name: 'Late' });
    const text = await p.sluice(['run', 'f.flow']);
    expect(text.stdout).toMatch(/read (\d+) = written 1 to POST \/leads \+ rejected 0 \+ skipped \d+ \(already written\) \+ filtered 0/);
    const [, read] = /read (\d+) =/.exec(text.stdout)!;
    const [, skipped] = /skipped (\d+)/.exec(text.stdout)!;
    expect(Number(read)).toBe(1 + Number(skipped));
    const earlier = await p.sluice(['run', 'f.flow', '--fresh', '--dry-run']);
    expect(earlier.stdout).toContain('sluice state rejected');
    expect(earlier.stdout).toContain('sluice replay');
  });
});

describe('progress on a terminal', () => {
  // `script` gives the process a pseudo-terminal, as a person's shell would.
  const hasScript = spawnSync('script', ['--version']).status === 0;

  it.skipIf(!hasScript)('appears within a second, with records/s, and says when it waits on the rate limit', async () => {
    const s = await sb({ persons: 12_000, plan: 'lite' });
    const p = project(s, { 'f.flow': 'source pipedrive.persons -> map { id: id } -> dest file.jsonl with path = "out/p.jsonl"\n' });
    const env = { ...process.env, ...p.env, SLUICE_PIPEDRIVE_PLAN: 'lite', NO_COLOR: '1' };
    const bin = join(process.cwd(), 'bin', 'sluice.js');
    // Not spawnSync: the sandbox answers from this process's event loop.
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn('script', ['-qfec', `${process.execPath} ${bin} run f.flow`, '/dev/null'], { cwd: p.dir, env });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stdin.end();
      child.on('close', (status) => resolve({ status, stdout }));
    });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/f: read \d+, written \d+, rejected 0, pages \d+, \d+ records\/s, \d+ s/);
    expect(r.stdout).toContain('waiting on Pipedrive\'s rate limit (plan lite, 20 requests / 2 s)');
    expect(r.stdout).toContain('f: succeeded');
  }, 90_000);

  it('prints nothing but the summary when not on a terminal', async () => {
    const s = await sb({ persons: 600 });
    const p = project(s, { 'f.flow': 'source pipedrive.persons -> map { id: id } -> dest file.jsonl with path = "out/p.jsonl"\n' });
    const r = await p.sluice(['run', 'f.flow']);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('records/s');
  });
});

describe('a killed run in the history', () => {
  it('shows the writes it made before it was killed', async () => {
    const s = await sb({ persons: 400, leads: 0, faults: { latencyMs: 5 } });
    const p = project(s, { 'leads.flow': LEADS });
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'sluice.js'), 'run', 'leads.flow'], { cwd: p.dir, env: { ...process.env, ...p.env, SLUICE_PIPEDRIVE_PLAN: 'unlimited' } });
    child.stdout.resume();
    child.stderr.resume();
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (s.data.leads.all().length < 40) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    await exited;
    const made = s.data.leads.all().length;
    const runs = JSON.parse((await p.sluice(['runs', '--format', 'json'])).stdout) as { runs: { status: string; written: number }[] };
    const run = runs.runs[0];
    expect(run.status).toBe('interrupted');
    // Every accepted write is recorded at once; a write in flight when the kill came may not be
    // (rate x latency of them, at most MAX_CONCURRENCY).
    expect(run.written).toBeGreaterThanOrEqual(made - MAX_CONCURRENCY);
    expect(run.written).toBeLessThanOrEqual(made);
  });
});
